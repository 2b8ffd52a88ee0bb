// Package rfid simulates an Impinj R2000-class UHF RFID reader watching a
// doorway, on a pseudo-terminal (firmware-sim/pty). A test opens a Reader,
// hands Reader.Path to the driver under test (sensors/rfid) as its serial
// port, and moves people through the doorway in a scenario
// (firmware-sim/rfid/scenario) on a clock the test controls.
//
// The reader answers what the driver sends: firmware version, output
// power, set/get work antenna, beeper, reset, and real-time inventory
// (0x89), for which it sends a tag report for each tag in view of the
// work antenna at the scenario's Now — some missed (MissRate), RSSI with
// noise — and, one RoundTime later, the end of round. Malformed commands
// get error replies (parameter_invalid, antenna out of range, power out
// of range; command_fail for commands it does not simulate); an
// inventory on a port without an antenna gets antenna_missing_error. The
// line can be made noisy (CorruptRate: flipped bits, lost bytes, stray
// bytes and false frame heads), the reader silent, an antenna missing,
// and the port unplugged and plugged back under the same name.
//
// The ground truth — who crossed where and when — is the scenario's
// (Scenario.Crossings). Replay produces, without a port, the reads a
// driver would publish for a whole scenario, for scoring a presence
// engine over a day in milliseconds.
//
// Layering: this package speaks the wire format through sensors/rfid's
// codec and decoder, so a bug symmetric in both would go unseen here; the
// codec's tests pin the protocol's example frames independently.
package rfid
