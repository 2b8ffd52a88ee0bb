package osdp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/palisade/palisade/firmware-sim/pty"
	wire "github.com/palisade/palisade/sensors/osdp"
)

// Bus is a simulated RS-485 bus with readers on it, exposed as a
// pseudo-terminal behind a stable symlink.
type Bus struct {
	link    string
	readers map[byte]*Reader

	mu     sync.Mutex // guards pair, cancel
	pair   *pty.Pair
	cancel context.CancelFunc
	wg     sync.WaitGroup
	dec    wire.Decoder // used by the serving goroutine only
}

// Stats counts the frames the simulated readers received and the bytes
// they rejected. Safe to read at any time.
func (b *Bus) Stats() *wire.DecoderStats { return &b.dec.Stats }

// NewBus plugs in a bus whose serial port appears at link (a path in a
// temporary directory) with the given readers.
func NewBus(link string, readers ...ReaderConfig) (*Bus, error) {
	b := &Bus{link: link, readers: map[byte]*Reader{}}
	for _, rc := range readers {
		if rc.Addr < 0 || rc.Addr > 0x7E {
			return nil, fmt.Errorf("osdpsim: address %d outside 0…126", rc.Addr)
		}
		b.readers[byte(rc.Addr)] = newReader(rc)
	}
	if err := b.Plug(); err != nil {
		return nil, err
	}
	return b, nil
}

// Path is the port name to give to the panel.
func (b *Bus) Path() string { return b.link }

// Reader returns the simulated reader at addr, or nil.
func (b *Bus) Reader(addr int) *Reader { return b.readers[byte(addr)] }

// Plug opens a fresh pseudo-terminal, points the link at it and starts
// answering. Plugging a plugged bus does nothing.
func (b *Bus) Plug() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pair != nil {
		return nil
	}
	p, err := pty.Open()
	if err != nil {
		return err
	}
	if err := p.Link(b.link); err != nil {
		p.Close()
		return err
	}
	b.dec.Reset()
	ctx, cancel := context.WithCancel(context.Background())
	b.pair, b.cancel = p, cancel
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.serve(ctx, p.Master)
	}()
	return nil
}

// Unplug stops answering, removes the link and closes the pseudo-terminal:
// the panel's port hangs up as a USB adapter pulled out would. It waits
// for the serving goroutine.
func (b *Bus) Unplug() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pair == nil {
		return nil
	}
	b.cancel()
	b.wg.Wait()
	err := errors.Join(os.Remove(b.link), b.pair.Close())
	b.pair = nil
	return err
}

// Close unplugs the bus.
func (b *Bus) Close() error { return b.Unplug() }

func (b *Bus) serve(ctx context.Context, m *os.File) {
	dec := &b.dec
	buf := make([]byte, 512)
	for ctx.Err() == nil {
		m.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		n, err := m.Read(buf)
		if n > 0 {
			dec.Write(buf[:n])
		}
		for {
			f, ok, ferr := dec.Next()
			if ferr != nil {
				continue
			}
			if !ok {
				break
			}
			if f.Reply {
				continue
			}
			r := b.readers[f.Addr]
			if r == nil {
				continue
			}
			if out := r.handle(f); out != nil {
				if _, err := m.Write(out); err != nil {
					return
				}
			}
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
