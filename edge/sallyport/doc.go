// Package sallyport is the interlock of a vehicle sally port: two gates
// with a bay between them, a loop detector in each gate's line and one in
// the bay, an inspection (declared occupants, a life-detection scan) and
// two-person overrides.
//
// [Machine] is a pure, comparable value and [Machine.Step] a pure function
// of committed inputs: every node computes the same state from the same
// log, and explore_test.go walks every state reachable from rest to check
// that the gates never stand open together, never close on a vehicle, and
// release a vehicle only after an inspection or a two-supervisor override.
// See DESIGN.md.
package sallyport
