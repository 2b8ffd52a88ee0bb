package presence

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"time"

	sim "github.com/palisade/palisade/firmware-sim/rfid"
	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	"github.com/palisade/palisade/sensors/rfid"
)

// frame is one tag report as the reader sends it, and when.
type frame struct {
	at     time.Time
	reader string
	bytes  []byte
}

// encode turns reads into the 0x89 tag-report frames that carried them,
// spoiling a fraction `corrupt` of them as a noisy line does: a flipped
// bit, a lost byte, or junk (sometimes a false frame head) before it.
func encode(rs []rfid.Read, corrupt float64, seed uint64) []frame {
	rng := rand.New(rand.NewPCG(seed, 77))
	out := make([]frame, 0, len(rs))
	for _, r := range rs {
		epc := r.EPC.Bytes()
		data, err := rfid.TagReport{Antenna: r.Antenna, FreqIndex: r.FreqIndex, PC: rfid.PCFor(len(epc)), EPC: epc,
			RSSI: byte(r.RSSI + rfid.RSSIOffset)}.Marshal()
		if err != nil {
			panic(err)
		}
		b, err := rfid.Marshal(rfid.Frame{Addr: 0x01, Cmd: rfid.CmdRealTimeInventory, Data: data})
		if err != nil {
			panic(err)
		}
		if corrupt > 0 && rng.Float64() < corrupt {
			switch rng.IntN(3) {
			case 0:
				b[rng.IntN(len(b))] ^= 1 << rng.IntN(8)
			case 1:
				i := rng.IntN(len(b))
				b = append(b[:i:i], b[i+1:]...)
			default:
				junk := []byte{byte(rng.IntN(256)), byte(rng.IntN(256))}
				if rng.IntN(2) == 0 {
					junk[0] = rfid.Head
				}
				b = append(junk, b...)
			}
		}
		out = append(out, frame{at: r.At, reader: r.Reader, bytes: b})
	}
	return out
}

// wireDecoder is the driver's per-read work without the port: framing,
// parsing, the EPC's text form.
type wireDecoder struct {
	dec     rfid.Decoder
	reader  string
	rejects int
}

// feed writes one frame's bytes and calls emit for every tag report that
// decodes, stamped at.
func (d *wireDecoder) feed(b []byte, at time.Time, emit func(rfid.Read)) {
	d.dec.Write(b)
	for {
		f, ok, err := d.dec.Next()
		if err != nil {
			d.rejects++
			continue
		}
		if !ok {
			return
		}
		if f.Cmd != rfid.CmdRealTimeInventory {
			d.rejects++
			continue
		}
		rep, err := rfid.ParseInventory(f.Data)
		if err != nil || rep.Kind != rfid.InventoryTag {
			d.rejects++
			continue
		}
		emit(rfid.Read{Reader: d.reader, EPC: rfid.EPCFromBytes(rep.Tag.EPC), Antenna: rep.Tag.Antenna,
			RSSI: rep.Tag.DBm(), FreqIndex: rep.Tag.FreqIndex, At: at})
	}
}

// replayDay returns the reads of every doorway of sc, in time order, as
// drivers cycling two antennas would publish them.
func replayDay(sc *scenario.Scenario, doors []scenario.Doorway, miss float64, seed int64) []rfid.Read {
	var all []rfid.Read
	for i, d := range doors {
		all = append(all, sim.Replay(sim.ReplayConfig{Scenario: sc, Doorway: d.ID, MissRate: miss, Seed: seed*100 + int64(i)})...)
	}
	slices.SortStableFunc(all, func(a, b rfid.Read) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.Reader, b.Reader)
	})
	return all
}
