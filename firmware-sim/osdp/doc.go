// Package osdp simulates OSDP v2 peripheral devices (card readers with
// keypads) on one RS-485 bus, carried over a pseudo-terminal. A test opens
// a Bus, hands Bus.Path to the control panel under test as its serial
// port, and scripts the readers: card swipes, keypad entries, the tamper
// switch, the key state (install mode on SCBK-D, commissioned, factory
// reset, tampered firmware that only knows SCBK-D, secure channel refused),
// silence and unplugging. Each reader records what it was asked to do (the
// ground truth) for the test to compare with what the panel reported.
//
// The wire format and the secure channel come from sensors/osdp: the
// panel and the simulator share one implementation of the crypto.
package osdp
