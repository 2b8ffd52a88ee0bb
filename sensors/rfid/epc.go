package rfid

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// EPC is a tag's Electronic Product Code as upper-case hexadecimal, the
// form the facility file lists wristband tags in
// ("E28011700000020A1B2C2004"). It is comparable, so it serves as a map
// key and compares directly with the simulator's ground truth.
type EPC string

// EPCFromBytes returns the EPC of raw tag bytes.
func EPCFromBytes(b []byte) EPC { return EPC(strings.ToUpper(hex.EncodeToString(b))) }

// ParseEPC accepts hexadecimal in either case, 2 to MaxEPC bytes, an even
// number of them (an EPC is whole 16-bit words), and returns it in
// canonical upper case.
func ParseEPC(s string) (EPC, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("%w: EPC %q: %v", ErrPayload, s, err)
	}
	if len(b) == 0 || len(b)%2 != 0 || len(b) > MaxEPC {
		return "", fmt.Errorf("%w: EPC %q is %d bytes, want an even number in 2…%d", ErrPayload, s, len(b), MaxEPC)
	}
	return EPCFromBytes(b), nil
}

// Bytes returns the raw EPC, or nil when e is not valid hexadecimal.
func (e EPC) Bytes() []byte {
	b, err := hex.DecodeString(string(e))
	if err != nil {
		return nil
	}
	return b
}
