package osdp

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the framing layer, the codec and the
// secure channel: nothing may panic, every frame the decoder accepts must
// re-encode to bytes that decode to the same frame, and the decoder must
// stay bounded.
func FuzzDecode(f *testing.F) {
	for _, tc := range frameCases {
		b, _ := Marshal(tc.f)
		f.Add(b)
		f.Add(append([]byte{Mark, 0x00, SOM}, b...))
	}
	cp, pd := pair(f, testKey, testKey)
	b, _ := cp.Seal(Frame{Addr: 1, Seq: 1, CRC: true, Code: CmdLED, Data: bytes.Repeat([]byte{1}, 14)})
	f.Add(b)
	b, _ = pd.Seal(Frame{Addr: 1, Reply: true, Seq: 1, CRC: true, Code: ReplyACK})
	f.Add(b)
	f.Fuzz(func(t *testing.T, in []byte) {
		_, pd := pair(t, testKey, testKey)
		var d Decoder
		d.Write(in)
		for range len(in) + 1 {
			fr, ok, err := d.Next()
			if !ok && err == nil {
				break
			}
			if !ok {
				continue
			}
			out, err := Marshal(fr)
			if err != nil {
				t.Fatalf("accepted frame does not re-encode: %v", err)
			}
			back, err := Unmarshal(out)
			if err != nil || back.Code != fr.Code || !bytes.Equal(back.Data, fr.Data) {
				t.Fatalf("round trip: %v", err)
			}
			_ = pd.Open(&fr)
			_, _ = ParseRawCard(fr.Data)
			_, _ = ParseKeypad(fr.Data)
			_, _ = ParseLEDs(fr.Data)
			_, _ = ParsePDID(fr.Data)
			_, _ = ParseCaps(fr.Data)
		}
		if d.Buffered() > 2*MaxFrameLen {
			t.Fatalf("decoder holds %d bytes", d.Buffered())
		}
		_, _ = Unmarshal(in)
	})
}
