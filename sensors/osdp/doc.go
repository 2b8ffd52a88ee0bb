// Package osdp is the control-panel (CP) side of OSDP v2, the SIA Open
// Supervised Device Protocol spoken by access-control card readers on an
// RS-485 bus. It is layered like every Palisade device package:
//
//   - frame.go, commands.go: the pure codec (Marshal, Unmarshal, typed
//     command and reply bodies, CRC-16 and checksum), fuzzed;
//   - decoder.go: framing over a byte stream (Decoder), resynchronising
//     after noise, bounded, with counters;
//   - secure.go: the AES-128 secure channel (Session), shared with the
//     reader simulator in firmware-sim/osdp;
//   - panel.go, run.go, connect.go: the driver (Panel), which owns the bus,
//     polls the readers and publishes Events;
//   - open.go: the tarm/serial opener.
//
// The security alarm is the Downgrade event: a reader commissioned with its
// own key that answers with the public default key SCBK-D, or refuses the
// secure channel, is treated as tampered with, not fallen back to. See
// DESIGN.md.
package osdp
