package sallyport

import "github.com/palisade/palisade/edge/facility"

// FacilityDirectory is the Directory of a facility file: its sally ports'
// rules and its console users' roles.
func FacilityDirectory(f *facility.Facility) Directory { return facilityDir{f} }

var _ Directory = facilityDir{}

type facilityDir struct{ f *facility.Facility }

func (d facilityDir) Rules(port string) (Rules, bool) {
	for _, sp := range d.f.SallyPorts {
		if sp.ID == port {
			return Rules{ScanEntering: sp.ScanEntering}, true
		}
	}
	return Rules{}, false
}

// Owner is the node that runs the port: the node of its outer gate's open
// output (validation keeps every device of a port on one node).
func (d facilityDir) Owner(port string) string {
	for _, sp := range d.f.SallyPorts {
		if sp.ID == port {
			dev, _ := d.f.Device(sp.Outer.Open)
			return dev.Node
		}
	}
	return ""
}

func (d facilityDir) Supervisor(user string) bool {
	u, ok := d.f.User(user)
	return ok && (u.Role == facility.RoleSupervisor || u.Role == facility.RoleAdmin)
}
