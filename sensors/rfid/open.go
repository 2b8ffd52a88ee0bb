package rfid

import (
	"fmt"
	"io"
	"time"

	"github.com/tarm/serial"
)

// Baud is the R2000 readers' factory line speed (8N1).
const Baud = 115200

// serialReadTimeout is the longest a Read blocks without data. termios
// counts in tenths of a second, so 100 ms is the floor.
const serialReadTimeout = 100 * time.Millisecond

// OpenSerial opens a serial device (or the slave side of a
// pseudo-terminal) at 115200 8N1 with a 100 ms read timeout: a Read with
// nothing to read returns (0, io.EOF), which the driver treats as "no
// data yet".
func OpenSerial(name string) (io.ReadWriteCloser, error) {
	port, err := serial.OpenPort(&serial.Config{Name: name, Baud: Baud, ReadTimeout: serialReadTimeout})
	if err != nil {
		return nil, fmt.Errorf("rfid %s: open: %w", name, err)
	}
	return port, nil
}

// SerialOpener returns a Config.Open that opens name with OpenSerial.
func SerialOpener(name string) func() (io.ReadWriteCloser, error) {
	return func() (io.ReadWriteCloser, error) { return OpenSerial(name) }
}
