package facility

import "time"

// Default values applied before the file is read.
const (
	DefaultEscalateAfter  = 2 * time.Minute
	DefaultCoalesceWindow = 10 * time.Minute
	DefaultTimezone       = "UTC"
)

// Default returns a Facility holding only the defaults: the alarm policy,
// the timezone, and the headcount's and rounds' intervals. [Parse] decodes
// the file over it.
func Default() *Facility {
	return &Facility{
		Timezone: DefaultTimezone,
		Alarms: AlarmPolicy{
			EscalateAfter:  Duration(DefaultEscalateAfter),
			CoalesceWindow: Duration(DefaultCoalesceWindow),
		},
		Headcount: Headcount{Late: Duration(DefaultHeadcountLate)},
		Rounds: Rounds{
			Interval:      Duration(DefaultRoundInterval),
			WatchInterval: Duration(DefaultWatchInterval),
		},
	}
}

// Zone returns the zone with the given id, searching the whole tree. The
// pointer refers into f.
func (f *Facility) Zone(id string) (*Zone, bool) {
	var found *Zone
	f.WalkZones(func(_ string, z *Zone) {
		if found == nil && z.ID == id {
			found = z
		}
	})
	return found, found != nil
}

// WalkZones calls fn for every zone of the tree, parents before children, in
// file order. path is the slash-separated chain of ids from the top-level
// zone down to z, e.g. "hb-a/hb-a-1/hb-a-1-u1/a-101".
func (f *Facility) WalkZones(fn func(path string, z *Zone)) {
	var walk func(prefix string, zs []Zone)
	walk = func(prefix string, zs []Zone) {
		for i := range zs {
			z := &zs[i]
			path := z.ID
			if prefix != "" {
				path = prefix + "/" + z.ID
			}
			fn(path, z)
			walk(path, z.Zones)
		}
	}
	walk("", f.Zones)
}

// Node returns the node with the given id.
func (f *Facility) Node(id string) (Node, bool) {
	for _, n := range f.Nodes {
		if n.ID == id {
			return n, true
		}
	}
	return Node{}, false
}

// User returns the console user with the given name.
func (f *Facility) User(name string) (User, bool) {
	for _, u := range f.Users {
		if u.Name == name {
			return u, true
		}
	}
	return User{}, false
}

// Device returns the device with the given id.
func (f *Facility) Device(id string) (Device, bool) {
	for _, d := range f.Devices {
		if d.ID == id {
			return d, true
		}
	}
	return Device{}, false
}

// Person returns the person with the given id.
func (f *Facility) Person(id string) (Person, bool) {
	for _, p := range f.People {
		if p.ID == id {
			return p, true
		}
	}
	return Person{}, false
}

// DevicesOf returns the devices owned by the node with the given id, in
// file order.
func (f *Facility) DevicesOf(node string) []Device {
	var ds []Device
	for _, d := range f.Devices {
		if d.Node == node {
			ds = append(ds, d)
		}
	}
	return ds
}

// Door returns the door with the id.
func (f *Facility) Door(id string) (Door, bool) {
	for _, d := range f.Doors {
		if d.ID == id {
			return d, true
		}
	}
	return Door{}, false
}

// DoorNode is the node that runs the door: the owner of its contact.
func (f *Facility) DoorNode(d Door) string {
	dev, _ := f.Device(d.Contact)
	return dev.Node
}
