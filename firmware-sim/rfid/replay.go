package rfid

import (
	"time"

	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	wire "github.com/palisade/palisade/sensors/rfid"
)

// ReplayConfig plays a scenario through one doorway reader without a
// port: the reads a driver would publish, in a fraction of the time.
type ReplayConfig struct {
	Scenario *scenario.Scenario
	Doorway  string
	// Antennas are cycled one round each, as the driver does. Default
	// {0, 1}.
	Antennas []int
	// RoundTime is the duration of one round including the command's
	// round trip. Default 25 ms.
	RoundTime time.Duration
	MissRate  float64
	NoiseDB   float64 // as Config.NoiseDB
	Seed      int64
}

// Replay returns, in time order, the Read events a driver cycling the
// doorway reader's antennas would publish over the whole scenario, At
// being scenario time. Rounds run only while someone is in view, so a
// day of a busy doorway takes milliseconds. The same config gives the
// same reads.
func Replay(cfg ReplayConfig) []wire.Read {
	if len(cfg.Antennas) == 0 {
		cfg.Antennas = []int{0, 1}
	}
	if cfg.RoundTime <= 0 {
		cfg.RoundTime = 25 * time.Millisecond
	}
	rad := newRadio(cfg.Seed, cfg.MissRate, cfg.NoiseDB)
	var out []wire.Read
	for _, span := range cfg.Scenario.Busy(cfg.Doorway) {
		i := 0
		for t := span[0].Truncate(cfg.RoundTime); !t.After(span[1]); t = t.Add(cfg.RoundTime) {
			ant := cfg.Antennas[i%len(cfg.Antennas)]
			i++
			reports, _ := rad.round(cfg.Scenario.InView(cfg.Doorway, ant, t), ant, 1)
			for _, tr := range reports {
				out = append(out, wire.Read{Reader: cfg.Doorway, EPC: wire.EPCFromBytes(tr.EPC), Antenna: ant,
					RSSI: tr.DBm(), FreqIndex: tr.FreqIndex, At: t})
			}
		}
	}
	return out
}
