package facility

import (
	"fmt"
	"math"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // an appliance must know its timezone without /usr/share/zoneinfo
)

// bcryptHash matches the modular-crypt form of a bcrypt hash: version, cost,
// then 53 characters of salt and digest.
var bcryptHash = regexp.MustCompile(`^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$`)

// Validate checks the facility for missing, unknown, duplicate and
// dangling values. It returns nil or an [Errors] whose entries carry the key
// path of each problem (no file or line: [Parse] adds those).
func (f *Facility) Validate() error {
	return f.validate().err()
}

func (f *Facility) validate() Errors {
	var l errorList
	if f == nil {
		l.add("", "no facility")
		return l.errs
	}
	if f.ID == "" {
		l.add("id", "required")
	}
	if f.Name == "" {
		l.add("name", "required")
	}
	if !f.Kind.Valid() {
		l.add("kind", badEnum("facility kind", f.Kind, []Kind{KindPrison, KindRehabCentre}))
	}
	if f.Timezone == "" {
		l.add("timezone", "required")
	} else if _, err := time.LoadLocation(f.Timezone); err != nil {
		l.add("timezone", fmt.Sprintf("unknown timezone %q", f.Timezone))
	}
	f.validateNodes(&l)
	siteOK := true
	if !(f.Site.Width > 0 && f.Site.Width < math.Inf(1)) {
		l.add("site.width", "must be a positive number of metres")
		siteOK = false
	}
	if !(f.Site.Height > 0 && f.Site.Height < math.Inf(1)) {
		l.add("site.height", "must be a positive number of metres")
		siteOK = false
	}
	zones := ids{}
	f.validateZones(&l, "zones", f.Zones, zones, siteOK)
	groups := ids{}
	for i, g := range f.Groups {
		groups.add(&l, fmt.Sprintf("groups[%d].id", i), g.ID)
	}
	f.validatePeople(&l, groups)
	f.validateDevices(&l, zones)
	f.validateCameraViews(&l)
	f.validateDoors(&l, zones, groups)
	f.validateSallyPorts(&l, zones)
	f.validateRules(&l, groups)
	f.validateRoutine(&l, groups)
	users := ids{}
	for i, u := range f.Users {
		p := fmt.Sprintf("users[%d]", i)
		users.add(&l, p+".name", u.Name)
		if !u.Role.Valid() {
			l.add(p+".role", badEnum("role", u.Role, []Role{RoleOfficer, RoleSupervisor, RoleAdmin}))
		}
		if !bcryptHash.MatchString(u.PasswordHash) {
			l.add(p+".password_hash", "not a bcrypt hash (want $2a$, $2b$ or $2y$, a cost and 53 characters)")
		}
	}
	if f.Alarms.EscalateAfter <= 0 {
		l.add("alarms.escalate_after", "must be positive")
	}
	if f.Alarms.CoalesceWindow <= 0 {
		l.add("alarms.coalesce_window", "must be positive")
	}
	return l.errs
}

func (f *Facility) validateNodes(l *errorList) {
	if len(f.Nodes) == 0 {
		l.add("nodes", "at least one node is required")
	}
	nodes, addrs := ids{}, ids{}
	for i, n := range f.Nodes {
		p := fmt.Sprintf("nodes[%d]", i)
		nodes.add(l, p+".id", n.ID)
		if msg := checkAddr(n.RaftAddr, true); msg != "" {
			l.add(p+".raft_addr", msg)
		} else if specific(n.RaftAddr) {
			addrs.addAs(l, p+".raft_addr", n.RaftAddr, "address")
		}
		if msg := checkAddr(n.HTTPAddr, false); msg != "" {
			l.add(p+".http_addr", msg)
		} else if specific(n.HTTPAddr) {
			addrs.addAs(l, p+".http_addr", n.HTTPAddr, "address")
		}
		for _, a := range []struct{ key, addr string }{{"kiosk_addr", n.KioskAddr}, {"uplink_addr", n.UplinkAddr}} {
			if a.addr == "" {
				continue
			}
			if msg := checkAddr(a.addr, false); msg != "" {
				l.add(p+"."+a.key, msg)
			} else if specific(a.addr) {
				addrs.addAs(l, p+"."+a.key, a.addr, "address")
			}
		}
	}
}

