package camera

import "errors"

// splitAnnexB cuts an Annex-B stream into NAL units without start codes or
// trailing zero bytes.
func splitAnnexB(b []byte) [][]byte {
	var out [][]byte
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		u := b[start:end]
		for len(u) > 0 && u[len(u)-1] == 0 {
			u = u[:len(u)-1]
		}
		if len(u) > 0 {
			out = append(out, u)
		}
	}
	for i := 0; i+2 < len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			flush(i)
			start = i + 3
			i += 2
		}
	}
	flush(len(b))
	return out
}

// accessUnits groups NAL units into access units the way ITU-T H.264
// 7.4.1.2.3 does for ordinary encoders: an AUD, SEI, SPS or PPS after a
// slice, or a slice with first_mb_in_slice = 0 after a slice, starts the
// next one.
func accessUnits(b []byte) ([][][]byte, error) {
	var out [][][]byte
	var cur [][]byte
	slice := false
	for _, n := range splitAnnexB(b) {
		t := n[0] & 0x1f
		vcl := t >= 1 && t <= 5
		if slice && ((t >= 6 && t <= 9) || (vcl && len(n) > 1 && n[1]&0x80 != 0)) {
			out = append(out, cur)
			cur, slice = nil, false
		}
		cur = append(cur, n)
		slice = slice || vcl
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	if len(out) == 0 {
		return nil, errors.New("no H.264 access units")
	}
	return out, nil
}

func isKey(au [][]byte) bool {
	for _, n := range au {
		if n[0]&0x1f == 5 {
			return true
		}
	}
	return false
}
