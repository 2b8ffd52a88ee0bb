// Package gpio drives the appliance's discrete inputs and relay outputs
// through the Linux GPIO character device.
//
// It is layered like the other device packages:
//
//   - chip.go: the small interfaces the logic needs of a chip (Chip,
//     RawInput, RawOutput) and the injectable Clock. Raw lines speak
//     physical levels; polarity is applied above them, in one place.
//   - input.go: Input debounces the edges of one line using the edges' own
//     timestamps and publishes settled Observations. It implements
//     contact.Line, so the contact driver and the door logic can sit on it.
//   - output.go: Output drives a relay (lock, strike, siren, strobe):
//     latched on/off and timed pulses, each followed by a read-back of the
//     line. It implements actuator.Output.
//   - cdev.go: the binding to go-gpiocdev (the only file that imports it).
//
// Tests and simulators use the fake chip and clock in package gpiotest,
// which replays timestamped edges and records output writes.
//
// Kinds of input (door contact, request-to-exit, tamper, fence vibration or
// taut wire, panic button, vehicle loop) differ only in configuration: the
// debounce time and polarity. "Active" always means the asserted state: the
// door is open, the button is pressed, the fence is disturbed.
package gpio