// checkAddr checks a host:port listen address. A raft address is advertised
// to the peers, so it needs a host.
func checkAddr(addr string, needHost bool) string {
	if addr == "" {
		return "required"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("%q is not host:port", addr)
	}
	if needHost && host == "" {
		return fmt.Sprintf("%q has no host; peers need one to reach this node", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("%q: port must be a number from 0 to 65535", addr)
	}
	return ""
}

// specific reports whether a valid listen address names one host and port,
// so that two nodes using it would clash. ":8080" on every node is fine:
// each node is its own machine.
func specific(addr string) bool {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || port == "0" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsUnspecified()
}

func (f *Facility) validateZones(l *errorList, path string, zs []Zone, seen ids, siteOK bool) {
	for i, z := range zs {
		p := fmt.Sprintf("%s[%d]", path, i)
		seen.add(l, p+".id", z.ID)
		if !z.Kind.Valid() {
			l.add(p+".kind", badEnum("zone kind", z.Kind, zoneKinds))
		}
		if len(z.Polygon) < 3 {
			l.add(p+".polygon", fmt.Sprintf("needs at least 3 points, has %d", len(z.Polygon)))
		}
		for j, pt := range z.Polygon {
			if !siteOK {
				break // already reported under site; every point would fail
			}
			if !(pt.X >= 0 && pt.X <= f.Site.Width && pt.Y >= 0 && pt.Y <= f.Site.Height) {
				l.add(fmt.Sprintf("%s.polygon[%d]", p, j), fmt.Sprintf("[%g, %g] is outside the site (0..%g, 0..%g)", pt.X, pt.Y, f.Site.Width, f.Site.Height))
			}
		}
		if z.Capacity < 0 {
			l.add(p+".capacity", "must not be negative")
		}
		f.validateZones(l, p+".zones", z.Zones, seen, siteOK)
	}
}

func (f *Facility) validatePeople(l *errorList, groups ids) {
	people, tags, cards := ids{}, ids{}, ids{}
	for i, pr := range f.People {
		p := fmt.Sprintf("people[%d]", i)
		people.add(l, p+".id", pr.ID)
		if !pr.Role.Valid() {
			l.add(p+".role", badEnum("role", pr.Role, []PersonRole{PersonStaff, PersonResident}))
		}
		for j, g := range pr.Groups {
			groups.ref(l, fmt.Sprintf("%s.groups[%d]", p, j), g, "group")
		}
		for j, t := range pr.Tags {
			tp := fmt.Sprintf("%s.tags[%d]", p, j)
			if !isHex(t) {
				l.add(tp, fmt.Sprintf("tag %q is not an EPC: want an even number of hex digits", t))
				continue
			}
			tags.addAs(l, tp, strings.ToLower(t), "tag")
		}
		for j, c := range pr.Cards {
			cp := fmt.Sprintf("%s.cards[%d]", p, j)
			if c == 0 {
				l.add(cp, "card number 0 is not valid")
				continue
			}
			cards.addAs(l, cp, strconv.FormatUint(c, 10), "card")
		}
	}
}

func (f *Facility) validateDevices(l *errorList, zones ids) {
	nodes := ids{}
	for _, n := range f.Nodes {
		nodes[n.ID] = ""
	}
	devices := ids{}
	for i, d := range f.Devices {
		p := fmt.Sprintf("devices[%d]", i)
		devices.add(l, p+".id", d.ID)
		if !d.Kind.Valid() {
			l.add(p+".kind", badEnum("device kind", d.Kind, deviceKinds))
		}
		if d.Node == "" {
			l.add(p+".node", "required: the id of the node that owns the device")
		} else {
			nodes.ref(l, p+".node", d.Node, "node")
		}
		for j, z := range d.Zones {
			zones.ref(l, fmt.Sprintf("%s.zones[%d]", p, j), z, "zone")
		}
		t := d.Transport
		if t.Serial == "" && t.Chip == "" && t.URL == "" && t.Address == "" && !t.Simulated {
			l.add(p+".transport", "needs one of serial, chip, url, address or simulated: true")
		}
		if d.Kind == DeviceRadar && t.Serial != "" && t.Data == "" && !t.Simulated {
			l.add(p+".transport.data", "required for a radar: its data UART (serial is its CLI port)")
		}
		if t.Baud < 0 {
			l.add(p+".transport.baud", "must not be negative")
		}
		if t.Line < 0 {
			l.add(p+".transport.line", "must not be negative")
		}
		if d.Input != "" && !slices.Contains(inputKinds, d.Input) {
			l.add(p+".input", fmt.Sprintf("unknown input %q: want %s", d.Input, strings.Join(inputKinds, ", ")))
		}
		if d.Input != "" && d.Kind != DeviceGPIOInput {
			l.add(p+".input", "only a gpio_input says what it is wired to")
		}
	}
}

// badEnum says what is wrong with a value outside its enumeration.
func badEnum[T ~string](what string, v T, valid []T) string {
	if v == "" {
		return "required; want " + oneOf(valid)
	}
	return fmt.Sprintf("unknown %s %q; want %s", what, v, oneOf(valid))
}

func isHex(s string) bool {
	if s == "" || len(s)%2 != 0 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}

// ids records the identifiers seen in one namespace, each with the key path
// where it was first defined.
type ids map[string]string

// add records a required, unique id.
func (s ids) add(l *errorList, path, id string) {
	if id == "" {
		l.add(path, "required")
		return
	}
	s.addAs(l, path, id, "id")
}

// addAs records a value that must be unique; what names it in the message.
func (s ids) addAs(l *errorList, path, v, what string) {
	if first, dup := s[v]; dup {
		l.add(path, fmt.Sprintf("duplicate %s %q (first at %s)", what, v, first))
		return
	}
	s[v] = path
}

// ref checks a reference to an id recorded in s.
func (s ids) ref(l *errorList, path, id, what string) {
	if _, ok := s[id]; !ok {
		l.add(path, fmt.Sprintf("unknown %s %q", what, id))
	}
}

// inputKinds are what a gpio_input may be wired to.
var inputKinds = []string{"door_contact", "exit", "tamper", "panic", "fence", "vehicle_loop", "gate_limit"}

// doorDevice is one device slot of a door or a sally port, the kinds it
// accepts, and the message when it is empty (none: optional).
type doorDevice struct {
	key     string
	id      string
	kinds   []DeviceKind
	missing string
}

// checkSlots checks the devices a door or a sally port (what) names: each
// known, of a kind its slot accepts, serving one of them only, and all on
// one node, which runs it.
func (f *Facility) checkSlots(l *errorList, p, what string, used ids, slots []doorDevice) {
	node := ""
	for _, dd := range slots {
		if dd.id == "" {
			if dd.missing != "" {
				l.add(p+"."+dd.key, dd.missing)
			}
			continue
		}
		dev, ok := f.Device(dd.id)
		if !ok {
			l.add(p+"."+dd.key, fmt.Sprintf("unknown device %q", dd.id))
			continue
		}
		used.addAs(l, p+"."+dd.key, dd.id, what+" device")
		if !slices.Contains(dd.kinds, dev.Kind) {
			l.add(p+"."+dd.key, fmt.Sprintf("device %q is a %s; a %s's %s must be %s", dd.id, dev.Kind, what, dd.key, kindList(dd.kinds)))
		}
		if node == "" {
			node = dev.Node
		} else if dev.Node != node {
			l.add(p+"."+dd.key, fmt.Sprintf("device %q belongs to %s, the %s's other devices to %s: one node runs a %s", dd.id, dev.Node, what, node, what))
		}
	}
}

func (f *Facility) validateDoors(l *errorList, zones, groups ids) {
	doors := ids{}
	people := ids{}
	for _, p := range f.People {
		people[p.ID] = ""
	}
	used := ids{} // a device serves one door
	for i, d := range f.Doors {
		p := fmt.Sprintf("doors[%d]", i)
		doors.add(l, p+".id", d.ID)
		for _, z := range []struct{ key, id string }{{"inside", d.Inside}, {"outside", d.Outside}} {
			if z.id == "" {
				l.add(p+"."+z.key, "required: the zone on this side of the door")
			} else {
				zones.ref(l, p+"."+z.key, z.id, "zone")
			}
		}
		f.checkSlots(l, p, "door", used, []doorDevice{
			{"contact", d.Contact, []DeviceKind{DeviceDoorContact, DeviceGPIOInput}, "required: the door contact's device id"},
			{"exit", d.Exit, []DeviceKind{DeviceGPIOInput}, ""},
			{"tamper", d.Tamper, []DeviceKind{DeviceGPIOInput}, ""},
			{"lock", d.Lock, []DeviceKind{DeviceGPIOOutput}, ""},
			{"reader", d.Reader, []DeviceKind{DeviceOSDPReader, DeviceWiegandReader}, ""},
		})
		if d.At != nil && (d.At.X < 0 || d.At.Y < 0 || d.At.X > f.Site.Width || d.At.Y > f.Site.Height) {
			l.add(p+".at", fmt.Sprintf("point [%g, %g] is outside the site (%g × %g m)", d.At.X, d.At.Y, f.Site.Width, f.Site.Height))
		}
		if d.HeldOpen < 0 {
			l.add(p+".held_open", "must not be negative")
		}
		if d.UnlockFor < 0 {
			l.add(p+".unlock_for", "must not be negative")
		}
		if d.Reader != "" && len(d.Access) == 0 {
			l.add(p+".access", "the door has a reader but no access rule: nobody could pass")
		}
		for j, r := range d.Access {
			rp := fmt.Sprintf("%s.access[%d]", p, j)
			if len(r.People)+len(r.Groups)+len(r.Roles) == 0 {
				l.add(rp, "names nobody: give people, groups or roles")
			}
			for k, id := range r.People {
				people.ref(l, fmt.Sprintf("%s.people[%d]", rp, k), id, "person")
			}
			for k, g := range r.Groups {
				groups.ref(l, fmt.Sprintf("%s.groups[%d]", rp, k), g, "group")
			}
			for k, role := range r.Roles {
				if !role.Valid() {
					l.add(fmt.Sprintf("%s.roles[%d]", rp, k), badEnum("role", role, []PersonRole{PersonStaff, PersonResident}))
				}
			}
			if r.Hours != "" {
				if _, _, err := ParseHours(r.Hours); err != nil {
					l.add(rp+".hours", err.Error())
				}
			}
			for k, day := range r.Days {
				if _, ok := weekdays[strings.ToLower(day)]; !ok {
					l.add(fmt.Sprintf("%s.days[%d]", rp, k), fmt.Sprintf("unknown day %q: want mon, tue, wed, thu, fri, sat or sun", day))
				}
			}
		}
	}
}

func kindList(ks []DeviceKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, " or ")
}

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// Weekday parses mon…sun.
func Weekday(s string) (time.Weekday, bool) {
	d, ok := weekdays[strings.ToLower(s)]
	return d, ok
}

