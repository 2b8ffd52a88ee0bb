package lifescan_test

import (
	"encoding/binary"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/lifescan"
	"github.com/palisade/palisade/sensors/radar"
)

// FuzzDetector feeds frames made of arbitrary bytes (NaNs, infinities,
// huge bins, repeated ids, time going backwards) and checks the detector
// neither panics nor answers differently to the same question twice.
func FuzzDetector(f *testing.F) {
	f.Add([]byte{0, 1, 30, 0, 0, 0, 128, 63, 0, 0, 112, 65, 0, 0, 144, 66, 1})
	f.Add([]byte("\xff\xff\xff\xff\x00\x00\xc0\x7f\x00\x00\x80\x7f\x00\x00\x80\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := lifescan.New(lifescan.DefaultConfig())
		at := t0
		const rec = 17 // id(2) bin(2) dev(4) br(4) hr(4) step(1)
		var fr radar.Frame
		for len(data) >= rec {
			b := data[:rec]
			data = data[rec:]
			v := radar.VitalSigns{
				ID:              binary.LittleEndian.Uint16(b[0:]),
				RangeBin:        binary.LittleEndian.Uint16(b[2:]),
				BreathDeviation: math.Float32frombits(binary.LittleEndian.Uint32(b[4:])),
				BreathRate:      math.Float32frombits(binary.LittleEndian.Uint32(b[8:])),
				HeartRate:       math.Float32frombits(binary.LittleEndian.Uint32(b[12:])),
			}
			v.BreathWaveform[0], v.HeartWaveform[0] = v.BreathDeviation, v.HeartRate
			fr.Vitals = append(fr.Vitals, v)
			fr.Points = append(fr.Points, radar.Point{X: v.BreathRate, Y: v.HeartRate, Doppler: v.BreathDeviation})
			if step := b[16]; step != 0 { // end of frame
				fr.Header.FrameNumber += uint32(step)
				at = at.Add(time.Duration(int8(step)) * 10 * time.Millisecond)
				d.Add(at, fr)
				fr = radar.Frame{Header: fr.Header}
			}
		}
		r1, r2 := d.Result(at), d.Result(at)
		if !reflect.DeepEqual(r1, r2) {
			t.Fatalf("two results differ: %+v, %+v", r1, r2)
		}
		if r1.Verdict < lifescan.Inconclusive || r1.Verdict > lifescan.HiddenOccupant {
			t.Fatalf("verdict %d", r1.Verdict)
		}
	})
}
