package gpio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/sensors/gpio"
	"github.com/palisade/palisade/sensors/gpio/gpiotest"
)

var _ actuator.Output = (*gpio.Output)(nil)

// runOutput starts out.Run and returns a stop that cancels and waits.
func runOutput(t *testing.T, out *gpio.Output) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- out.Run(ctx) }()
	var err error
	stopped := false
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			err = <-done
		}
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// pulse retries a pulse until Run has started (Run flips a flag; there
// is no other way to know it is running).
func pulse(t *testing.T, out *gpio.Output, d time.Duration) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; {
		rb, err := out.Set(context.Background(), actuator.Pulse, d)
		if errors.Is(err, gpio.ErrNotRunning) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatalf("pulse: %v", err)
		}
		return rb
	}
}

func written(t *testing.T, line *gpiotest.Output) bool {
	t.Helper()
	select {
	case v := <-line.Written():
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("nothing written")
		return false
	}
}

func TestPulsedRelayReadsBackOnThenOff(t *testing.T) {
	chip := gpiotest.NewChip()
	clk := gpiotest.NewClock(t0)
	raw, _ := chip.Output(4, true, gpio.LineOptions{Consumer: "a-101-strike"}) // active-low board, idle high
	line := chip.OutputLine(4)
	out, err := gpio.NewOutput(gpio.OutputConfig{Name: "a-101-strike", ActiveLow: true}, raw, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	runOutput(t, out)
	if rb := pulse(t, out, 5*time.Second); rb != "on" {
		t.Errorf("pulse read back %q, want on", rb)
	}
	if v := written(t, line); v {
		t.Errorf("energised by writing high; an active-low relay is energised low")
	}
	clk.Advance(4999 * time.Millisecond)
	if st, _ := out.State(); st != "on" {
		t.Errorf("state %q 1 ms before the end of the pulse, want on", st)
	}
	clk.Advance(time.Millisecond)
	if v := written(t, line); !v {
		t.Errorf("pulse ended by writing low; want high (off)")
	}
	if st, err := out.State(); st != "off" || err != nil {
		t.Errorf("state after the pulse %q %v, want off", st, err)
	}
	if got := line.Writes(); len(got) != 2 {
		t.Errorf("writes %v, want exactly on then off", got)
	}
}

func TestPulseEndedWhenProcessStops(t *testing.T) {
	line := gpiotest.NewOutput()
	out, _ := gpio.NewOutput(gpio.OutputConfig{Name: "yard-siren"}, line, gpiotest.NewClock(t0), nil)
	stop := runOutput(t, out)
	pulse(t, out, 30*time.Second)
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	if w := line.Writes(); len(w) != 2 || !w[0] || w[1] {
		t.Errorf("writes %v, want [true false]: the pulse must end when Run stops", w)
	}
	if _, err := out.Set(context.Background(), actuator.Pulse, time.Second); !errors.Is(err, gpio.ErrNotRunning) {
		t.Errorf("pulse after Run stopped: %v, want ErrNotRunning", err)
	}
}

func TestLatchedOnSupersedesPulse(t *testing.T) {
	clk := gpiotest.NewClock(t0)
	line := gpiotest.NewOutput()
	out, _ := gpio.NewOutput(gpio.OutputConfig{Name: "a-101-lock"}, line, clk, nil)
	runOutput(t, out)
	pulse(t, out, time.Second)
	if rb, err := out.Set(context.Background(), actuator.On, 0); rb != "on" || err != nil {
		t.Fatalf("on: %q %v", rb, err)
	}
	clk.Advance(time.Hour)
	// Off is the next write: the pulse's end must not have fired.
	if rb, err := out.Set(context.Background(), actuator.Off, 0); rb != "off" || err != nil {
		t.Fatalf("off: %q %v", rb, err)
	}
	if w := line.Writes(); len(w) != 3 || !w[0] || !w[1] || w[2] {
		t.Errorf("writes %v, want [pulse on, latch on, off]", w)
	}
}

func TestReadBackMismatchIsAnError(t *testing.T) {
	line := gpiotest.NewOutput()
	line.Stick(false) // the driver never pulls the relay in
	out, _ := gpio.NewOutput(gpio.OutputConfig{Name: "a-101-lock"}, line, gpiotest.NewClock(t0), nil)
	rb, err := out.Set(context.Background(), actuator.On, 0)
	if !errors.Is(err, gpio.ErrReadBack) || rb != "off" {
		t.Errorf("on with a stuck line: %q %v, want read back off and ErrReadBack", rb, err)
	}
	if out.ReadBackErrors() != 1 {
		t.Errorf("read-back errors %d, want 1", out.ReadBackErrors())
	}
	// A pulse that does not read back on is driven off again.
	runOutput(t, out)
	for {
		_, err := out.Set(context.Background(), actuator.Pulse, time.Second)
		if errors.Is(err, gpio.ErrNotRunning) {
			time.Sleep(time.Millisecond)
			continue
		}
		if !errors.Is(err, gpio.ErrReadBack) {
			t.Errorf("pulse on a stuck line: %v, want ErrReadBack", err)
		}
		break
	}
	if w := line.Writes(); len(w) != 3 || w[2] {
		t.Errorf("writes %v, want the failed pulse driven off", w)
	}
}

func TestOutputRejectsBadRequests(t *testing.T) {
	out, _ := gpio.NewOutput(gpio.OutputConfig{Name: "x"}, gpiotest.NewOutput(), gpiotest.NewClock(t0), nil)
	for _, tc := range []struct {
		a actuator.Action
		d time.Duration
	}{{actuator.Pulse, 0}, {actuator.Pulse, 2 * time.Minute}, {"blink", 0}} {
		if _, err := out.Set(context.Background(), tc.a, tc.d); !errors.Is(err, gpio.ErrInvalid) {
			t.Errorf("%s %s: %v, want ErrInvalid", tc.a, tc.d, err)
		}
	}
}
