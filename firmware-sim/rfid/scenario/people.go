package scenario

import (
	"fmt"

	"github.com/palisade/palisade/sensors/rfid"
)

// Residents returns n residents, ids r-1001…, wristband EPCs in the
// facility file's pattern, homes assigned in turn.
func Residents(n int, homes ...string) []Person {
	out := make([]Person, n)
	for i := range out {
		out[i] = Person{ID: fmt.Sprintf("r-%d", 1001+i), EPC: rfid.EPC(fmt.Sprintf("E28011700000020A1B2C%04d", 1001+i)),
			Role: Resident, Home: homes[i%len(homes)]}
	}
	return out
}

// Officers returns n staff members, ids s-2001…, based in home.
func Officers(n int, home string) []Person {
	out := make([]Person, n)
	for i := range out {
		out[i] = Person{ID: fmt.Sprintf("s-%d", 2001+i), EPC: rfid.EPC(fmt.Sprintf("E28011700000020A1B2C%04d", 2001+i)),
			Role: Staff, Home: home}
	}
	return out
}

// Strangers returns n tags nobody registered, starting in home.
func Strangers(n int, home string) []Person {
	out := make([]Person, n)
	for i := range out {
		out[i] = Person{EPC: rfid.EPC(fmt.Sprintf("E2003412DC03011F%08X", 0x7A000+i)), Role: Unknown, Home: home}
	}
	return out
}
