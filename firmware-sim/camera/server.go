package camera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
	"github.com/pion/rtp"
)

// Config shapes the simulated camera server.
type Config struct {
	// Addr is the RTSP (TCP) address; "" means 127.0.0.1:0.
	Addr string
	// UDP also offers the UDP transport, on two consecutive free ports of
	// the same host.
	UDP bool
	// Username and Password, when Username is set, are required of every
	// reader and publisher (RTSP basic or digest); anything else gets 401.
	Username, Password string
	// Publish accepts publishers (ANNOUNCE, RECORD) on paths that have no
	// simulated camera, and relays what they send to readers of the path —
	// so that an independent encoder such as ffmpeg can be the camera.
	Publish bool
	// CacheDir holds the encoded scenes (DefaultCacheDir() when "").
	CacheDir string
	// Log receives connection and session events; nil discards them.
	Log *slog.Logger
}

// Server is an RTSP server whose paths are simulated cameras.
type Server struct {
	cfg  Config
	log  *slog.Logger
	rtsp *gortsplib.Server
	addr net.Addr

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // camera pumps

	mu      sync.Mutex
	cams    map[string]*Camera
	pubs    map[string]*publication
	udp     []net.PacketConn // pre-bound RTP and RTCP ports
	conns   []time.Time
	changed chan struct{} // closed and replaced when a connection opens
}

// publication is a stream fed by a publisher.
type publication struct {
	stream  *gortsplib.ServerStream
	session *gortsplib.ServerSession
}

// Listen binds the server's ports and serves until Close.
func Listen(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg: cfg, log: cfg.Log.With("component", "camera-sim"),
		cams: map[string]*Camera{}, pubs: map[string]*publication{}, changed: make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.rtsp = &gortsplib.Server{
		Handler:     &handler{s},
		RTSPAddress: cfg.Addr,
		Listen: func(network, address string) (net.Listener, error) {
			l, err := net.Listen(network, address)
			if err == nil {
				s.addr = l.Addr()
			}
			return l, err
		},
	}
	if cfg.UDP {
		rtpConn, rtcpConn, err := udpPair(cfg.Addr)
		if err != nil {
			s.cancel()
			return nil, err
		}
		s.udp = []net.PacketConn{rtpConn, rtcpConn}
		s.rtsp.UDPRTPAddress = rtpConn.LocalAddr().String()
		s.rtsp.UDPRTCPAddress = rtcpConn.LocalAddr().String()
		s.rtsp.ListenPacket = func(network, address string) (net.PacketConn, error) {
			switch address {
			case s.rtsp.UDPRTPAddress:
				return rtpConn, nil
			case s.rtsp.UDPRTCPAddress:
				return rtcpConn, nil
			}
			return net.ListenPacket(network, address)
		}
	}
	if err := s.rtsp.Start(); err != nil {
		s.cancel()
		if cfg.UDP {
			// Closed already if gortsplib took them; closing twice is
			// harmless.
			s.closeUDP()
		}
		return nil, fmt.Errorf("camera sim: %w", err)
	}
	return s, nil
}

// udpPair binds an even UDP port and the odd one after it on host, as RTP
// and RTCP need.
func udpPair(addr string) (net.PacketConn, net.PacketConn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("camera sim: address %q: %w", addr, err)
	}
	for range 50 {
		a, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, nil, fmt.Errorf("camera sim: udp: %w", err)
		}
		port := a.LocalAddr().(*net.UDPAddr).Port
		if port%2 == 0 {
			b, err := net.ListenPacket("udp", net.JoinHostPort(host, fmt.Sprint(port+1)))
			if err == nil {
				return a, b, nil
			}
		}
		a.Close()
	}
	return nil, nil, errors.New("camera sim: no pair of consecutive free UDP ports")
}

func (s *Server) closeUDP() {
	for _, pc := range s.udp {
		pc.Close()
	}
}

// Addr returns the RTSP host:port.
func (s *Server) Addr() string { return s.addr.String() }

// URL returns rtsp://host:port/path, without credentials.
func (s *Server) URL(path string) string {
	return "rtsp://" + s.Addr() + "/" + strings.TrimPrefix(path, "/")
}

