package facility

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// Facility is the whole configuration of one facility: its cluster nodes, its
// map of zones, the people and groups it knows, its devices, the console users
// and the alarm policy. It is loaded from one YAML file by [Load] or [Parse].
type Facility struct {
	ID       string   `yaml:"id"`
	Name     string   `yaml:"name"`
	Kind     Kind     `yaml:"kind"`
	Timezone string   `yaml:"timezone"`
	Nodes    []Node   `yaml:"nodes"`
	Site     Site     `yaml:"site"`
	Zones    []Zone   `yaml:"zones"`
	People   []Person `yaml:"people"`
	Groups   []Group  `yaml:"groups"`
	Devices  []Device `yaml:"devices"`
	Doors    []Door   `yaml:"doors"`
	// SallyPorts are the vehicle sally ports (see [SallyPort]).
	SallyPorts []SallyPort `yaml:"sally_ports"`
	Users      []User      `yaml:"users"`
	Alarms     AlarmPolicy `yaml:"alarms"`
	// ZoneRules, KeepSeparate and TwoStaff say who may be where, and
	// when (rules.go); Headcount and Rounds are the counts and the
	// security rounds (routine.go).
	ZoneRules    []ZoneRule     `yaml:"zone_rules,omitempty"`
	KeepSeparate []KeepSeparate `yaml:"keep_separate,omitempty"`
	TwoStaff     []TwoStaff     `yaml:"two_staff,omitempty"`
	Headcount    Headcount      `yaml:"headcount,omitempty"`
	Rounds       Rounds         `yaml:"rounds,omitempty"`
}

// Node is one on-site appliance of the facility's cluster.
type Node struct {
	ID string `yaml:"id"`
	// RaftAddr is the cluster listen address (host:port), advertised to peers.
	RaftAddr string `yaml:"raft_addr"`
	// HTTPAddr is the console/API listen address (host:port).
	HTTPAddr string `yaml:"http_addr"`
	// KioskAddr is the education kiosks' listen address: its own port
	// (ideally on the kiosks' own network) that serves kiosk routes only.
	// Empty: no kiosk listener on this node.
	KioskAddr string `yaml:"kiosk_addr,omitempty"`
	// UplinkAddr is where headquarters pulls the facility's summaries:
	// HTTPS with mutual TLS, central certificates of the facility CA only.
	// Empty: HQ does not pull from this node.
	UplinkAddr string `yaml:"uplink_addr,omitempty"`
}

// Site is the extent of the facility's map in metres. Every polygon lies in
// the rectangle from (0, 0) to (Width, Height).
type Site struct {
	Width  float64 `yaml:"width"`
	Height float64 `yaml:"height"`
}

// Zone is an area of the facility. Zones form a tree: building › floor ›
// unit › cell. Zone ids are unique across the whole tree.
type Zone struct {
	ID       string   `yaml:"id"`
	Name     string   `yaml:"name"`
	Kind     ZoneKind `yaml:"kind"`
	Polygon  []Point  `yaml:"polygon"`
	Capacity int      `yaml:"capacity"`
	Zones    []Zone   `yaml:"zones"`
}

// Point is a position on the site map in metres. In YAML it is written as a
// two-element flow sequence: [x, y].
type Point struct {
	X, Y float64
}

// UnmarshalYAML decodes a point from a two-element sequence of numbers.
func (p *Point) UnmarshalYAML(n *yaml.Node) error {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		return fmt.Errorf("point must be [x, y], got %s", describe(n))
	}
	var xy [2]float64
	for i, c := range n.Content {
		if c.Kind == yaml.AliasNode && c.Alias != nil {
			c = c.Alias
		}
		if c.Kind != yaml.ScalarNode || c.Decode(&xy[i]) != nil {
			return fmt.Errorf("point must be [x, y] of numbers, got %s", describe(c))
		}
	}
	p.X, p.Y = xy[0], xy[1]
	return nil
}

