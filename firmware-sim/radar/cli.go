package radar

import (
	"os"
	"strings"
	"time"
)

const (
	prompt = "mmwDemo:/>"
	banner = "\r\n******************************************\r\n" +
		"xWR64xx MMW Demo 03.06.00.00\r\n" +
		"******************************************\r\n"
	maxLine = 1024
)

// KnownCommands are the CLI commands the simulated firmware accepts: those
// of the SDK 3.x demo, TI's vital-signs lab and the people-tracking
// configuration. Arguments are not checked.
var KnownCommands = []string{
	"sensorStart", "sensorStop", "flushCfg", "dfeDataOutputMode", "channelCfg", "adcCfg",
	"adcbufCfg", "lowPower", "profileCfg", "chirpCfg", "frameCfg", "advFrameCfg", "subFrameCfg",
	"guiMonitor", "cfarCfg", "multiObjBeamForming", "clutterRemoval", "calibDcRangeSig",
	"extendedMaxVelocity", "lvdsStreamCfg", "bpmCfg", "compRangeBiasAndRxChanPhase",
	"measureRangeBiasAndRxChanPhase", "CQRxSatMonitor", "CQSigImgMonitor", "analogMonitor",
	"aoaFovCfg", "cfarFovCfg", "calibData", "vitalSignsCfg", "motionDetection",
	"trackingCfg", "boundaryBox", "staticBoundaryBox", "presenceBoundaryBox", "sensorPosition",
	"gatingParam", "stateParam", "allocationParam", "maxAcceleration",
}

var known = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range KnownCommands {
		m[c] = true
	}
	return m
}()

// serveCLI answers command lines until the pseudo-terminal closes.
func (d *Device) serveCLI(m *os.File) {
	buf := make([]byte, 256)
	var line []byte
	for {
		n, err := m.Read(buf)
		for _, c := range buf[:n] {
			if c != '\r' && c != '\n' {
				if len(line) < maxLine {
					line = append(line, c)
				}
				continue
			}
			if len(line) == 0 {
				continue // the LF of a CR LF, or an empty line
			}
			reply := d.command(string(line))
			line = line[:0]
			m.SetWriteDeadline(time.Now().Add(time.Second))
			if _, err := m.Write([]byte(reply)); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// command runs one line and returns what the firmware prints: the echo,
// what the command says, Done or Error, and the prompt.
func (d *Device) command(line string) string {
	line = strings.TrimSpace(line)
	name, _, _ := strings.Cut(line, " ")
	d.mu.Lock()
	defer d.mu.Unlock()
	d.commands = append(d.commands, line)
	d.log.Debug("command", "line", line)
	out := line + "\r\n"
	switch {
	case d.muted[name]:
		return out
	case !known[name]:
		return out + "'" + name + "' is not recognized as a CLI command\r\nError -1\r\n" + prompt
	case name == "sensorStop":
		if !d.streaming {
			out += "Ignored: Sensor is already stopped\r\n"
		}
		d.streaming = false
	case name == "sensorStart":
		d.streaming = true
	}
	return out + "Done\r\n" + prompt
}
