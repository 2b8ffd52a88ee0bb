package facility_test

import (
	"errors"
	"fmt"

	"github.com/palisade/palisade/edge/facility"
)

func ExampleParse() {
	_, err := facility.Parse("facility.yaml", []byte(`id: tiny
name: Tiny
kind: prison
nodes:
  - id: n1
    raft_adr: 127.0.0.1:7001
    http_addr: 127.0.0.1:8081
site: {width: 10, height: 10}
zones:
  - {id: z, name: Z, kind: yard, polygon: [[0, 0], [10, 0]]}
`))
	fmt.Println(err)
	fmt.Println(errors.Is(err, facility.ErrInvalid))
	// Output:
	// facility.yaml:5: nodes[0].raft_addr: required
	// facility.yaml:6: nodes[0].raft_adr: unknown key; did you mean "raft_addr"?
	// facility.yaml:10: zones[0].polygon: needs at least 3 points, has 2
	// true
}
