package rounds_test

import (
	"fmt"

	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/rounds"
	"github.com/palisade/palisade/examples"
)

// The demo facility's rounds: house block A checked at the console,
// the segregation cells at their door readers.
func ExamplePlan_Blocks() {
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		panic(err)
	}
	plan, err := rounds.NewPlan(f)
	if err != nil {
		panic(err)
	}
	for _, b := range plan.Blocks() {
		fmt.Println(b.Zone, b.Cells)
	}
	fmt.Println("b-01-rfid checks", plan.ReaderCells("b-01-rfid"))
	officer, _ := plan.Officer("e28011700000020a1b2c2002")
	fmt.Println("tag …2002 is", officer)
	fmt.Println("intervals", plan.Interval(false), plan.Interval(true))
	// Output:
	// hb-a [a-101 a-102 a-111 a-201 a-202]
	// hb-b [b-01 b-02]
	// b-01-rfid checks [b-01]
	// tag …2002 is s-2002
	// intervals 30m0s 15m0s
}
