package headcount_test

import (
	"fmt"
	"time"

	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/headcount"
	"github.com/palisade/palisade/examples"
)

// The demo facility's 12:30 count: everyone where presence puts them,
// but Kevin Tremblay (r-1005) in the health centre.
func ExampleBegin() {
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		panic(err)
	}
	plan, err := headcount.NewPlan(f)
	if err != nil {
		panic(err)
	}
	slot, _ := plan.Due(time.Time{}, time.Date(2026, 6, 1, 12, 31, 0, 0, f.Location()))
	located := map[string]string{"r-1001": "a-101", "r-1002": "a-101", "r-1003": "a-102", "r-1004": "a-111",
		"r-1005": "clinic", "r-1006": "a-201", "r-1007": "b-01", "r-1008": "b-02"}
	c := headcount.Begin(plan, 1, slot, "node-1", located)
	fmt.Println("due", slot.In(f.Location()).Format("15:04"))
	for _, z := range c.Zones {
		fmt.Printf("%s expects %v, presence shows %v\n", z.Zone, z.Expected, z.Located)
	}
	// Output:
	// due 12:30
	// hb-a expects [r-1001 r-1002 r-1003 r-1004 r-1005 r-1006], presence shows [r-1001 r-1002 r-1003 r-1004 r-1006]
	// hb-b expects [r-1007 r-1008], presence shows [r-1007 r-1008]
	// clinic expects [], presence shows [r-1005]
}
