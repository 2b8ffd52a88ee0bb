package replica

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// The cluster port carries two protocols. A dialer writes one byte first:
// raft's own RPCs, or the internal HTTP RPC (forwarded proposals, read index,
// membership). One port per node keeps the facility file and firewalls
// simple: the leader's raft address is also where its RPC is.
const (
	protoRaft byte = 'R'
	protoRPC  byte = 'P'
)

// mux accepts on the cluster listener and hands each connection to the
// listener of its protocol.
type mux struct {
	ln     net.Listener
	tls    *tls.Config // nil: plain TCP
	log    *slog.Logger
	raft   *subListener
	rpc    *subListener
	wg     sync.WaitGroup
	closed chan struct{}
}

func newMux(ln net.Listener, tlsCfg *tls.Config, log *slog.Logger) *mux {
	m := &mux{ln: ln, tls: tlsCfg, log: log, closed: make(chan struct{})}
	m.raft = newSubListener(ln.Addr(), m.closed)
	m.rpc = newSubListener(ln.Addr(), m.closed)
	m.wg.Add(1)
	go m.run()
	return m
}

func (m *mux) run() {
	defer m.wg.Done()
	for {
		c, err := m.ln.Accept()
		if err != nil {
			select {
			case <-m.closed:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			m.log.Warn("cluster accept", "err", err)
			time.Sleep(10 * time.Millisecond) // e.g. EMFILE: don't spin
			continue
		}
		m.wg.Add(1)
		go m.route(c)
	}
}

// route reads the protocol byte (with a deadline, so a silent peer cannot pin
// a goroutine) and hands the connection on.
func (m *mux) route(c net.Conn) {
	defer m.wg.Done()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if m.tls != nil {
		tc := tls.Server(c, m.tls)
		if err := tc.Handshake(); err != nil {
			m.log.Warn("cluster connection refused: TLS handshake", "remote", c.RemoteAddr().String(), "err", err)
			c.Close()
			return
		}
		c = tc
	}
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		c.Close()
		return
	}
	_ = c.SetDeadline(time.Time{})
	var sl *subListener
	switch b[0] {
	case protoRaft:
		sl = m.raft
	case protoRPC:
		sl = m.rpc
	default:
		m.log.Warn("cluster connection with unknown protocol byte", "byte", b[0], "remote", c.RemoteAddr().String())
		c.Close()
		return
	}
	select {
	case sl.ch <- c:
	case <-m.closed:
		c.Close()
	case <-sl.done:
		c.Close()
	}
}

func (m *mux) Close() error {
	close(m.closed)
	err := m.ln.Close()
	m.wg.Wait()
	return err
}

// subListener is a net.Listener fed by the mux. Closing it stops its
// Accept; the mux owns the real listener and closes that.
type subListener struct {
	addr     net.Addr
	ch       chan net.Conn
	closed   chan struct{} // the mux's
	done     chan struct{} // this listener's
	doneOnce sync.Once
}

func newSubListener(addr net.Addr, closed chan struct{}) *subListener {
	return &subListener{addr: addr, ch: make(chan net.Conn), closed: closed, done: make(chan struct{})}
}

func (l *subListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *subListener) Close() error {
	l.doneOnce.Do(func() { close(l.done) })
	return nil
}
func (l *subListener) Addr() net.Addr { return l.addr }

// dialer opens cluster connections: TCP, then TLS when configured, then
// the protocol byte.
type dialer struct {
	tls *tls.Config // nil: plain TCP
}

// dial dials addr and announces proto.
func (d dialer) dial(ctx context.Context, addr string, proto byte) (net.Conn, error) {
	nd := net.Dialer{Timeout: time.Second} // a powered-off peer never refuses
	c, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if d.tls != nil {
		tc := tls.Client(c, d.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, fmt.Errorf("TLS with %s: %w", addr, err)
		}
		c = tc
	}
	if _, err := c.Write([]byte{proto}); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// raftStream is the raft.StreamLayer over the mux.
type raftStream struct {
	*subListener
	dialer dialer
}

func (s raftStream) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return s.dialer.dial(ctx, string(addr), protoRaft)
}