// MarshalYAML encodes the point as a flow sequence [x, y].
func (p Point) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, v := range []float64{p.X, p.Y} {
		c := &yaml.Node{}
		if err := c.Encode(v); err != nil {
			return nil, err
		}
		n.Content = append(n.Content, c)
	}
	return n, nil
}

// Person is a member of staff or a resident (inmate, detainee, patient).
type Person struct {
	ID     string     `yaml:"id"`
	Name   string     `yaml:"name"`
	Role   PersonRole `yaml:"role"`
	Groups []string   `yaml:"groups"`
	// Tags are the RFID EPCs the person carries, as hex strings.
	Tags []string `yaml:"tags"`
	// Cards are the person's access card numbers.
	Cards []uint64 `yaml:"cards"`
	// Home is a resident's cell (a zone of kind cell or unit): where a
	// headcount expects them, where "out of cell" is measured from, whose
	// rounds their watch shortens.
	Home string `yaml:"home,omitempty"`
}

// Group is a named set of people (a wing's residents, a work detail, a shift).
type Group struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
}

// Device is a sensor, actuator or camera, owned by one node.
type Device struct {
	ID   string     `yaml:"id"`
	Kind DeviceKind `yaml:"kind"`
	// Node is the id of the node that owns the hardware.
	Node string `yaml:"node"`
	// Zones are the ids of the zones the device watches or guards.
	Zones     []string  `yaml:"zones"`
	Transport Transport `yaml:"transport"`
	// Input says what a gpio_input is wired to: door_contact, exit,
	// tamper, panic, fence or vehicle_loop. A panic button or a fence
	// sensor that is not part of a door raises its own alarm.
	Input string `yaml:"input,omitempty"`
	// View is what a camera's picture shows (camera.go).
	View *CameraView `yaml:"view,omitempty"`
}

// Door is a supervised (and usually controlled) door: the devices that
// watch and move it, the zones on either side, and who may pass. Every
// device of a door belongs to one node, which runs the door.
type Door struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Inside is the zone the door leads into (a card at the reader asks to
	// enter it); Outside the zone it leads from.
	Inside  string `yaml:"inside"`
	Outside string `yaml:"outside"`
	// Devices, by id: the door contact (required), and optionally the
	// request-to-exit button, the tamper switch, the lock or strike relay
	// (gpio_output) and the entry reader (osdp_reader or wiegand_reader).
	Contact string `yaml:"contact"`
	Exit    string `yaml:"exit,omitempty"`
	Tamper  string `yaml:"tamper,omitempty"`
	Lock    string `yaml:"lock,omitempty"`
	Reader  string `yaml:"reader,omitempty"`
	// HeldOpen is how long the door may stand open after a legal opening
	// before it is an alarm (default 30s); UnlockFor how long a granted
	// card or an exit request releases the lock (default 5s).
	HeldOpen  Duration `yaml:"held_open,omitempty"`
	UnlockFor Duration `yaml:"unlock_for,omitempty"`
	// AntiPassback refuses a card that entered through this door and has
	// not left since.
	AntiPassback bool `yaml:"anti_passback,omitempty"`
	// Access says who may pass, and when. Nobody may without a rule.
	Access []AccessRule `yaml:"access"`
	// At is where the door is on the site map (for the console's plan).
	At *Point `yaml:"at,omitempty"`
}

// SallyPort is a vehicle sally port: an outer and an inner gate with a bay
// between them, each gate driven by its operator's open and close inputs
// and watched by its two limit switches and the loop in its line, a loop in
// the bay, and the life-detection radar that scans vehicles. One node owns
// every device of a sally port.
type SallyPort struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Zone is the bay's zone (kind sally_port).
	Zone  string    `yaml:"zone"`
	Outer SallyGate `yaml:"outer"`
	Inner SallyGate `yaml:"inner"`
	// BayLoop is the vehicle loop in the bay.
	BayLoop string `yaml:"bay_loop"`
	// Radar is the life-detection radar (kind radar). Without one, every
	// leaving vehicle needs a two-supervisor release.
	Radar string `yaml:"radar,omitempty"`
	// Scan is how long a life-detection scan lasts (default 30s, at least
	// 15s).
	Scan Duration `yaml:"scan,omitempty"`
	// ScanEntering requires a clear scan for entering vehicles too.
	ScanEntering bool   `yaml:"scan_entering,omitempty"`
	At           *Point `yaml:"at,omitempty"`
}

