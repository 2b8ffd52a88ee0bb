package facility

import (
	"slices"
	"strings"
)

// Kind is the kind of facility.
type Kind string

// Facility kinds.
const (
	KindPrison      Kind = "prison"
	KindRehabCentre Kind = "rehab_centre"
)

// Valid reports whether k is a known facility kind.
func (k Kind) Valid() bool { return k == KindPrison || k == KindRehabCentre }

// ZoneKind is the kind of a zone.
type ZoneKind string

// Zone kinds.
const (
	ZoneBuilding         ZoneKind = "building"
	ZoneFloor            ZoneKind = "floor"
	ZoneUnit             ZoneKind = "unit"
	ZoneCellBlock        ZoneKind = "cell_block"
	ZoneCell             ZoneKind = "cell"
	ZoneYard             ZoneKind = "yard"
	ZoneWorkshop         ZoneKind = "workshop"
	ZoneEducation        ZoneKind = "education"
	ZoneClinic           ZoneKind = "clinic"
	ZoneVisiting         ZoneKind = "visiting"
	ZoneCorridor         ZoneKind = "corridor"
	ZoneSterilePerimeter ZoneKind = "sterile_perimeter"
	ZoneSallyPort        ZoneKind = "sally_port"
	ZoneStaffOnly        ZoneKind = "staff_only"
	ZoneChapel           ZoneKind = "chapel" // religious services: chapel, multi-faith room
)

var zoneKinds = []ZoneKind{
	ZoneBuilding, ZoneFloor, ZoneUnit, ZoneCellBlock, ZoneCell, ZoneYard,
	ZoneWorkshop, ZoneEducation, ZoneClinic, ZoneVisiting, ZoneCorridor,
	ZoneSterilePerimeter, ZoneSallyPort, ZoneStaffOnly, ZoneChapel,
}

// ZoneKinds returns every known zone kind, in a stable order.
func ZoneKinds() []ZoneKind { return append([]ZoneKind(nil), zoneKinds...) }

// Valid reports whether k is a known zone kind.
func (k ZoneKind) Valid() bool { return slices.Contains(zoneKinds, k) }

// PersonRole is what a person is to the facility.
type PersonRole string

// Person roles.
const (
	PersonStaff    PersonRole = "staff"
	PersonResident PersonRole = "resident"
)

// Valid reports whether r is a known person role.
func (r PersonRole) Valid() bool { return r == PersonStaff || r == PersonResident }

// DeviceKind is the kind of a device.
type DeviceKind string

// Device kinds.
const (
	DeviceDoorContact   DeviceKind = "door_contact"
	DeviceRFIDReader    DeviceKind = "rfid_reader"
	DeviceOSDPReader    DeviceKind = "osdp_reader"
	DeviceWiegandReader DeviceKind = "wiegand_reader"
	DeviceGPIOInput     DeviceKind = "gpio_input"
	DeviceGPIOOutput    DeviceKind = "gpio_output"
	DeviceRadar         DeviceKind = "radar"
	DeviceCamera        DeviceKind = "camera"
	DeviceDrone         DeviceKind = "drone"
	DeviceVehicleLoop   DeviceKind = "vehicle_loop"
)

var deviceKinds = []DeviceKind{
	DeviceDoorContact, DeviceRFIDReader, DeviceOSDPReader, DeviceWiegandReader,
	DeviceGPIOInput, DeviceGPIOOutput, DeviceRadar, DeviceCamera, DeviceDrone,
	DeviceVehicleLoop,
}

// DeviceKinds returns every known device kind, in a stable order.
func DeviceKinds() []DeviceKind { return append([]DeviceKind(nil), deviceKinds...) }

// Valid reports whether k is a known device kind.
func (k DeviceKind) Valid() bool { return slices.Contains(deviceKinds, k) }

// Role is a console user's role. Each role may do everything the one before
// it may.
type Role string

// Console roles.
const (
	RoleOfficer    Role = "officer"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Valid reports whether r is a known console role.
func (r Role) Valid() bool { return r == RoleOfficer || r == RoleSupervisor || r == RoleAdmin }

// oneOf lists values for an error message: "a, b or c".
func oneOf[T ~string](list []T) string {
	s := make([]string, len(list))
	for i, v := range list {
		s[i] = string(v)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
