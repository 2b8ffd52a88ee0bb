// Package radar is the driver of the TI mmWave life-detection radar
// (IWR6843 class, SDK 3.x demo output) that scans parked vehicles at the
// sally port for breathing and heartbeats of people hiding inside. It is
// layered like every Palisade device package:
//
//   - types.go, frame.go: the pure codec (Marshal, Unmarshal) of the data
//     UART's frames — the 40-byte header and the TLVs for points,
//     statistics, tracks, presence and vital signs — fuzzed, with
//     documented sentinel errors (errors.go);
//   - decoder.go: framing over the byte stream (Decoder): finds the magic
//     word, waits for totalPacketLen bytes, resynchronises after garbage
//     and lying lengths, bounded, with counters;
//   - config.go, radar.go, cli.go, run.go: the driver (Radar). Run opens the
//     CLI and data UARTs, sends the configuration commands and waits for
//     each "Done", then publishes Events: frames, Online, Offline, Stalled,
//     Resumed, BadFrame. It reconnects and reconfigures after a port
//     vanishes or the radar stays silent;
//   - open.go: the tarm/serial opener, which also tells a read timeout from
//     a port that hung up.
//
// The format carries no checksum: line noise inside a payload cannot be
// detected, only noise that breaks the structure (magic word, lengths,
// TLV sizes). Consumers judge the values (Finite, plausible ranges).
//
// The device side is simulated in firmware-sim/radar, over pseudo-terminals,
// with the same codec.
package radar
