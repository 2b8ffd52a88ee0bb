// Package gate simulates a vehicle gate's operator: maintained open and
// close inputs (two simulated relays), a gate that travels between its
// limits in a set time, and the open and closed limit switches it reports.
// Someone can force it, or a vehicle can stand in its line; the simulation
// keeps the ground truth for tests and drives the demo's sally port.
package gate
