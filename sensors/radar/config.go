package radar

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Baud rates of the two UARTs of an IWR6843 running the SDK 3.x demo.
const (
	CLIBaud  = 115200
	DataBaud = 921600
)

// Opener opens one of the radar's ports. The driver calls it again after
// the port failed. Reads on the port must return when Close is called or
// after a short read timeout (tarm/serial's (0, io.EOF) counts as "no data
// yet"); OpenSerial gives such ports.
type Opener func() (io.ReadWriteCloser, error)

// Config configures a Radar. Zero durations take the defaults.
type Config struct {
	// Name identifies the radar in logs, e.g. "sally-port-east".
	Name string
	// CLI and Data open the command UART and the data UART.
	CLI, Data Opener
	// Commands are the CLI configuration lines, sent in order on every
	// (re)connect, each answered with "Done". Blank lines and lines
	// starting with '%' (comments in TI .cfg files) are not sent. The last
	// command must be sensorStart.
	Commands []string
	// ReplyTimeout bounds the wait for "Done" after each command; default 1 s.
	ReplyTimeout time.Duration
	// StallAfter is the silence on the data UART that raises Stalled;
	// default 1 s (ten frame periods at 10 fps).
	StallAfter time.Duration
	// RestartAfter is the silence after which the driver gives up on the
	// open ports: Offline, reopen, reconfigure (a radar that reset loses
	// its configuration and waits at the prompt). Default 10 s; at least
	// StallAfter.
	RestartAfter time.Duration
	// ReconnectBackoff is the first wait after a failure; it doubles up to
	// MaxBackoff and starts over once the radar is online. Defaults 500 ms
	// and 10 s.
	ReconnectBackoff time.Duration
	MaxBackoff       time.Duration
	// Now is the clock for event times and stall decisions; default time.Now.
	Now func() time.Time
}

// DefaultCommands returns a vital-signs configuration for an IWR6843 on
// the SDK 3.x demo: 3 TX × 4 RX at 60.75 GHz, 10 frames per second, point
// cloud and statistics out, range 0.25–9 m. The vitalSignsCfg and
// motionDetection lines follow TI's vital-signs lab; check them against the
// firmware flashed on the device.
func DefaultCommands() []string {
	return []string{
		"% Palisade sally-port profile: IWR6843, SDK 3.x, 10 fps, vital signs 0.3-2.5 m",
		"sensorStop",
		"flushCfg",
		"dfeDataOutputMode 1",
		"channelCfg 15 7 0",
		"adcCfg 2 1",
		"adcbufCfg -1 0 1 1 1",
		"lowPower 0 0",
		"profileCfg 0 60.75 30.00 25.00 59.10 657930 0 54.71 1 96 2950.00 2 1 36",
		"chirpCfg 0 0 0 0 0 0 0 1",
		"chirpCfg 1 1 0 0 0 0 0 2",
		"chirpCfg 2 2 0 0 0 0 0 4",
		"frameCfg 0 2 96 0 100.00 1 0",
		"guiMonitor -1 1 0 0 0 0 1",
		"cfarCfg -1 0 2 8 4 3 0 15.0 0",
		"cfarCfg -1 1 0 4 2 3 1 15.0 0",
		"multiObjBeamForming -1 1 0.5",
		"clutterRemoval -1 0",
		"calibDcRangeSig -1 0 -5 8 256",
		"extendedMaxVelocity -1 0",
		"lvdsStreamCfg -1 0 0 0",
		"bpmCfg -1 0 0 1",
		"compRangeBiasAndRxChanPhase 0.0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0",
		"measureRangeBiasAndRxChanPhase 0 1.5 0.2",
		"CQRxSatMonitor 0 3 5 121 0",
		"CQSigImgMonitor 0 127 4",
		"analogMonitor 0 0",
		"aoaFovCfg -1 -90 90 -90 90",
		"cfarFovCfg -1 0 0.25 9.0",
		"cfarFovCfg -1 1 -20.16 20.16",
		"calibData 0 0 0",
		"vitalSignsCfg 0.3 2.5 256 512 4 0.1 0.05 100000 300000",
		"motionDetection 1 20 2.0 0",
		"sensorStart",
	}
}

// DefaultConfig returns a Config with DefaultCommands and the default
// durations. CLI and Data are left to the caller (see SerialConfig).
func DefaultConfig() Config {
	return Config{
		Name:             "radar",
		Commands:         DefaultCommands(),
		ReplyTimeout:     time.Second,
		StallAfter:       time.Second,
		RestartAfter:     10 * time.Second,
		ReconnectBackoff: 500 * time.Millisecond,
		MaxBackoff:       10 * time.Second,
		Now:              time.Now,
	}
}

// SerialConfig is DefaultConfig for a radar on two serial ports, e.g.
// /dev/serial/by-id/…-if00 (CLI) and …-if01 (data), opened with
// OpenSerial at CLIBaud and DataBaud. Stable by-id names matter: they
// reappear under the same name when the radar is plugged back in.
func SerialConfig(name, cliPort, dataPort string) Config {
	c := DefaultConfig()
	c.Name = name
	c.CLI = func() (io.ReadWriteCloser, error) { return OpenSerial(cliPort, CLIBaud) }
	c.Data = func() (io.ReadWriteCloser, error) { return OpenSerial(dataPort, DataBaud) }
	return c
}

// Validate fills in defaults and checks the configuration.
func (c *Config) Validate() error {
	if c.Name == "" {
		c.Name = "radar"
	}
	def := DefaultConfig()
	for _, d := range []struct{ v, def *time.Duration }{
		{&c.ReplyTimeout, &def.ReplyTimeout}, {&c.StallAfter, &def.StallAfter},
		{&c.RestartAfter, &def.RestartAfter}, {&c.ReconnectBackoff, &def.ReconnectBackoff},
		{&c.MaxBackoff, &def.MaxBackoff},
	} {
		if *d.v <= 0 {
			*d.v = *d.def
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.CLI == nil || c.Data == nil {
		return fmt.Errorf("%w: %s: cli and data openers are required", ErrConfig, c.Name)
	}
	if c.RestartAfter < c.StallAfter {
		return fmt.Errorf("%w: %s: restart_after %v is shorter than stall_after %v", ErrConfig, c.Name, c.RestartAfter, c.StallAfter)
	}
	if c.MaxBackoff < c.ReconnectBackoff {
		c.MaxBackoff = c.ReconnectBackoff
	}
	last := ""
	for i, line := range c.Commands {
		if strings.ContainsAny(line, "\r\n") {
			return fmt.Errorf("%w: %s: commands[%d] %q: contains a line break", ErrConfig, c.Name, i, line)
		}
		if cmd, ok := command(line); ok {
			last = cmd
		}
	}
	if name, _, _ := strings.Cut(last, " "); name != "sensorStart" {
		return fmt.Errorf("%w: %s: commands: the last command is %q, want sensorStart", ErrConfig, c.Name, last)
	}
	return nil
}

// command returns the line as it is sent, and false for blank lines and
// comments.
func command(line string) (string, bool) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "%") {
		return "", false
	}
	return line, true
}
