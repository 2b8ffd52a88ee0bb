package radar

import "math"

// Magic is the 8-byte word that starts every frame on the data UART.
var Magic = [8]byte{0x02, 0x01, 0x04, 0x03, 0x06, 0x05, 0x08, 0x07}

// HeaderLen is the length of the frame header in bytes.
const HeaderLen = 40

// TLV types this package understands. Other types are kept as raw TLVs.
const (
	TLVPoints     uint32 = 1    // detected points: f32 x, y, z, doppler
	TLVStats      uint32 = 6    // statistics
	TLVTracks     uint32 = 1010 // tracks: u32 tid + 27 f32 (112 bytes)
	TLVPresence   uint32 = 1021 // presence: u32
	TLVVitalSigns uint32 = 1040 // vital signs (136 bytes)
)

// Header is the 40-byte frame header (little-endian on the wire).
type Header struct {
	Version        uint32
	TotalPacketLen uint32 // including the header
	Platform       uint32
	FrameNumber    uint32
	TimeCPUCycles  uint32
	NumDetectedObj uint32
	NumTLVs        uint32
	SubFrameNumber uint32
}

// Point is one detected point, in metres and metres per second.
type Point struct {
	X, Y, Z, Doppler float32
}

// Track is one tracked target (TLV 1010).
type Track struct {
	ID            uint32
	Pos, Vel, Acc [3]float32
	ErrCov        [16]float32
	Gain          float32
	Confidence    float32
}

// VitalSigns is one vital-signs report (TLV 1040): a breathing and heart
// signature at a range bin.
type VitalSigns struct {
	ID              uint16
	RangeBin        uint16
	BreathDeviation float32
	HeartRate       float32 // beats per minute
	BreathRate      float32 // breaths per minute
	HeartWaveform   [15]float32
	BreathWaveform  [15]float32
}

// TLV is a type-length-value block the codec does not interpret.
type TLV struct {
	Type    uint32
	Payload []byte
}

// Frame is one decoded frame: the header and what its TLVs carried.
type Frame struct {
	Header   Header
	Points   []Point
	Tracks   []Track
	Presence *uint32 // nil when the frame has no presence TLV
	Vitals   []VitalSigns
	Stats    []byte // TLV 6 payload, uninterpreted
	Unknown  []TLV  // TLVs of types not listed above, kept for the log
}

// Finite reports whether every coordinate is a finite number. The codec
// passes NaN and ±Inf through unchanged; check before doing arithmetic.
func (p Point) Finite() bool { return finite(p.X, p.Y, p.Z, p.Doppler) }

// Finite reports whether every float of the track is a finite number.
func (t Track) Finite() bool {
	return finite(t.Pos[:]...) && finite(t.Vel[:]...) && finite(t.Acc[:]...) &&
		finite(t.ErrCov[:]...) && finite(t.Gain, t.Confidence)
}

// Finite reports whether every float of the report is a finite number.
func (v VitalSigns) Finite() bool {
	return finite(v.BreathDeviation, v.HeartRate, v.BreathRate) &&
		finite(v.HeartWaveform[:]...) && finite(v.BreathWaveform[:]...)
}

func finite(fs ...float32) bool {
	for _, f := range fs {
		if f != f || f > math.MaxFloat32 || f < -math.MaxFloat32 {
			return false
		}
	}
	return true
}
