package osdp

import (
	"fmt"
	"io"
	"time"

	"github.com/tarm/serial"
)

// serialReadTimeout is the longest a Read blocks without data. termios
// counts in tenths of a second, so 100 ms is the floor.
const serialReadTimeout = 100 * time.Millisecond

// OpenSerial opens a serial device (or the slave side of a pseudo-terminal)
// 8N1 at baud, with a short read timeout: a Read with nothing to read
// returns (0, io.EOF) after serialReadTimeout, which the panel treats as
// "no data yet".
func OpenSerial(name string, baud int) (io.ReadWriteCloser, error) {
	port, err := serial.OpenPort(&serial.Config{Name: name, Baud: baud, ReadTimeout: serialReadTimeout})
	if err != nil {
		return nil, fmt.Errorf("osdp %s: open: %w", name, err)
	}
	return port, nil
}
