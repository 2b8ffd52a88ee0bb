package gpio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/palisade/palisade/sensors/contact"
	"github.com/palisade/palisade/sensors/gpio"
	"github.com/palisade/palisade/sensors/gpio/gpiotest"
)

var t0 = time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)

// at is t0 plus ms milliseconds.
func at(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }

// runInput starts in.Run and returns the observations channel and a stop
// that cancels, waits and returns Run's error.
func runInput(t *testing.T, in *gpio.Input) (<-chan gpio.Observation, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	obs := make(chan gpio.Observation, 64)
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, func(o gpio.Observation) { obs <- o }) }()
	stopped := false
	var err error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			err = <-done
		}
		return err
	}
	t.Cleanup(func() { stop() })
	return obs, stop
}

func next(t *testing.T, obs <-chan gpio.Observation) gpio.Observation {
	t.Helper()
	select {
	case o := <-obs:
		return o
	case <-time.After(5 * time.Second):
		t.Fatal("no observation")
		return gpio.Observation{}
	}
}

func TestBouncingContactGivesOneObservation(t *testing.T) {
	clk := gpiotest.NewClock(t0)
	line := gpiotest.NewInput(false) // closed loop reads low
	in, err := gpio.NewInput(gpio.InputConfig{Name: "a-101-door", Kind: gpio.DoorContact}, line, clk)
	if err != nil {
		t.Fatal(err)
	}
	// The door opens at 1000 ms with 12 bounces within 5 ms, ending high.
	var edges []contact.Edge
	for i := range 12 {
		edges = append(edges, contact.Edge{High: i%2 == 0, At: at(1000 + float64(i)*0.4)})
	}
	edges = append(edges, contact.Edge{High: true, At: at(1005)})
	line.Push(edges...)
	obs, stop := runInput(t, in)
	clk.Set(at(1005 + 20)) // exactly the debounce after the last bounce
	o := next(t, obs)
	if !o.Active || o.Line != "a-101-door" || o.Kind != gpio.DoorContact || !o.At.Equal(at(1005)) {
		t.Errorf("observation %+v, want active at the last bounce (1005 ms)", o)
	}
	// Then it closes with bounces; the next observation is that, not a
	// second "open" from the first burst.
	line.Push(contact.Edge{High: false, At: at(8000)}, contact.Edge{High: true, At: at(8001)}, contact.Edge{High: false, At: at(8002)})
	clk.Set(at(9000))
	if o := next(t, obs); o.Active || !o.At.Equal(at(8002)) {
		t.Errorf("observation %+v, want inactive at 8002 ms", o)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	if n := len(obs); n != 0 {
		t.Errorf("%d extra observations: %+v", n, <-obs)
	}
}

func TestDebounceDecidedOnTimestampsNotArrival(t *testing.T) {
	// Edges delivered late (all at once, long after they happened) are
	// judged on their own timestamps: a 30 ms open is a change, a 10 ms
	// glitch is not, whatever the clock reads.
	clk := gpiotest.NewClock(at(60_000))
	line := gpiotest.NewInput(false)
	in, _ := gpio.NewInput(gpio.InputConfig{Name: "fence-3", Kind: gpio.DoorContact, Debounce: 20 * time.Millisecond}, line, clk)
	line.Push(
		contact.Edge{High: true, At: at(100)}, contact.Edge{High: false, At: at(110)}, // glitch
		contact.Edge{High: true, At: at(200)}, contact.Edge{High: false, At: at(230)}, // real
	)
	obs, stop := runInput(t, in)
	first, second := next(t, obs), next(t, obs)
	if !first.Active || !first.At.Equal(at(200)) || second.Active || !second.At.Equal(at(230)) {
		t.Errorf("observations %+v, %+v; want active at 200 ms then inactive at 230 ms", first, second)
	}
	stop()
	if len(obs) != 0 {
		t.Errorf("extra observation %+v", <-obs)
	}
}

func TestLastEdgeWaitsForTheClock(t *testing.T) {
	clk := gpiotest.NewClock(t0)
	line := gpiotest.NewInput(true)
	in, _ := gpio.NewInput(gpio.InputConfig{Name: "rex-1", Kind: gpio.RequestToExit, ActiveLow: true}, line, clk)
	line.Push(contact.Edge{High: false, At: at(10)})
	obs, _ := runInput(t, in)
	for clk.Timers() == 0 {
		time.Sleep(time.Millisecond) // wait for Run to arm its timer
	}
	clk.Set(at(29)) // 19 ms: not yet
	select {
	case o := <-obs:
		t.Fatalf("decided before the debounce ran out: %+v", o)
	case <-time.After(20 * time.Millisecond):
	}
	clk.Set(at(30))
	if o := next(t, obs); !o.Active || !o.At.Equal(at(10)) {
		t.Errorf("observation %+v, want pressed at 10 ms", o)
	}
}

func TestPolarity(t *testing.T) {
	for _, tc := range []struct {
		name       string
		activeLow  bool
		edgeHigh   bool
		wantActive bool
	}{
		{"active-high line goes high", false, true, true},
		{"active-low line goes low", true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := gpiotest.NewClock(t0)
			line := gpiotest.NewInput(!tc.edgeHigh)
			in, _ := gpio.NewInput(gpio.InputConfig{Name: "panic-1", Kind: gpio.Panic, ActiveLow: tc.activeLow}, line, clk)
			line.Push(contact.Edge{High: tc.edgeHigh, At: at(1)})
			obs, _ := runInput(t, in)
			clk.Set(at(100))
			if o := next(t, obs); o.Active != tc.wantActive {
				t.Errorf("observation %+v, want active=%v", o, tc.wantActive)
			}
		})
	}
}