// SallyGate is one gate of a sally port, by device id: the gpio_outputs
// that tell its operator to open and to close, the gpio_inputs of its open
// and closed limit switches, and the vehicle loop in its line.
type SallyGate struct {
	Open   string `yaml:"open"`
	Close  string `yaml:"close"`
	Opened string `yaml:"opened"`
	Closed string `yaml:"closed"`
	Loop   string `yaml:"loop"`
}

// AccessRule lets people through a door: those named, those in the groups,
// or everyone of a role — during the hours, on the days (default: always).
type AccessRule struct {
	People []string     `yaml:"people,omitempty"`
	Groups []string     `yaml:"groups,omitempty"`
	Roles  []PersonRole `yaml:"roles,omitempty"`
	// Hours is "HH:MM-HH:MM" in the facility's timezone; it may wrap past
	// midnight ("22:00-06:00"). Empty: all day.
	Hours string `yaml:"hours,omitempty"`
	// Days are mon, tue, wed, thu, fri, sat, sun. Empty: every day.
	Days []string `yaml:"days,omitempty"`
}

// Transport says how the owning node reaches a device. At least one of
// Serial, Chip, URL, Address or Simulated is set.
type Transport struct {
	Serial    string `yaml:"serial,omitempty"`    // serial port, e.g. /dev/ttyUSB0
	Data      string `yaml:"data,omitempty"`      // a second serial port: a radar's data UART (serial is its CLI)
	Baud      int    `yaml:"baud,omitempty"`      // serial speed
	Chip      string `yaml:"chip,omitempty"`      // GPIO chip, e.g. gpiochip0
	Line      int    `yaml:"line,omitempty"`      // GPIO line offset
	URL       string `yaml:"url,omitempty"`       // e.g. rtsp://…, udp://…
	Address   string `yaml:"address,omitempty"`   // bus or network address
	Simulated bool   `yaml:"simulated,omitempty"` // driven by firmware-sim
}

// User is a console account.
type User struct {
	Name string `yaml:"name"`
	Role Role   `yaml:"role"`
	// PasswordHash is a bcrypt hash ($2a$, $2b$ or $2y$).
	PasswordHash string `yaml:"password_hash"`
}

// AlarmPolicy sets how alarms are escalated and coalesced.
type AlarmPolicy struct {
	// EscalateAfter is how long an alarm may stay unacknowledged before it
	// is escalated to a supervisor. Default 2m.
	EscalateAfter Duration `yaml:"escalate_after"`
	// CoalesceWindow is how long repeats of the same alarm fold into the
	// open one instead of raising a new alarm. Default 10m.
	CoalesceWindow Duration `yaml:"coalesce_window"`
}

// Duration is a time.Duration written in YAML as a Go duration string ("90s").
type Duration time.Duration

// UnmarshalYAML decodes a Go duration string such as "90s" or "1h30m".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("duration must be a string like \"90s\", got %s", describe(n))
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("bad duration %q: want a string like \"90s\" or \"2m\"", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML encodes the duration as a Go duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// String returns the duration as a Go duration string.
func (d Duration) String() string { return time.Duration(d).String() }

// describe names a YAML node's kind and value for an error message.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return fmt.Sprintf("%s %q", n.ShortTag(), v)
	case yaml.SequenceNode:
		return fmt.Sprintf("a sequence of %d", len(n.Content))
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}
