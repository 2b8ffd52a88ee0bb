// Package rfid drives Impinj R2000-class UHF RFID readers over their
// serial protocol (A0 Len Addr Cmd Data… Check, 115200 8N1), the readers
// that watch Palisade's doorways with one antenna facing each side. It is
// layered like every Palisade device package:
//
//   - frame.go, commands.go, inventory.go, epc.go: the pure codec
//     (Marshal, Unmarshal, Checksum, command codes, error codes, typed
//     replies: TagReport, RoundEnd, Version, status), fuzzed;
//   - decoder.go: framing over a byte stream (Decoder), resynchronising on
//     the next 0xA0 after noise, bounded, with counters;
//   - reader.go, run.go, line.go, state.go: the driver (Reader), whose Run
//     owns the port, brings the reader up (firmware version, output
//     power), cycles the configured antennas with real-time inventory
//     rounds and publishes Events: Read, Round, ReaderError, Online,
//     Offline;
//   - open.go: the tarm/serial opener.
//
// The driver reports reads, not presence: a tag in a doorway is read
// many times a second on one antenna, then both, then the other, and
// turning that into zone crossings is the presence engine's job. Tags
// nobody registered are reported like any other. Read.EPC is upper-case
// hexadecimal, as the facility file lists tags, and Read.Reader is the
// device id, so both compare directly with the simulator's ground truth
// (firmware-sim/rfid/scenario.Crossing). See DESIGN.md.
package rfid
