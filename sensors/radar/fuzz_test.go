package radar

import (
	"bytes"
	"testing"
)

// seeds are the table cases, plain and padded, and broken variants of
// them.
func seeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, tc := range frameCases {
		b, _ := Marshal(tc.f)
		p, _ := MarshalPadded(tc.f)
		out = append(out, b, p)
	}
	all := out[len(out)-2]
	out = append(out, all[:HeaderLen], all[:len(all)-1])
	lie := bytes.Clone(all)
	le.PutUint32(lie[12:], 60000)
	out = append(out, lie)
	tlv := bytes.Clone(all)
	le.PutUint32(tlv[HeaderLen+4:], 31)
	out = append(out, tlv)
	return out
}

// FuzzUnmarshal: no input panics the codec, and every frame it accepts
// re-encodes to bytes that decode to the same frame (Marshal is a fixpoint
// after one round: TLV order and empty TLVs are normalised).
func FuzzUnmarshal(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fr, err := Unmarshal(in)
		if err != nil {
			return
		}
		if fr.Header.TotalPacketLen != uint32(len(in)) {
			t.Fatalf("accepted %d bytes as totalPacketLen %d", len(in), fr.Header.TotalPacketLen)
		}
		b, err := Marshal(fr)
		if err != nil {
			t.Fatalf("accepted frame does not re-encode: %v", err)
		}
		if len(b) > len(in) {
			t.Fatalf("re-encoded to %d bytes from %d", len(b), len(in))
		}
		back, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("re-encoded frame does not decode: %v", err)
		}
		again, err := Marshal(back)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("round trip changed the frame (%v)", err)
		}
		for _, p := range fr.Points {
			_ = p.Finite()
		}
	})
}

// FuzzDecoder: any byte stream, written in pieces of any size, leaves the
// decoder bounded, every byte accounted for (in a frame, skipped or
// buffered), and every frame it returns re-encodable.
func FuzzDecoder(f *testing.F) {
	s := seeds(f)
	for i, b := range s {
		f.Add(uint8(i%5), append(append(bytes.Clone(s[(i+1)%len(s)]), 0x02, 0x01, 0x04), b...))
	}
	f.Add(uint8(1), bytes.Join(s, []byte{0xFF, 0x02, 0x01}))
	f.Fuzz(func(t *testing.T, chunk uint8, in []byte) {
		var d Decoder
		framed := 0
		for rest := in; len(rest) > 0; {
			n := min(int(chunk)+1, len(rest))
			d.Write(rest[:n])
			rest = rest[n:]
			for range len(in) + 1 {
				fr, ok, err := d.Next()
				if !ok && err == nil {
					break
				}
				if !ok {
					continue
				}
				framed += int(fr.Header.TotalPacketLen)
				if _, err := Marshal(fr); err != nil {
					t.Fatalf("accepted frame does not re-encode: %v", err)
				}
			}
			if d.Buffered() > 2*MaxFrameLen {
				t.Fatalf("decoder holds %d bytes", d.Buffered())
			}
		}
		if got := framed + int(d.Stats.Skipped.Load()) + d.Buffered(); got != len(in) {
			t.Fatalf("%d bytes in, %d framed + %d skipped + %d buffered", len(in), framed, d.Stats.Skipped.Load(), d.Buffered())
		}
	})
}
