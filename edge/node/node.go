package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/palisade/palisade/edge/accounts"
	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/edge/doors"
	"github.com/palisade/palisade/edge/doorwatch"
	"github.com/palisade/palisade/edge/eventlog"
	"github.com/palisade/palisade/edge/evidence"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/headcount"
	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/edge/presence"
	"github.com/palisade/palisade/edge/sallyport"
	"github.com/palisade/palisade/firmware-sim/door"
	osdpsim "github.com/palisade/palisade/firmware-sim/osdp"
	"github.com/palisade/palisade/sensors/contact"
	"github.com/palisade/palisade/sensors/gpio"
	"github.com/palisade/palisade/sync/audit"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/uplink"
)

// Options configures one node.
type Options struct {
	Facility *facility.Facility
	NodeID   string
	DataDir  string

	// Listeners override the facility file's addresses (tests use :0).
	ClusterListener net.Listener
	HTTPListener    net.Listener
	KioskListener   net.Listener // nil: the facility file's kiosk_addr, if any

	// UplinkListener overrides the facility file's uplink_addr (tests and
	// the demo use :0). UplinkTLS is the uplink listener's mutual TLS
	// (pki.ServerConfig with the node certificate, central role): without
	// it the node serves no uplink — HQ pulls over mutual TLS only.
	UplinkListener net.Listener
	UplinkTLS      *tls.Config
	// RollupEvery is how often the leader commits the rollup HQ sees
	// (default 5 minutes).
	RollupEvery time.Duration

	// ConsoleTLS and KioskTLS make the console and the kiosk listener
	// HTTPS (pki.WebServerConfig). Nil: plain HTTP, for tests only.
	ConsoleTLS, KioskTLS *tls.Config
	// Peers override the facility's node addresses for bootstrapping.
	Peers []replica.Peer

	// Simulate starts firmware-sim devices for the node's devices marked
	// simulated. DoorScenario shapes the simulated doors.
	Simulate     bool
	DoorScenario door.Scenario

	// Chips opens GPIO chips by name (default: the character devices,
	// gpio.OpenChip); tests and benchmarks give fakes. GPIOClock is the
	// clock of the GPIO drivers (default: the system clock).
	Chips     func(name string) (gpio.Chip, error)
	GPIOClock gpio.Clock

	Tune func(*replica.Config) // optional: adjust raft settings
	// Certs returns the certificates this node uses (its own, the CA's);
	// each is watched for expiry. Nil: nothing to watch.
	Certs func() []*x509.Certificate
	// NodeCert returns this node's own certificate (Ed25519, see edge/pki):
	// with it, the node signs audit checkpoints while it leads. Nil: the
	// tree is kept but not signed (a node without TLS).
	NodeCert      func() (*tls.Certificate, error)
	AuditInterval time.Duration // between checkpoints; default one minute
	// Roots, if set, is the facility CA: a checkpoint is recorded only if
	// a node certificate it issued signed it.
	Roots *x509.CertPool
	// NoAudit leaves the audit tree out. Only the benchmark that measures
	// what the tree costs sets it; nothing a facility runs can.
	NoAudit bool
	Logger  *slog.Logger
	Now     func() time.Time
	// Cameras shapes the cameras the node runs (cameras.go).
	Cameras CameraOptions
}

