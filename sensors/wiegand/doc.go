// Package wiegand decodes card reads from a Wiegand reader wired to two GPIO
// inputs, D0 and D1.
//
// Both lines idle high; each bit is a low pulse of 20–100 µs on D0 (a 0)
// or D1 (a 1), bits 200 µs–20 ms apart, most significant first; 25 ms of
// silence ends the frame. Supported formats are the 26-bit H10301 and the
// 34-bit H10306 (see format.go for the parity layout).
//
// Layers:
//
//   - format.go: bits ↔ facility/card with parity; pure.
//   - decoder.go: a state machine from timestamped edges to frames; pure,
//     fuzzed. Timing is judged on the edges' timestamps only; the end of
//     the last frame is decided by Idle, called with the clock's time.
//   - reader.go: Reader merges the two lines' edge streams, drives the
//     decoder and its end-of-frame timer on an injectable clock.
//   - encode.go: the encoder from a card to edges, valid or corrupted, for
//     tests and the simulators.
//
// Bad frames are never fatal: each is counted by reason in Stats and
// reported to the caller.
package wiegand