// Connections returns how many RTSP connections have been opened, when the
// last one was, and a channel closed at the next one.
func (s *Server) Connections() (n int, last time.Time, next <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) > 0 {
		last = s.conns[len(s.conns)-1]
	}
	return len(s.conns), last, s.changed
}

// ConnectionTimes returns when each connection was opened.
func (s *Server) ConnectionTimes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.conns...)
}

// Close stops the cameras and the server, disconnecting every client.
func (s *Server) Close() {
	s.cancel()
	s.wg.Wait()
	s.rtsp.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cams {
		c.stream.Close()
	}
	for _, p := range s.pubs {
		p.stream.Close()
	}
}

func (s *Server) lookup(path string) *gortsplib.ServerStream {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.cams[path]; ok {
		return c.stream
	}
	if p, ok := s.pubs[path]; ok {
		return p.stream
	}
	return nil
}

// handler answers RTSP requests for the Server.
type handler struct{ s *Server }

func (h *handler) OnConnOpen(ctx *gortsplib.ServerHandlerOnConnOpenCtx) {
	s := h.s
	s.mu.Lock()
	s.conns = append(s.conns, time.Now())
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	s.log.Debug("connection opened", "remote", ctx.Conn.NetConn().RemoteAddr().String())
}

func (h *handler) OnConnClose(ctx *gortsplib.ServerHandlerOnConnCloseCtx) {
	h.s.log.Debug("connection closed", "err", ctx.Error)
}

func (h *handler) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for path, p := range s.pubs {
		if p.session == ctx.Session {
			p.stream.Close()
			delete(s.pubs, path)
			s.log.Info("publisher left", "path", path)
		}
	}
}

// authorised checks credentials; the zero response is "go on".
func (h *handler) authorised(conn *gortsplib.ServerConn, req *base.Request) (*base.Response, error) {
	if h.s.cfg.Username == "" || conn.VerifyCredentials(req, h.s.cfg.Username, h.s.cfg.Password) {
		return nil, nil
	}
	return &base.Response{StatusCode: base.StatusUnauthorized}, liberrors.ErrServerAuth{}
}

func (h *handler) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if res, err := h.authorised(ctx.Conn, ctx.Request); res != nil {
		return res, nil, err
	}
	st := h.s.lookup(ctx.Path)
	if st == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, st, nil
}

func (h *handler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if ctx.Session.State() == gortsplib.ServerSessionStatePreRecord {
		return &base.Response{StatusCode: base.StatusOK}, nil, nil
	}
	if res, err := h.authorised(ctx.Conn, ctx.Request); res != nil {
		return res, nil, err
	}
	st := h.s.lookup(ctx.Path)
	if st == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, st, nil
}

func (h *handler) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func (h *handler) OnAnnounce(ctx *gortsplib.ServerHandlerOnAnnounceCtx) (*base.Response, error) {
	s := h.s
	if !s.cfg.Publish {
		return &base.Response{StatusCode: base.StatusForbidden}, nil
	}
	if res, err := h.authorised(ctx.Conn, ctx.Request); res != nil {
		return res, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cams[ctx.Path]; ok {
		return &base.Response{StatusCode: base.StatusForbidden}, nil
	}
	if old, ok := s.pubs[ctx.Path]; ok {
		old.stream.Close()
		old.session.Close()
	}
	st := &gortsplib.ServerStream{Server: s.rtsp, Desc: ctx.Description}
	if err := st.Initialize(); err != nil {
		return &base.Response{StatusCode: base.StatusBadRequest}, err
	}
	s.pubs[ctx.Path] = &publication{stream: st, session: ctx.Session}
	s.log.Info("publisher announced", "path", ctx.Path)
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func (h *handler) OnRecord(ctx *gortsplib.ServerHandlerOnRecordCtx) (*base.Response, error) {
	st := h.s.lookup(ctx.Path)
	if st == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil
	}
	ctx.Session.OnPacketRTPAny(func(m *description.Media, _ format.Format, pkt *rtp.Packet) {
		st.WritePacketRTP(m, pkt) //nolint:errcheck // a closed stream just drops
	})
	return &base.Response{StatusCode: base.StatusOK}, nil
}