// Node is a running facility node.
type Node struct {
	opts    Options
	log     *slog.Logger
	Replica *replica.Replica
	Alarms  *alarm.Service
	// Doors runs the doors this node owns; DoorEvents feeds it (drivers,
	// simulators, tests).
	Doors      *doors.Service
	DoorEvents chan doors.Event
	// Sally runs the sally ports this node owns.
	Sally    *sallyport.Service
	presence *presence.Engine
	custody  *custody
	cams     *cameras
	API      *api.Server
	exec     *actuator.Executor
	http     *http.Server
	httpLn   net.Listener
	kiosk    *http.Server
	kioskLn  net.Listener
	uplink   *http.Server
	uplinkLn net.Listener
	reg      *prometheus.Registry

	ctx        context.Context // the node's life; cancelled by Close
	faultMu    sync.Mutex
	faults     []alarm.Raise // device faults found before the alarm core ran
	faultsLive bool          // raise faults at once from now on

	apiMu   sync.Mutex // guards API for the replica's observer
	signer  *audit.Signer
	osdpSim map[string]*osdpsim.Reader // simulated OSDP readers by device id (demo)
	osdpBus *osdpsim.Bus

	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// Start builds and starts a node. It returns once the node serves its API;
// the cluster may still be electing a leader.
func Start(opts Options) (_ *Node, err error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := opts.Facility
	me, ok := f.Node(opts.NodeID)
	if !ok {
		return nil, fmt.Errorf("node %q is not in facility %s (nodes: %s)", opts.NodeID, f.ID, nodeIDs(f))
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("node %s: data dir: %w", opts.NodeID, err)
	}
	n := &Node{opts: opts, log: opts.Logger.With("node", opts.NodeID), reg: prometheus.NewRegistry()}
	n.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	n.Alarms, err = alarm.NewService(alarm.Config{
		Node: opts.NodeID, Dir: opts.DataDir, Now: opts.Now, Logger: n.log,
		EscalateAfter: time.Duration(f.Alarms.EscalateAfter),
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()

	rc := replica.DefaultConfig(opts.NodeID, opts.DataDir)
	rc.Listener, rc.BindAddr = opts.ClusterListener, me.RaftAddr
	rc.Bootstrap = true
	rc.Peers = opts.Peers
	if rc.Peers == nil {
		for _, p := range f.Nodes {
			rc.Peers = append(rc.Peers, replica.Peer{ID: p.ID, Addr: p.RaftAddr})
		}
	}
	rc.Logger = n.log
	rc.Registry = n.reg
	if opts.Tune != nil {
		opts.Tune(&rc)
	}
	pcfg, err := presenceConfig(f)
	if err != nil {
		return nil, err
	}
	if n.presence, err = presence.New(pcfg, n.log); err != nil {
		return nil, err
	}
	if n.custody, err = newCustody(f, opts.NodeID, n.log, opts.Now); err != nil {
		return nil, err
	}
	router := replica.Router{
		"presence":  presence.Applier{Dir: n.presence.Registry()},
		"alarm":     alarm.Applier{CoalesceWindow: time.Duration(f.Alarms.CoalesceWindow)},
		"event":     eventlog.Applier{},
		"actuate":   actuator.Applier{},
		"user":      accounts.Applier{Known: func(name string) bool { _, ok := f.User(name); return ok }},
		"door":      doors.Applier{},
		"sallyport": sallyport.Applier{Dir: sallyport.FacilityDirectory(f)},
		"evidence":  evidence.Applier{},
	}
	n.custody.route(router) // headcount, rounds
	// Everything the node starts from here is stopped by n.cancel and
	// waited for by n.wg (Close).
	ctx, cancel := context.WithCancel(context.Background())
	n.ctx, n.cancel = ctx, cancel
	n.DoorEvents = make(chan doors.Event, 256)
	openChip := opts.Chips
	if openChip == nil {
		openChip = func(name string) (gpio.Chip, error) { return gpio.OpenChip(name, n.log) }
	}
	outs := outputs(f, opts.NodeID, opts.Simulate)
	hw := &chips{open: openChip, byID: map[string]gpio.Chip{}}
	for id, o := range n.startDoorHardware(ctx, hw, n.DoorEvents) {
		outs[id] = o
	}
	n.exec = actuator.NewExecutor(opts.NodeID, outs, n.log)
	observe := func(as []replica.Applied) {
		n.Alarms.Observe(as)
		n.exec.Observe(as)
		if d := n.doorService(); d != nil {
			d.Observe(as)
		}
		if s := n.sallyService(); s != nil {
			s.Observe(as)
		}
		for _, st := range presence.Committed(as) {
			n.presence.Sync(st)
		}
		n.custody.observe(as)
		// A password changed on any console ends that user's sessions
		// on every console.
		for _, user := range accounts.Changed(as) {
			if api := n.apiServer(); api != nil {
				api.RevokeUser(user)
			}
		}
	}
	// Every committed command becomes a leaf of the audit tree, in the
	// transaction that applies it.
	// The uplink feed derives HQ's summary records from each command in
	// the transaction that applies it; the audit tree records them all.
	feed := &uplink.Feed{Next: router, Derivers: []uplink.Deriver{headcount.Uplink()}, Logger: n.log}
	rec := &audit.Recorder{Next: feed, Origin: f.ID}
	if opts.Roots != nil {
		rec.CheckSigner = func(cert *x509.Certificate, signer string, at time.Time) error {
			return pki.CheckHolder(opts.Roots, cert, pki.RoleNode, signer, at)
		}
	}
	var app replica.Applier = rec
	if opts.NoAudit {
		app = feed
	}
	n.Replica, err = replica.Open(rc, app, observe)
	if err != nil {
		return nil, err
	}
	n.Alarms.Attach(n.Replica)
	n.custody.attach(n.Replica, n.Alarms)
	ds, err := doors.NewService(f, opts.NodeID, n.Alarms, n.Replica, n.log)
	if err != nil {
		return nil, err
	}
	n.apiMu.Lock()
	n.Doors = ds
	n.apiMu.Unlock()
	n.reg.MustRegister(n.Alarms.Collector())
	n.exec.Replica = n.Replica
	sally := sallyport.NewService(f, opts.NodeID, n.Replica, n.Alarms, sallyport.ScanConfig{}, opts.Now, n.log)
	n.apiMu.Lock()
	n.Sally = sally
	n.apiMu.Unlock()
	n.startSallyPorts(ctx, hw, outs)
	if n.cams, err = n.startCameras(ctx); err != nil {
		return nil, err
	}

	users := make([]api.User, 0, len(f.Users))
	for _, u := range f.Users {
		users = append(users, api.User{Name: u.Name, Role: string(u.Role), PasswordHash: u.PasswordHash})
	}
	var zones []api.Zone
	f.WalkZones(func(path string, z *facility.Zone) {
		var poly [][2]float64
		for _, p := range z.Polygon {
			poly = append(poly, [2]float64{p.X, p.Y})
		}
		zones = append(zones, api.Zone{ID: z.ID, Name: z.Name, Kind: string(z.Kind), Depth: strings.Count(path, "/"), Polygon: poly})
	})
	server, err := api.New(api.Config{
		Node: opts.NodeID, Facility: f.Name, Users: users, Zones: zones, Site: api.Site{Width: f.Site.Width, Height: f.Site.Height}, Alarms: n.Alarms, Cluster: n.Replica,
		Actuators:  actuators{f: f, rep: n.Replica},
		Passwords:  accounts.Store{Replica: n.Replica, Node: opts.NodeID},
		Audit:      auditLog{n.Replica},
		Doors:      doorsAPI{f: f, rep: n.Replica},
		SallyPorts: sallyAPI{f: f, rep: n.Replica, node: opts.NodeID},
		Presence:   presenceAPI{f: f, rep: n.Replica},
		Cameras:    camerasAPI{f: f, node: opts.NodeID, c: n.cams},
		Headcount:  headcountAPI{n.custody},
		Rounds:     roundsAPI{n.custody},
		Reports:    reportsAPI{n.custody},
		Gatherer:   n.reg, Registerer: n.reg, Logger: n.log, Now: opts.Now,
	})
	if err != nil {
		return nil, err
	}
	n.apiMu.Lock()
	n.API = server
	n.apiMu.Unlock()
	if n.httpLn, err = listen(opts.HTTPListener, me.HTTPAddr, opts.ConsoleTLS); err != nil {
		return nil, fmt.Errorf("node %s: console listener %s: %w", opts.NodeID, me.HTTPAddr, err)
	}
	n.http = newHTTPServer(n.API.Handler(), n.log)
	if opts.KioskListener != nil || me.KioskAddr != "" {
		if n.kioskLn, err = listen(opts.KioskListener, me.KioskAddr, opts.KioskTLS); err != nil {
			return nil, fmt.Errorf("node %s: kiosk listener %s: %w", opts.NodeID, me.KioskAddr, err)
		}
		n.kiosk = newHTTPServer(n.API.KioskHandler(), n.log.With("listener", "kiosk"))
	}
	if (opts.UplinkListener != nil || me.UplinkAddr != "") && opts.UplinkTLS == nil {
		n.log.Warn("no uplink served: headquarters pulls over mutual TLS, and this node has no certificate")
		if opts.UplinkListener != nil {
			_ = opts.UplinkListener.Close()
		}
	} else if opts.UplinkListener != nil || me.UplinkAddr != "" {
		if n.uplinkLn, err = listen(opts.UplinkListener, me.UplinkAddr, opts.UplinkTLS); err != nil {
			return nil, fmt.Errorf("node %s: uplink listener %s: %w", opts.NodeID, me.UplinkAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle(uplink.PathRecords, &uplink.Handler{Facility: f.ID, Node: opts.NodeID, View: n.Replica.View, Roots: opts.Roots,
			Now: opts.Now, Logger: n.log, Metrics: uplink.NewMetrics(n.reg)})
		n.uplink = newHTTPServer(mux, n.log.With("listener", "uplink"))
	}

	sendDoor := func(ev doors.Event) {
		select {
		case n.DoorEvents <- ev:
		case <-ctx.Done():
		}
	}
	if err := n.startOSDP(ctx, sendDoor); err != nil {
		return nil, err
	}
	n.startInputs(ctx, hw)
	n.wg.Add(3)
	go func() { defer n.wg.Done(); n.exec.Run(ctx) }()
	go func() {
		defer n.wg.Done()
		if err := n.http.Serve(n.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("console server", "err", err)
		}
	}()
	go func() { defer n.wg.Done(); n.Alarms.Run(ctx) }()
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.Doors.Run(ctx, n.DoorEvents, opts.Now, 250*time.Millisecond) }()
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.Sally.Run(ctx, 250*time.Millisecond) }()
	n.runPresence(ctx)
	n.custody.run(ctx, &n.wg) // the leader's schedules and zone rules, custody alarms
	if opts.Simulate {
		n.startSimulatedDevices(ctx)
		n.wg.Add(1)
		go func() { defer n.wg.Done(); n.simulateDoorTraffic(ctx, n.DoorEvents) }()
	}
	if opts.NodeCert != nil {
		n.signer = &audit.Signer{Replica: n.Replica, Origin: f.ID, Node: opts.NodeID, Cert: opts.NodeCert,
			Interval: opts.AuditInterval, Now: opts.Now, Logger: n.log}
		n.wg.Add(1)
		go func() { defer n.wg.Done(); n.signer.Run(ctx) }()
	} else if !opts.NoAudit {
		n.log.Warn("audit checkpoints are not signed: this node has no certificate")
	}
	if opts.Certs != nil {
		n.wg.Add(1)
		go func() { defer n.wg.Done(); n.watchCertificates(ctx, opts.Certs) }()
	}
	// Every node proposes the periodic rollup when it leads.
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		(&uplink.Ticker{Replica: n.Replica, Node: opts.NodeID, Every: opts.RollupEvery, Logger: n.log}).Run(ctx)
	}()
	if n.uplink != nil {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if err := n.uplink.Serve(n.uplinkLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				n.log.Error("uplink server", "err", err)
			}
		}()
	}
	if n.kiosk != nil {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if err := n.kiosk.Serve(n.kioskLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				n.log.Error("kiosk server", "err", err)
			}
		}()
	}
	n.faultMu.Lock()
	n.faultsLive = true
	n.raiseFaults(n.faults...)
	n.faults = nil
	n.faultMu.Unlock()
	n.log.Info("node started", "cluster", n.Replica.Addr(), "console", n.URL())
	return n, nil
}

