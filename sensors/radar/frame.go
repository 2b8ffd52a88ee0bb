package radar

import (
	"bytes"
	"encoding/binary"
	"math"
)

// Wire sizes and bounds.
const (
	// MaxFrameLen bounds totalPacketLen. An IWR6843 frame with a full point
	// cloud (a few hundred points of 16 bytes), tracks and vital signs is
	// well under 16 KiB; 64 KiB leaves room and keeps a garbage length from
	// making the framer wait for (or allocate) megabytes.
	MaxFrameLen = 64 << 10
	// SegmentLen is the padding unit of the SDK 3.x demo: it rounds
	// totalPacketLen up to a multiple of 32 and sends that many bytes, the
	// last ones padding after the final TLV.
	SegmentLen = 32

	tlvHeaderLen = 8
	pointLen     = 16
	trackLen     = 4 + 27*4 // 112
	presenceLen  = 4
	vitalsLen    = 2 + 2 + 3*4 + 2*15*4 // 136
)

var le = binary.LittleEndian

// Marshal encodes f as the radar sends it, without padding: the header,
// then the TLVs in a fixed order (points, statistics, tracks, presence,
// vital signs, then f.Unknown in order). Empty lists and a nil Stats or
// Presence produce no TLV. Header.TotalPacketLen and Header.NumTLVs are
// computed; the other header fields are written as given, NumDetectedObj
// included (the radar may count objects it does not send as points).
// Floats are written bit for bit, NaN payloads and infinities included.
func Marshal(f Frame) ([]byte, error) { return marshal(f, false) }

// MarshalPadded is Marshal followed by zero padding up to a multiple of
// SegmentLen, counted in TotalPacketLen, as the SDK 3.x demo sends frames.
func MarshalPadded(f Frame) ([]byte, error) { return marshal(f, true) }

func marshal(f Frame, pad bool) ([]byte, error) {
	type tlv struct {
		typ uint32
		n   int
	}
	var tlvs []tlv
	add := func(typ uint32, n int) {
		if n > 0 {
			tlvs = append(tlvs, tlv{typ, n})
		}
	}
	add(TLVPoints, len(f.Points)*pointLen)
	add(TLVStats, len(f.Stats))
	add(TLVTracks, len(f.Tracks)*trackLen)
	if f.Presence != nil {
		tlvs = append(tlvs, tlv{TLVPresence, presenceLen})
	}
	add(TLVVitalSigns, len(f.Vitals)*vitalsLen)
	for i, u := range f.Unknown {
		if known(u.Type) {
			return nil, errorf(ErrTLV, "unknown[%d] has type %d, which the codec encodes itself", i, u.Type)
		}
		tlvs = append(tlvs, tlv{u.Type, len(u.Payload)})
	}
	n := HeaderLen
	for _, t := range tlvs {
		n += tlvHeaderLen + t.n
		if n > MaxFrameLen { // checked as we go: no overflow on 32-bit
			return nil, errorf(ErrLength, "frame needs more than %d bytes", MaxFrameLen)
		}
	}
	total := n
	if pad { // MaxFrameLen is a multiple of SegmentLen: still in bounds
		total = (n + SegmentLen - 1) / SegmentLen * SegmentLen
	}
	h := f.Header
	b := make([]byte, 0, total)
	b = append(b, Magic[:]...)
	for _, v := range [...]uint32{h.Version, uint32(total), h.Platform, h.FrameNumber, h.TimeCPUCycles,
		h.NumDetectedObj, uint32(len(tlvs)), h.SubFrameNumber} {
		b = le.AppendUint32(b, v)
	}
	unknown := f.Unknown
	for _, t := range tlvs {
		b = le.AppendUint32(b, t.typ)
		b = le.AppendUint32(b, uint32(t.n))
		switch t.typ {
		case TLVPoints:
			for _, p := range f.Points {
				b = appendFloats(b, p.X, p.Y, p.Z, p.Doppler)
			}
		case TLVStats:
			b = append(b, f.Stats...)
		case TLVTracks:
			for _, tr := range f.Tracks {
				b = le.AppendUint32(b, tr.ID)
				b = appendFloats(b, tr.Pos[:]...)
				b = appendFloats(b, tr.Vel[:]...)
				b = appendFloats(b, tr.Acc[:]...)
				b = appendFloats(b, tr.ErrCov[:]...)
				b = appendFloats(b, tr.Gain, tr.Confidence)
			}
		case TLVPresence:
			b = le.AppendUint32(b, *f.Presence)
		case TLVVitalSigns:
			for _, v := range f.Vitals {
				b = le.AppendUint16(b, v.ID)
				b = le.AppendUint16(b, v.RangeBin)
				b = appendFloats(b, v.BreathDeviation, v.HeartRate, v.BreathRate)
				b = appendFloats(b, v.HeartWaveform[:]...)
				b = appendFloats(b, v.BreathWaveform[:]...)
			}
		default:
			b = append(b, unknown[0].Payload...)
			unknown = unknown[1:]
		}
	}
	return append(b, make([]byte, total-n)...), nil
}

