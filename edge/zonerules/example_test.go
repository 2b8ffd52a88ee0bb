package zonerules_test

import (
	"fmt"
	"time"

	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/zonerules"
	"github.com/palisade/palisade/examples"
)

// The demo facility on a Monday at 11:20: Tyler Gagnon and Samir Haddad,
// kept apart, both on the yard after its hours; a nurse alone with a
// resident in the health centre.
func ExampleRules_Evaluate() {
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		panic(err)
	}
	rules, err := zonerules.New(f)
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 6, 1, 11, 20, 0, 0, f.Location())
	snap := zonerules.Snapshot{
		"r-1003": {Zone: "yard"}, "r-1006": {Zone: "yard"}, "s-2001": {Zone: "yard"},
		"r-1001": {Zone: "clinic"}, "s-2004": {Zone: "clinic"},
		"r-1002": {Zone: "a-101"}, "r-1007": {Zone: "b-01"},
	}
	for _, v := range rules.Evaluate(snap, now) {
		fmt.Printf("P%d %s\n", v.Priority, v.Message)
	}
	// Output:
	// P1 r-1003 (Tyler Gagnon), r-1006 (Samir Haddad) together in yard (Exercise yard): keep-separate gagnon-haddad (assault, workshop, 2026-09-14)
	// P2 r-1001 (Daniel Okafor) in clinic (Health centre) with one member of staff (s-2004 (Nurse Grace Lindqvist)): two staff required
	// P2 r-1003 (Tyler Gagnon) in yard (Exercise yard) at Mon 11:20: rule yard-hours admits only staff; hb-a-residents mon/tue/wed/thu/fri 09:00-11:00; hb-a-residents sat/sun 13:00-15:00; hb-b-residents 15:00-16:00
	// P2 r-1006 (Samir Haddad) in yard (Exercise yard) at Mon 11:20: rule yard-hours admits only staff; hb-a-residents mon/tue/wed/thu/fri 09:00-11:00; hb-a-residents sat/sun 13:00-15:00; hb-b-residents 15:00-16:00
}
