package radar

import (
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/tarm/serial"
)

// serialReadTimeout is the longest a Read blocks without data. termios
// counts in tenths of a second, so 100 ms is the floor.
const serialReadTimeout = 100 * time.Millisecond

// OpenSerial opens a serial device (or the slave side of a pseudo-terminal)
// 8N1 at baud — CLIBaud or DataBaud — and discards what was waiting in
// its buffers, so stale replies and half frames from before do not count.
//
// A Read with nothing to read returns (0, io.EOF) after serialReadTimeout:
// "no data yet". A terminal that hung up (the USB adapter was pulled, the
// simulator closed its pseudo-terminal) fails with EIO, or returns
// (0, io.EOF) at once, for ever; the port tells the latter from a timeout
// by time. Both fail with ErrHangup, so the driver sees the port vanish.
func OpenSerial(name string, baud int) (io.ReadWriteCloser, error) {
	p, err := serial.OpenPort(&serial.Config{Name: name, Baud: baud, ReadTimeout: serialReadTimeout})
	if err != nil {
		return nil, fmt.Errorf("radar %s: open: %w", name, err)
	}
	if err := p.Flush(); err != nil {
		p.Close()
		return nil, fmt.Errorf("radar %s: flush: %w", name, err)
	}
	return &serialPort{Port: p, name: name}, nil
}

type serialPort struct {
	*serial.Port
	name  string
	quick int // consecutive empty reads that returned long before the timeout
}

func (p *serialPort) Read(b []byte) (int, error) {
	t0 := time.Now()
	n, err := p.Port.Read(b)
	if n == 0 && errors.Is(err, io.EOF) && time.Since(t0) < serialReadTimeout/2 {
		if p.quick++; p.quick >= 2 {
			return 0, fmt.Errorf("%w: %s: reads end at once", ErrHangup, p.name)
		}
		return 0, io.EOF
	}
	p.quick = 0
	return n, p.hangup(err)
}

func (p *serialPort) Write(b []byte) (int, error) {
	n, err := p.Port.Write(b)
	return n, p.hangup(err)
}

// hangup marks EIO, what a terminal answers once its device is gone, as
// ErrHangup.
func (p *serialPort) hangup(err error) error {
	if errors.Is(err, syscall.EIO) {
		return fmt.Errorf("%w: %s: %w", ErrHangup, p.name, err)
	}
	return err
}