// doorService is n.Doors for the observer, which raft may call before
// Start has built it (on log replay).
func (n *Node) doorService() *doors.Service {
	n.apiMu.Lock()
	defer n.apiMu.Unlock()
	return n.Doors
}

// apiServer is n.API for the observer, which raft may call before Start
// has built the API (on log replay).
func (n *Node) apiServer() *api.Server {
	n.apiMu.Lock()
	defer n.apiMu.Unlock()
	return n.API
}

// listen returns ln, or a new listener on addr, wrapped in TLS when cfg is set.
func listen(ln net.Listener, addr string, cfg *tls.Config) (net.Listener, error) {
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return nil, err
		}
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	return ln, nil
}

// newHTTPServer bounds what one client can hold: slow or endless headers,
// huge headers, idle connections. Failed TLS handshakes and malformed
// requests are logged by net/http through the error log.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// URL is the console's address.
func (n *Node) URL() string { return n.scheme(n.opts.ConsoleTLS) + n.httpLn.Addr().String() + "/" }

// KioskURL is the kiosk listener's address, or "" without one.
func (n *Node) KioskURL() string {
	if n.kioskLn == nil {
		return ""
	}
	return n.scheme(n.opts.KioskTLS) + n.kioskLn.Addr().String() + "/"
}

// UplinkURL is the base URL headquarters pulls from ("" when the node
// serves no uplink): https://host:port, as central's hq.yaml wants it.
func (n *Node) UplinkURL() string {
	if n.uplinkLn == nil {
		return ""
	}
	return "https://" + n.uplinkLn.Addr().String()
}

