package uplinktest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/pki"
)

// Server serves h over TLS on loopback, requiring a client certificate of
// role central from roots (the uplink listener of a node).
type Server struct {
	Addr string
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// Serve starts a server; it is closed when the test ends.
func Serve(tb testing.TB, h http.Handler, cert tls.Certificate, roots *x509.CertPool) *Server {
	tb.Helper()
	return ServeTLS(tb, h, pki.ServerConfig(cert, roots, nil, pki.RoleCentral))
}

// ServeTLS serves h with the given TLS configuration.
func ServeTLS(tb testing.TB, h http.Handler, cfg *tls.Config) *Server {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, done: make(chan struct{}),
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: quietLog()}}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(tls.NewListener(ln, cfg))
	}()
	tb.Cleanup(s.Close)
	return s
}

// URL is the server's base URL.
func (s *Server) URL() string { return "https://" + s.Addr }

// Close stops the server and waits for it.
func (s *Server) Close() {
	_ = s.srv.Close()
	<-s.done
}

// WAN is a TCP relay between HQ and a node that can be cut: its listener
// closed and every connection reset, then restored on the same address.
// It can also reset connections part-way through a response.
type WAN struct {
	Addr string

	mu      sync.Mutex
	target  string
	ln      net.Listener
	conns   map[net.Conn]struct{}
	flaky   int // reset a connection after a random 1..flaky bytes towards HQ (0: never)
	closed  bool
	rng     *rand.Rand
	wg      sync.WaitGroup
	accepts int
}

// NewWAN relays from a new loopback address to target; it is closed when
// the test ends.
func NewWAN(tb testing.TB, target string) *WAN {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	w := &WAN{Addr: ln.Addr().String(), target: target, conns: map[net.Conn]struct{}{}, rng: rand.New(rand.NewPCG(1, 2))}
	w.serve(ln)
	tb.Cleanup(w.Close)
	return w
}

// URL is the relay's base URL.
func (w *WAN) URL() string { return "https://" + w.Addr }

func (w *WAN) serve(ln net.Listener) {
	w.ln = ln
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			w.mu.Lock()
			target, flaky := w.target, w.flaky
			budget := 0
			if flaky > 0 {
				budget = 1 + w.rng.IntN(flaky)
			}
			w.conns[c] = struct{}{}
			w.accepts++
			w.mu.Unlock()
			w.wg.Add(1)
			go func() { defer w.wg.Done(); w.relay(c, target, budget) }()
		}
	}()
}

func (w *WAN) relay(c net.Conn, target string, budget int) {
	defer w.forget(c)
	up, err := net.DialTimeout("tcp", target, 2*time.Second)
	if err != nil {
		reset(c)
		return
	}
	w.mu.Lock()
	w.conns[up] = struct{}{}
	w.mu.Unlock()
	defer w.forget(up)
	var once sync.Once
	both := func() { once.Do(func() { reset(c); reset(up) }) }
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(up, c)
		both()
	}()
	var src io.Reader = up
	if budget > 0 {
		src = io.LimitReader(up, int64(budget))
	}
	_, _ = io.Copy(c, src)
	both()
	<-done
}

func (w *WAN) forget(c net.Conn) {
	w.mu.Lock()
	delete(w.conns, c)
	w.mu.Unlock()
	_ = c.Close()
}

// reset closes c with an RST, as a WAN link that drops does.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// Cut closes the listener and resets every connection.
func (w *WAN) Cut() {
	w.mu.Lock()
	ln := w.ln
	w.ln = nil
	for c := range w.conns {
		reset(c)
	}
	w.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
}

// ResetAll resets every live connection, keeping the listener.
func (w *WAN) ResetAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for c := range w.conns {
		reset(c)
	}
}

// Restore listens again on the same address after Cut.
func (w *WAN) Restore() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if w.ln != nil {
		return nil
	}
	var ln net.Listener
	var err error
	for range 50 { // the port may be briefly held by the closed listener's accept
		if ln, err = net.Listen("tcp", w.Addr); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	w.serve(ln)
	return nil
}

// SetTarget relays new connections to another backend (a leader change, a
// node replaced).
func (w *WAN) SetTarget(addr string) {
	w.mu.Lock()
	w.target = addr
	w.mu.Unlock()
}

// SetFlaky resets each new connection after a random 1..n bytes towards HQ
// (0: never).
func (w *WAN) SetFlaky(n int) {
	w.mu.Lock()
	w.flaky = n
	w.mu.Unlock()
}

// Accepts returns how many connections the relay accepted.
func (w *WAN) Accepts() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.accepts
}

// Close cuts the relay for good and waits for its goroutines.
func (w *WAN) Close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.Cut()
	w.wg.Wait()
}

// ErrClosed is returned by Restore after Close.
var ErrClosed = errors.New("uplinktest: WAN closed")

func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