// ParseHours parses "HH:MM-HH:MM" into minutes after midnight.
func ParseHours(s string) (from, to int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if ok {
		if from, err = clock(a); err == nil {
			to, err = clock(b)
		}
	}
	if !ok || err != nil || from == to {
		return 0, 0, fmt.Errorf("hours %q: want \"HH:MM-HH:MM\", e.g. \"07:30-19:00\" (may wrap past midnight)", s)
	}
	return from, to, nil
}

func clock(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

func (f *Facility) validateSallyPorts(l *errorList, zones ids) {
	ports := ids{}
	used := ids{}
	loop := []DeviceKind{DeviceVehicleLoop, DeviceGPIOInput}
	for i, sp := range f.SallyPorts {
		p := fmt.Sprintf("sally_ports[%d]", i)
		ports.add(l, p+".id", sp.ID)
		if sp.Zone == "" {
			l.add(p+".zone", "required: the bay's zone")
		} else if z, ok := f.Zone(sp.Zone); !ok {
			zones.ref(l, p+".zone", sp.Zone, "zone")
		} else if z.Kind != ZoneSallyPort {
			l.add(p+".zone", fmt.Sprintf("zone %q is a %s, want a sally_port zone", sp.Zone, z.Kind))
		}
		const need = "required: a device id"
		slots := []doorDevice{{"bay_loop", sp.BayLoop, loop, need}, {"radar", sp.Radar, []DeviceKind{DeviceRadar}, ""}}
		for _, g := range []struct {
			key string
			g   SallyGate
		}{{"outer", sp.Outer}, {"inner", sp.Inner}} {
			slots = append(slots,
				doorDevice{g.key + ".open", g.g.Open, []DeviceKind{DeviceGPIOOutput}, need},
				doorDevice{g.key + ".close", g.g.Close, []DeviceKind{DeviceGPIOOutput}, need},
				doorDevice{g.key + ".opened", g.g.Opened, []DeviceKind{DeviceGPIOInput}, need},
				doorDevice{g.key + ".closed", g.g.Closed, []DeviceKind{DeviceGPIOInput}, need},
				doorDevice{g.key + ".loop", g.g.Loop, loop, need})
		}
		f.checkSlots(l, p, "sally port", used, slots)
		if sp.Scan != 0 && time.Duration(sp.Scan) < 15*time.Second {
			l.add(p+".scan", fmt.Sprintf("%s is too short for a life-detection scan: at least 15s", sp.Scan))
		}
		if sp.At != nil && (sp.At.X < 0 || sp.At.Y < 0 || sp.At.X > f.Site.Width || sp.At.Y > f.Site.Height) {
			l.add(p+".at", fmt.Sprintf("point [%g, %g] is outside the site (%g × %g m)", sp.At.X, sp.At.Y, f.Site.Width, f.Site.Height))
		}
	}
}