func (n *Node) scheme(cfg *tls.Config) string {
	if cfg != nil {
		return "https://"
	}
	return "http://"
}

// Close stops the node. Order: devices and rules first (they raise alarms),
// then the console (its streams read the alarm bus), then the replica (the
// alarm core proposes into it), then the alarm outbox.
func (n *Node) Close() error {
	var errs []error
	n.once.Do(func() {
		if n.cancel != nil {
			n.cancel()
		}
		if n.API != nil {
			n.API.Close()
		}
		for _, srv := range []*http.Server{n.http, n.kiosk, n.uplink} {
			if srv != nil {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				errs = append(errs, srv.Shutdown(ctx))
				cancel()
			}
		}
		// Shutdown closes only listeners it served; Start may have
		// failed before serving.
		for _, ln := range []net.Listener{n.httpLn, n.kioskLn, n.uplinkLn} {
			if ln != nil {
				_ = ln.Close()
			}
		}
		n.wg.Wait()
		if n.Replica != nil {
			errs = append(errs, n.Replica.Close())
		}
		if n.Alarms != nil {
			errs = append(errs, n.Alarms.Close())
		}
	})
	return errors.Join(errs...)
}

// startSimulatedDevices runs, for each simulated door contact this node
// owns, the simulator, the contact driver and the held-open rule.
func (n *Node) startSimulatedDevices(ctx context.Context) {
	f := n.opts.Facility
	watch := &doorwatch.Watch{Zones: map[string]string{}, Raiser: n.Alarms}
	obs := make(chan contact.Observation, 64)
	journal := make(chan contact.Observation, 256)
	started := 0
	ofDoor := map[string]bool{} // contacts of supervised doors: their traffic is simulated by door
	for _, d := range f.Doors {
		ofDoor[d.Contact] = true
	}
	for i, d := range f.DevicesOf(n.opts.NodeID) {
		if d.Kind != facility.DeviceDoorContact || !d.Transport.Simulated || ofDoor[d.ID] {
			continue
		}
		if len(d.Zones) > 0 {
			watch.Zones[d.ID] = d.Zones[0]
		}
		sc := n.opts.DoorScenario
		if sc.MeanClosed == 0 {
			sc = door.Demo
		}
		sc.Seed = uint64(i + 1)
		sim := door.New(sc)
		drv := &contact.Contact{Device: d.ID, Line: sim}
		n.wg.Add(2)
		go func() { defer n.wg.Done(); sim.Run(ctx) }()
		go func() {
			defer n.wg.Done()
			err := drv.Run(ctx, func(o contact.Observation) {
				n.log.Debug("door", "device", o.Device, "open", o.Open)
				select {
				case obs <- o:
				case <-ctx.Done():
				}
				select {
				case journal <- o:
				default: // the journal is behind; the alarm path above is not
				}
			})
			if err != nil && ctx.Err() == nil {
				n.log.Error("door contact stopped", "device", d.ID, "err", err)
			}
		}()
		started++
	}
	if started == 0 {
		return
	}
	n.wg.Add(2)
	go func() { defer n.wg.Done(); watch.Run(ctx, obs, n.opts.Now) }()
	go func() { defer n.wg.Done(); n.recordDoors(ctx, journal, watch.Zones) }()
	n.log.Info("simulated door contacts running", "count", started)
}

func nodeIDs(f *facility.Facility) string {
	s := ""
	for i, n := range f.Nodes {
		if i > 0 {
			s += ", "
		}
		s += n.ID
	}
	return s
}

// recordDoors journals door transitions as event.record commands. Without a
// quorum a transition is dropped (counted in the log): the journal is
// information, not an alarm, and the held-open rule runs locally anyway.
func (n *Node) recordDoors(ctx context.Context, in <-chan contact.Observation, zones map[string]string) {
	for {
		select {
		case o := <-in:
			kind := "door.closed"
			if o.Open {
				kind = "door.opened"
			}
			c, err := eventlog.Command(eventlog.Event{Kind: kind, Device: o.Device, Zone: zones[o.Device]}, o.Device)
			if err != nil {
				continue
			}
			c.Time = o.At
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			if _, err := n.Replica.Propose(pctx, c); err != nil && ctx.Err() == nil {
				n.log.Warn("door event not journaled", "device", o.Device, "event", kind, "err", err)
			}
			cancel()
		case <-ctx.Done():
			return
		}
	}
}
