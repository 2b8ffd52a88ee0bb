package examples

import _ "embed"

// Facility is examples/facility.yaml: the Northfield Correctional Centre,
// the facility `palisade demo` runs when given no file.
//
//go:embed facility.yaml
var Facility []byte
