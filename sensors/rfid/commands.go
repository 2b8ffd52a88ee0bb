package rfid

import "fmt"

// Command codes (the Cmd byte). A reply carries the code of the command it
// answers.
const (
	CmdReset                  = 0x70 // reboot; no reply on success
	CmdGetFirmwareVersion     = 0x72 // reply: Major Minor
	CmdSetWorkAntenna         = 0x74 // data: antenna 0–3; reply: status
	CmdGetWorkAntenna         = 0x75 // reply: antenna
	CmdSetOutputPower         = 0x76 // data: dBm 0–33 (one byte: all ports); reply: status
	CmdGetOutputPower         = 0x77 // reply: dBm, one byte or one per port
	CmdSetBeeperMode          = 0x7A // data: 0 quiet, 1 after each round, 2 after each tag; reply: status
	CmdInventory              = 0x80 // buffered inventory
	CmdRead                   = 0x81
	CmdWrite                  = 0x82
	CmdLock                   = 0x83
	CmdKill                   = 0x84
	CmdRealTimeInventory      = 0x89 // data: repeat; replies: tag reports, then end of round
	CmdFastSwitchAntInventory = 0x8A
	CmdSessionTargetInventory = 0x8B
	CmdGetInventoryBuffer     = 0x90
	CmdGetAndResetBuffer      = 0x91
)

// MaxPower is the highest output power an R2000 reader accepts, in dBm.
const MaxPower = 33

// ErrorCode is the one-byte status or error code of a reply.
type ErrorCode byte

// Error codes the driver and the simulator act on. String names every
// code of the R2000 protocol table.
const (
	CodeSuccess            ErrorCode = 0x10
	CodeFail               ErrorCode = 0x11
	CodeAntennaMissing     ErrorCode = 0x22
	CodeSetOutputPower     ErrorCode = 0x25
	CodeTagInventory       ErrorCode = 0x31
	CodeNoTag              ErrorCode = 0x36
	CodeParameterInvalid   ErrorCode = 0x41
	CodeAntennaOutOfRange  ErrorCode = 0x47
	CodePowerOutOfRange    ErrorCode = 0x48
	CodeBeeperOutOfRange   ErrorCode = 0x4B
	CodeRFChipNoResponse   ErrorCode = 0x53
	CodePowerNotReachable  ErrorCode = 0x54
	CodeOutputPowerTooLow  ErrorCode = 0x57
	CodeReturnLossNotFound ErrorCode = 0xEE
)

// codeNames are the identifiers of the R2000 serial protocol's error
// table, as vendors' documents spell them.
var codeNames = map[ErrorCode]string{
	0x10: "command_success",
	0x11: "command_fail",
	0x20: "mcu_reset_error",
	0x21: "cw_on_error",
	0x22: "antenna_missing_error",
	0x23: "write_flash_error",
	0x24: "read_flash_error",
	0x25: "set_output_power_error",
	0x31: "tag_inventory_error",
	0x32: "tag_read_error",
	0x33: "tag_write_error",
	0x34: "tag_lock_error",
	0x35: "tag_kill_error",
	0x36: "no_tag_error",
	0x37: "inventory_ok_but_access_fail",
	0x38: "buffer_is_empty_error",
	0x3C: "nxp_custom_command_fail",
	0x40: "access_or_password_error",
	0x41: "parameter_invalid",
	0x42: "parameter_invalid_wordCnt_too_long",
	0x43: "parameter_invalid_membank_out_of_range",
	0x44: "parameter_invalid_lock_region_out_of_range",
	0x45: "parameter_invalid_lock_action_out_of_range",
	0x46: "parameter_reader_address_invalid",
	0x47: "parameter_invalid_antenna_id_out_of_range",
	0x48: "parameter_invalid_output_power_out_of_range",
	0x49: "parameter_invalid_frequency_region_out_of_range",
	0x4A: "parameter_invalid_baudrate_out_of_range",
	0x4B: "parameter_beeper_mode_out_of_range",
	0x4C: "parameter_epc_match_len_too_long",
	0x4D: "parameter_epc_match_len_error",
	0x4E: "parameter_invalid_epc_match_mode",
	0x4F: "parameter_invalid_frequency_range",
	0x50: "fail_to_get_RN16_from_tag",
	0x51: "parameter_invalid_drm_mode",
	0x52: "pll_lock_fail",
	0x53: "rf_chip_fail_to_response",
	0x54: "fail_to_achieve_desired_output_power",
	0x55: "copyright_authentication_fail",
	0x56: "spectrum_regulation_error",
	0x57: "output_power_too_low",
	0xEE: "fail_to_get_rf_port_return_loss",
}

// String returns the protocol's name and the hex value, or only the hex
// value for a code not in the table.
func (c ErrorCode) String() string {
	if n, ok := codeNames[c]; ok {
		return fmt.Sprintf("%s (0x%02X)", n, byte(c))
	}
	return fmt.Sprintf("0x%02X", byte(c))
}

// ReplyError is a reader's refusal of a command. It wraps ErrRefused.
type ReplyError struct {
	Cmd  byte
	Code ErrorCode
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("rfid: reader refused command 0x%02X: %s", e.Cmd, e.Code)
}

func (e *ReplyError) Unwrap() error { return ErrRefused }

// ParseStatus decodes a one-byte status reply (set work antenna, set
// output power, beeper, …) and turns anything but CodeSuccess into a
// *ReplyError for cmd.
func ParseStatus(cmd byte, data []byte) error {
	if len(data) != 1 {
		return fmt.Errorf("%w: status reply to 0x%02X has %d data bytes, want 1", ErrPayload, cmd, len(data))
	}
	if c := ErrorCode(data[0]); c != CodeSuccess {
		return &ReplyError{Cmd: cmd, Code: c}
	}
	return nil
}

// Version is the reader's firmware version.
type Version struct{ Major, Minor byte }

func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// Marshal encodes the firmware version reply body.
func (v Version) Marshal() []byte { return []byte{v.Major, v.Minor} }

// ParseVersion decodes the reply to CmdGetFirmwareVersion.
func ParseVersion(data []byte) (Version, error) {
	if len(data) != 2 {
		return Version{}, fmt.Errorf("%w: firmware version has %d data bytes, want 2", ErrPayload, len(data))
	}
	return Version{Major: data[0], Minor: data[1]}, nil
}

// ParsePower decodes the reply to CmdGetOutputPower: one value for all
// ports, or one per port (4 or 8), in dBm.
func ParsePower(data []byte) ([]int, error) {
	switch len(data) {
	case 1, 4, 8:
	default:
		return nil, fmt.Errorf("%w: output power has %d data bytes, want 1, 4 or 8", ErrPayload, len(data))
	}
	out := make([]int, len(data))
	for i, p := range data {
		if p > MaxPower {
			return nil, fmt.Errorf("%w: output power (byte %d) = %d dBm, above %d", ErrPayload, i, p, MaxPower)
		}
		out[i] = int(p)
	}
	return out, nil
}