func TestActiveAtStartIsReported(t *testing.T) {
	clk := gpiotest.NewClock(t0)
	line := gpiotest.NewInput(false) // active-low tamper already asserted
	in, _ := gpio.NewInput(gpio.InputConfig{Name: "tamper-1", Kind: gpio.Tamper, ActiveLow: true}, line, clk)
	obs, _ := runInput(t, in)
	if o := next(t, obs); !o.Active || !o.At.Equal(t0) {
		t.Errorf("observation %+v, want active at start", o)
	}
}

// The contact driver runs unchanged on a gpio.Input.
func TestInputIsAContactLine(t *testing.T) {
	clk := gpiotest.NewClock(t0)
	line := gpiotest.NewInput(false)
	in, _ := gpio.NewInput(gpio.InputConfig{Name: "a-101-door", Kind: gpio.DoorContact}, line, clk)
	var _ contact.Line = in
	c := &contact.Contact{Device: "a-101-door", Line: in, Debounce: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan contact.Observation, 4)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, func(o contact.Observation) { got <- o }) }()
	line.Push(contact.Edge{High: true, At: at(1)}, contact.Edge{High: false, At: at(2)}, contact.Edge{High: true, At: at(3)})
	clk.Set(at(100))
	select {
	case o := <-got:
		if !o.Open || !o.At.Equal(at(3)) {
			t.Errorf("contact observation %+v, want open at 3 ms", o)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no contact observation")
	}
	cancel()
	<-done
}

func TestClosedLineEndsRun(t *testing.T) {
	line := gpiotest.NewInput(false)
	in, _ := gpio.NewInput(gpio.InputConfig{Name: "loop-1", Kind: gpio.VehicleLoop}, line, gpiotest.NewClock(t0))
	line.Close()
	if err := in.Run(context.Background(), func(gpio.Observation) {}); !errors.Is(err, gpio.ErrClosed) {
		t.Errorf("Run returned %v, want ErrClosed", err)
	}
}

func TestInputConfigValidate(t *testing.T) {
	for _, c := range []gpio.InputConfig{{}, {Name: "x", Debounce: -1}, {Name: "x", Debounce: time.Hour}} {
		if _, err := gpio.NewInput(c, gpiotest.NewInput(false), nil); !errors.Is(err, gpio.ErrInvalid) {
			t.Errorf("%+v: err %v, want ErrInvalid", c, err)
		}
	}
}
