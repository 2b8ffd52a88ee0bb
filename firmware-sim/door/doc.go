// Package door simulates a door contact on a GPIO line: a door that opens
// now and then for a few seconds, bounces on the way, and is sometimes left
// open. It implements contact.Line, the interface the real GPIO binding
// implements, and records what it did (the ground truth) for tests.
package door
