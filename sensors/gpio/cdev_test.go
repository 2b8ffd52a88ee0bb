package gpio_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/warthog618/go-gpiosim"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/sensors/gpio"
)

// requireGPIOSim skips unless the kernel's gpio-sim can be configured here.
func requireGPIOSim(t *testing.T) *gpiosim.Simpleton {
	t.Helper()
	if _, err := os.Stat("/sys/kernel/config/gpio-sim"); err != nil {
		t.Skipf("no gpio-sim on this machine (%v): needs CONFIG_GPIO_SIM and configfs mounted", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("gpio-sim needs root to configure its chips")
	}
	s, err := gpiosim.NewSimpleton(4)
	if err != nil {
		t.Skipf("gpio-sim present but unusable: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Against the kernel: a pulled line gives a debounced observation through
// the character device, and a relay's pulse is seen by the simulator.
func TestCdevAgainstGPIOSim(t *testing.T) {
	sim := requireGPIOSim(t)
	chip, err := gpio.OpenChip(sim.DevPath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Pullup(0); err != nil {
		t.Fatal(err)
	}
	raw, err := chip.Input(0, gpio.LineOptions{Consumer: "test-rex", KernelDebounce: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	in, err := gpio.NewInput(gpio.InputConfig{Name: "rex", Kind: gpio.RequestToExit, ActiveLow: true}, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sim.Pulldown(0); err != nil { // the button is pressed
		t.Fatal(err)
	}
	e, err := in.Next(ctx)
	if err != nil || !e.High {
		t.Fatalf("next: %+v %v, want pressed", e, err)
	}
	if d := time.Since(e.At); d < 0 || d > 5*time.Second {
		t.Errorf("edge stamped %s from now: kernel time not carried onto the process clock", d)
	}

	rawOut, err := chip.Output(1, false, gpio.LineOptions{Consumer: "test-strike"})
	if err != nil {
		t.Fatal(err)
	}
	defer rawOut.Close()
	out, _ := gpio.NewOutput(gpio.OutputConfig{Name: "strike"}, rawOut, nil, nil)
	octx, ocancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- out.Run(octx) }()
	defer func() { ocancel(); <-done }()
	var rb string
	for {
		if rb, err = out.Set(ctx, actuator.Pulse, 50*time.Millisecond); !errors.Is(err, gpio.ErrNotRunning) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if lv, _ := sim.Level(1); rb != "on" || err != nil || lv != 1 {
		t.Fatalf("pulse: %q %v, simulator level %d", rb, err, lv)
	}
	for lv := 1; lv != 0; lv, _ = sim.Level(1) {
		if ctx.Err() != nil {
			t.Fatal("pulse never ended")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
