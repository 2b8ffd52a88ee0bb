package lifescan

import (
	"errors"
	"fmt"
	"time"
)

// ErrConfig is wrapped by the errors Validate returns.
var ErrConfig = errors.New("lifescan: config")

// Declaration is what the officer counted in the vehicle before the scan:
// the people and animals visible. It is the officer's count, not the
// driver's word: the detector can only tell how many beings are breathing,
// not whether the ones declared are the ones in plain sight.
type Declaration struct {
	People  int
	Animals int
}

// Config tunes a scan. Zero fields take the value of DefaultConfig; the
// reasons for each default are in DESIGN.md.
type Config struct {
	Declared Declaration

	// The scan's validity.
	Period      time.Duration // the radar's frame period (default 100 ms)
	MinDuration time.Duration // shorter scans are inconclusive (15 s)
	MaxGap      time.Duration // a longer silence of the radar is inconclusive (1 s)
	MaxDropped  float64       // a larger fraction of lost frames is inconclusive (0.2)
	MaxFrames   int           // frames kept; a longer scan is inconclusive (6000: ten minutes at 10 fps)

	// Signatures.
	RangeResolution float64 // metres per range bin, as configured in the radar (0.044)
	BinTolerance    int     // reports this many bins apart may be one signature (3)
	MinPresence     float64 // fraction of the scan's frames a target must be reported in (0.5)
	BreathFloor     float64 // breath deviation (mm RMS) below which a report carries no breathing (0.1)
	MinStability    float64 // fraction of rates that must agree with the signature's median (0.5)
	MotionDoppler   float64 // |doppler| (m/s) of a body moving on its seat (0.15)
	MaxShift        float64 // metres a body may shift on its seat and stay one signature (0.5)

	// Engine vibration.
	MicroDoppler      float64 // |doppler| (m/s) up to which a point is micro-motion (0.3)
	BroadbandCells    int     // 25 cm range cells with micro-motion that make a frame "broadband" (7)
	BroadbandFraction float64 // fraction of broadband frames that means vibration (0.5)
	MaxTransientRate  float64 // short-lived targets per second that mean vibration (1.0)

	// MaxReports is the number of targets the radar's firmware computes
	// vital signs for at most (0: no limit). When a frame carries that many,
	// more beings may be unreported and the scan is inconclusive.
	MaxReports int
}

// DefaultConfig returns the configuration for the sally-port radar.
func DefaultConfig() Config {
	return Config{
		Period:            100 * time.Millisecond,
		MinDuration:       15 * time.Second,
		MaxGap:            time.Second,
		MaxDropped:        0.2,
		MaxFrames:         6000,
		RangeResolution:   0.044,
		BinTolerance:      3,
		MinPresence:       0.5,
		BreathFloor:       0.1,
		MinStability:      0.5,
		MotionDoppler:     0.15,
		MaxShift:          0.5,
		MicroDoppler:      0.3,
		BroadbandCells:    7,
		BroadbandFraction: 0.5,
		MaxTransientRate:  1.0,
	}
}

// withDefaults replaces zero fields with their defaults.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	setD := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	setF := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	setI := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	setD(&c.Period, d.Period)
	setD(&c.MinDuration, d.MinDuration)
	setD(&c.MaxGap, d.MaxGap)
	setF(&c.MaxDropped, d.MaxDropped)
	setI(&c.MaxFrames, d.MaxFrames)
	setF(&c.RangeResolution, d.RangeResolution)
	setI(&c.BinTolerance, d.BinTolerance)
	setF(&c.MinPresence, d.MinPresence)
	setF(&c.BreathFloor, d.BreathFloor)
	setF(&c.MinStability, d.MinStability)
	setF(&c.MotionDoppler, d.MotionDoppler)
	setF(&c.MaxShift, d.MaxShift)
	setF(&c.MicroDoppler, d.MicroDoppler)
	setI(&c.BroadbandCells, d.BroadbandCells)
	setF(&c.BroadbandFraction, d.BroadbandFraction)
	setF(&c.MaxTransientRate, d.MaxTransientRate)
	return c
}

// Validate reports the first field out of its range, after defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(field string, v any, want string) error {
		return fmt.Errorf("%w: %s = %v: %s", ErrConfig, field, v, want)
	}
	switch {
	case c.Declared.People < 0 || c.Declared.Animals < 0:
		return bad("declared", c.Declared, "counts cannot be negative")
	case c.Period < 0:
		return bad("period", c.Period, "must be positive")
	case c.MinDuration < 0:
		return bad("min_duration", c.MinDuration, "must be positive")
	case c.MaxGap < c.Period:
		return bad("max_gap", c.MaxGap, "must be at least one period")
	case c.MaxDropped < 0 || c.MaxDropped >= 1:
		return bad("max_dropped", c.MaxDropped, "must be in [0, 1)")
	case c.MaxFrames < 0:
		return bad("max_frames", c.MaxFrames, "must be positive")
	case c.RangeResolution < 0:
		return bad("range_resolution", c.RangeResolution, "must be positive")
	case c.BinTolerance < 0:
		return bad("bin_tolerance", c.BinTolerance, "must be positive")
	case c.MaxShift < 0:
		return bad("max_shift", c.MaxShift, "must be positive")
	case c.MinPresence < 0 || c.MinPresence > 1:
		return bad("min_presence", c.MinPresence, "must be in (0, 1]")
	case c.MinStability < 0 || c.MinStability > 1:
		return bad("min_stability", c.MinStability, "must be in (0, 1]")
	case c.BroadbandFraction < 0 || c.BroadbandFraction > 1:
		return bad("broadband_fraction", c.BroadbandFraction, "must be in (0, 1]")
	case c.MaxReports < 0:
		return bad("max_reports", c.MaxReports, "cannot be negative")
	}
	return nil
}
