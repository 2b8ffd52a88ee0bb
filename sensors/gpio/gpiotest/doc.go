// Package gpiotest provides fakes of package gpio's chip and clock for the
// tests of gpio and of the packages built on it (wiegand, the door logic,
// the simulators): a Chip whose input lines replay timestamped edges and
// whose output lines record writes, and a Clock moved by hand.
package gpiotest
