package rfid

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	wire "github.com/palisade/palisade/sensors/rfid"
)

// hopChannels is the size of the channel table the reader hops over: 50
// channels of 500 kHz in 902–928 MHz (FCC). Only the index goes on the
// wire.
const hopChannels = 50

// defaultNoise is the standard deviation of the RSSI noise, in dB.
const defaultNoise = 2.0

// Plausible bounds of a reported RSSI, in dBm.
const (
	minDBm = -90
	maxDBm = -25
)

// radio turns the tags in an antenna's field into the tag reports of an
// inventory round: some reads missed, the signal noisy, the channel
// hopping. It is not safe for concurrent use.
type radio struct {
	rng   *rand.Rand
	hop   int
	miss  float64 // chance a tag in view is not read in a round
	noise float64 // RSSI standard deviation, dB
}

func newRadio(seed int64, miss, noise float64) *radio {
	switch {
	case noise == 0:
		noise = defaultNoise
	case noise < 0:
		noise = 0
	}
	return &radio{rng: rand.New(rand.NewPCG(uint64(seed), 0xD1B54A32D192ED03)), miss: miss, noise: noise}
}

// round returns the tag reports of repeat inventory rounds on antenna
// ant, tags in anticollision (random) order, and how many reads were
// missed.
func (r *radio) round(seen []scenario.Sighting, ant, repeat int) (reports []wire.TagReport, missed int) {
	for range repeat {
		r.rng.Shuffle(len(seen), func(i, j int) { seen[i], seen[j] = seen[j], seen[i] })
		for _, s := range seen {
			if r.rng.Float64() < r.miss {
				missed++
				continue
			}
			epc := s.EPC.Bytes()
			dbm := math.Round(s.RSSI + r.rng.NormFloat64()*r.noise)
			dbm = max(minDBm, min(maxDBm, dbm))
			r.hop = (r.hop + 1 + r.rng.IntN(7)) % hopChannels
			reports = append(reports, wire.TagReport{Antenna: ant, FreqIndex: r.hop, PC: wire.PCFor(len(epc)),
				EPC: epc, RSSI: byte(int(dbm) + wire.RSSIOffset)})
		}
	}
	return reports, missed
}

// readRate is what the reader reports as reads per second for a round of
// n reads lasting d.
func readRate(n int, d time.Duration) uint16 {
	if d <= 0 {
		d = time.Millisecond
	}
	return uint16(min(math.MaxUint16, float64(n)*float64(time.Second)/float64(d)))
}

// damage spoils a frame as a noisy line would: a flipped bit (the
// checksum catches it), a lost byte (the frame swallows the next one's
// start), or stray bytes before it, sometimes a false 0xA0 head.
func (r *radio) damage(b []byte) []byte {
	b = append([]byte(nil), b...)
	switch r.rng.IntN(3) {
	case 0:
		b[r.rng.IntN(len(b))] ^= 1 << r.rng.IntN(8)
	case 1:
		i := r.rng.IntN(len(b))
		b = append(b[:i], b[i+1:]...)
	default:
		junk := make([]byte, 1+r.rng.IntN(3))
		for i := range junk {
			junk[i] = byte(r.rng.IntN(256))
		}
		if r.rng.IntN(2) == 0 {
			junk[0] = wire.Head
		}
		b = append(junk, b...)
	}
	return b
}