func known(typ uint32) bool {
	switch typ {
	case TLVPoints, TLVStats, TLVTracks, TLVPresence, TLVVitalSigns:
		return true
	}
	return false
}

func appendFloats(b []byte, fs ...float32) []byte {
	for _, f := range fs {
		b = le.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

// frameLen checks the magic word and totalPacketLen of the frame at the
// start of b and returns totalPacketLen. It needs HeaderLen bytes.
func frameLen(b []byte) (int, error) {
	if len(b) < HeaderLen {
		return 0, errorf(ErrShort, "%d bytes, the header needs %d", len(b), HeaderLen)
	}
	if !bytes.Equal(b[:8], Magic[:]) {
		return 0, errorf(ErrBadMagic, "magic word % X, want % X", b[:8], Magic[:])
	}
	n := le.Uint32(b[12:16])
	if n < HeaderLen || n > MaxFrameLen {
		return 0, errorf(ErrLength, "totalPacketLen %d, want %d…%d", n, HeaderLen, MaxFrameLen)
	}
	return int(n), nil
}

// Unmarshal decodes the single frame that b holds exactly: totalPacketLen
// must equal len(b). Up to SegmentLen-1 bytes after the last TLV are
// accepted as padding when totalPacketLen is a multiple of SegmentLen (the
// SDK 3.x demo pads so); any other bytes left over are an error.
//
// The header is returned as it was on the wire. TLVs of known types fill
// Points, Tracks, Presence, Vitals and Stats (repeated points, tracks or
// vital-signs TLVs are concatenated; a second presence or statistics TLV is
// an error); TLVs of other types are kept in Unknown, in order. An empty
// TLV yields nothing. Floats are copied bit for bit: NaN and ±Inf are not
// decode errors — the format has no checksum and no range rules, so a
// consumer checks Finite and plausible ranges itself. Unmarshal never
// allocates more than a small multiple of len(b).
func Unmarshal(b []byte) (Frame, error) {
	n, err := frameLen(b)
	if err != nil {
		return Frame{}, err
	}
	if len(b) < n {
		return Frame{}, errorf(ErrShort, "totalPacketLen %d, have %d bytes", n, len(b))
	}
	if len(b) > n {
		return Frame{}, errorf(ErrLength, "totalPacketLen %d, have %d bytes", n, len(b))
	}
	var f Frame
	h := &f.Header
	h.Version = le.Uint32(b[8:])
	h.TotalPacketLen = uint32(n)
	h.Platform = le.Uint32(b[16:])
	h.FrameNumber = le.Uint32(b[20:])
	h.TimeCPUCycles = le.Uint32(b[24:])
	h.NumDetectedObj = le.Uint32(b[28:])
	h.NumTLVs = le.Uint32(b[32:])
	h.SubFrameNumber = le.Uint32(b[36:])
	if room := uint32((n - HeaderLen) / tlvHeaderLen); h.NumTLVs > room {
		return Frame{}, errorf(ErrTLV, "numTLVs %d, totalPacketLen %d leaves room for %d", h.NumTLVs, n, room)
	}
	off := HeaderLen
	for i := range int(h.NumTLVs) {
		if n-off < tlvHeaderLen {
			return Frame{}, errorf(ErrTLV, "tlv %d: header at byte %d overruns the frame (%d bytes)", i, off, n)
		}
		typ, l := le.Uint32(b[off:]), le.Uint32(b[off+4:])
		off += tlvHeaderLen
		if l > uint32(n-off) {
			return Frame{}, errorf(ErrTLV, "tlv %d type %d: length %d at byte %d overruns the frame (%d bytes left)", i, typ, l, off, n-off)
		}
		if err := f.addTLV(i, typ, b[off:off+int(l)]); err != nil {
			return Frame{}, err
		}
		off += int(l)
	}
	if rest := n - off; rest > 0 && (rest >= SegmentLen || n%SegmentLen != 0) {
		return Frame{}, errorf(ErrLength, "totalPacketLen %d, but the %d tlvs end at byte %d: %d bytes left over", n, h.NumTLVs, off, rest)
	}
	return f, nil
}

// addTLV decodes the payload p of TLV number i into f.
func (f *Frame) addTLV(i int, typ uint32, p []byte) error {
	multiple := func(size int) error {
		if len(p)%size != 0 {
			return errorf(ErrTLV, "tlv %d type %d: length %d, want a multiple of %d", i, typ, len(p), size)
		}
		return nil
	}
	switch typ {
	case TLVPoints:
		if err := multiple(pointLen); err != nil {
			return err
		}
		for ; len(p) > 0; p = p[pointLen:] {
			f.Points = append(f.Points, Point{X: f32(p), Y: f32(p[4:]), Z: f32(p[8:]), Doppler: f32(p[12:])})
		}
	case TLVTracks:
		if err := multiple(trackLen); err != nil {
			return err
		}
		for ; len(p) > 0; p = p[trackLen:] {
			t := Track{ID: le.Uint32(p)}
			q := readFloats(p[4:], t.Pos[:])
			q = readFloats(q, t.Vel[:])
			q = readFloats(q, t.Acc[:])
			q = readFloats(q, t.ErrCov[:])
			t.Gain, t.Confidence = f32(q), f32(q[4:])
			f.Tracks = append(f.Tracks, t)
		}
	case TLVVitalSigns:
		if err := multiple(vitalsLen); err != nil {
			return err
		}
		for ; len(p) > 0; p = p[vitalsLen:] {
			v := VitalSigns{ID: le.Uint16(p), RangeBin: le.Uint16(p[2:]),
				BreathDeviation: f32(p[4:]), HeartRate: f32(p[8:]), BreathRate: f32(p[12:])}
			readFloats(readFloats(p[16:], v.HeartWaveform[:]), v.BreathWaveform[:])
			f.Vitals = append(f.Vitals, v)
		}
	case TLVPresence:
		if len(p) != presenceLen {
			return errorf(ErrTLV, "tlv %d type %d: length %d, want %d", i, typ, len(p), presenceLen)
		}
		if f.Presence != nil {
			return errorf(ErrTLV, "tlv %d type %d: second presence tlv in the frame", i, typ)
		}
		v := le.Uint32(p)
		f.Presence = &v
	case TLVStats:
		if f.Stats != nil {
			return errorf(ErrTLV, "tlv %d type %d: second statistics tlv in the frame", i, typ)
		}
		if len(p) > 0 {
			f.Stats = bytes.Clone(p)
		}
	default:
		f.Unknown = append(f.Unknown, TLV{Type: typ, Payload: bytes.Clone(p)})
	}
	return nil
}

func f32(b []byte) float32 { return math.Float32frombits(le.Uint32(b)) }

// readFloats fills dst from b and returns the rest of b.
func readFloats(b []byte, dst []float32) []byte {
	for i := range dst {
		dst[i] = f32(b[4*i:])
	}
	return b[4*len(dst):]
}
