package lifescan_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/lifescan"
	simradar "github.com/palisade/palisade/firmware-sim/radar"
	"github.com/palisade/palisade/firmware-sim/radar/scene"
	"github.com/palisade/palisade/sensors/radar"
)

// TestScenesOverPseudoTerminals plays every scene through the radar
// simulator on two real pseudo-terminals (CLI and data), configures it and
// reads it with the driver over tarm/serial, and judges each scan. The
// simulator runs 50× faster than the scene (a frame every 2 ms); the
// detector is given the scene's own clock from the frame numbers, as the
// node gives it the radar's frame times. It prints the table and fails if a
// hidden occupant is not caught in a valid scan, a scan that must be refused
// (engine running, radar silent, frames lost) releases, or the empty
// vehicle alarms.
func TestScenesOverPseudoTerminals(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	var rows []string
	hiddenRuns, caught, refuseRuns, refused, quietRuns, falseAlarms := 0, 0, 0, 0, 0, 0
	for _, name := range scene.Names() {
		for seed := int64(1); seed <= 2; seed++ {
			s, err := scene.New(name, seed, scene.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			tr := s.Truth()
			res, frames, sent := scanOverPTY(t, s, log)
			wantV := want(tr)
			rows = append(rows, fmt.Sprintf("%-24s %-14s %4d %5d/%-5d %-16s %s", name, describe(tr), seed, frames, sent, res.Verdict, wantV))
			if frames != sent {
				t.Errorf("%s seed %d: %d frames read of %d sent", name, seed, frames, sent)
			}
			switch {
			case wantV == lifescan.Inconclusive:
				refuseRuns++
				if res.Release() {
					t.Errorf("%s seed %d: a scan that must be refused released the vehicle: %s", name, seed, res.Reason)
				} else {
					refused++
				}
			case wantV == lifescan.HiddenOccupant:
				hiddenRuns++
				if res.Verdict == lifescan.HiddenOccupant {
					caught++
				} else {
					t.Errorf("%s seed %d: hidden occupant not caught: %s (%s)", name, seed, res.Verdict, res.Reason)
				}
			default:
				quietRuns++
				if res.Verdict == lifescan.HiddenOccupant {
					falseAlarms++
					if name == "empty" {
						t.Errorf("empty vehicle, seed %d: alarm: %s", seed, res.Reason)
					}
				}
			}
		}
	}
	t.Logf("over pseudo-terminals (driver ← simulator):\n%-24s %-14s %4s %11s %-16s %s\n%s", "scene", "truth", "seed", "frames", "verdict", "expected", strings.Join(rows, "\n"))
	t.Logf("hidden occupants caught %d of %d valid scans (recall %.0f%%); scans to refuse refused %d of %d; false alarms %d of %d scans with nobody hidden",
		caught, hiddenRuns, 100*float64(caught)/float64(max(hiddenRuns, 1)), refused, refuseRuns, falseAlarms, quietRuns)
}

// scanOverPTY runs one scene through the simulator and the driver. The
// scan ends when the radar goes quiet after the scene is over (its last
// frame sent, or the radar stopped), which the driver reports as Stalled.
func scanOverPTY(t *testing.T, s *scene.Scene, log *slog.Logger) (lifescan.Result, int, int) {
	t.Helper()
	dev, err := simradar.NewDevice(s, simradar.DeviceConfig{Dir: t.TempDir(), FramePeriod: 2 * time.Millisecond}, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	cfg := radar.SerialConfig("sally-port-radar", dev.CLIPath(), dev.DataPath())
	cfg.StallAfter, cfg.RestartAfter = 300*time.Millisecond, time.Minute
	r, err := radar.New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	events := make(chan radar.Event, 64)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = r.Run(ctx, radar.SendTo(ctx, events)) }()
	defer func() { cancel(); wg.Wait() }()

	dc := lifescan.DefaultConfig()
	p, a := s.Truth().Visible()
	dc.Declared = lifescan.Declaration{People: p, Animals: a}
	d := lifescan.New(dc)
	var first uint32
	frames := 0
	for {
		select {
		case ev := <-events:
			switch ev := ev.(type) {
			case radar.FrameEvent:
				if frames == 0 {
					first = ev.Frame.Header.FrameNumber
				}
				frames++
				d.Add(t0.Add(time.Duration(ev.Frame.Header.FrameNumber-first)*s.Period()), ev.Frame)
			case radar.Stalled:
				// A stall is the end of the scan once the simulator has
				// sent its last frame; before that it is the machine
				// being slow (a loaded CI runner), and frames follow.
				if frames > 0 && dev.SceneOver() {
					return d.Result(t0.Add(scene.DefaultConfig().Duration)), frames, len(dev.Sent())
				}
			case radar.Offline:
				t.Fatalf("radar offline: %v", ev.Err)
			}
		case <-ctx.Done():
			t.Fatalf("no end of scan after %d frames", frames)
		}
	}
}
