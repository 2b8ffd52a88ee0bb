package central

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/palisade/palisade/sync/uplink"
)

// Options are a Service's dependencies.
type Options struct {
	Logger *slog.Logger
	Clock  Clock // pull timing and dark detection; default the system clock
	// Registry receives the metrics (default a new one, with the Go and
	// process collectors); Handler serves it at /metrics.
	Registry *prometheus.Registry
}

// Service is HQ: one puller per facility, the store, the API.
//
// Lifecycle: New opens the store and reads every facility's credentials;
// Run pulls until its context ends and returns once every puller stopped;
// Close closes the store after Run returned.
type Service struct {
	cfg     *Config
	store   *Store
	pullers []*puller
	byID    map[string]*puller
	reg     *prometheus.Registry
	log     *slog.Logger
	clock   Clock

	running sync.Mutex // held by Run
}

// New builds HQ from its configuration.
func New(cfg *Config, o Options) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = uplink.SystemClock{}
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
		o.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("central: data directory: %w", err)
	}
	s := &Service{cfg: cfg, byID: map[string]*puller{}, reg: o.Registry, log: o.Logger.With("component", "central"), clock: o.Clock}
	var err error
	if s.store, err = OpenStore(filepath.Join(cfg.Data, "hq.db")); err != nil {
		return nil, err
	}
	m := newMetrics(s.reg, s.store)
	now := s.clock.Now()
	for _, f := range cfg.Facilities {
		// Certificates are checked against the real clock, as TLS does.
		cred, err := loadCredentials(f, time.Now())
		if err != nil {
			s.store.Close()
			return nil, err
		}
		p := &puller{fac: f, cfg: cfg, fetch: newFetcher(f, cred, cfg), witness: witness{origin: f.ID, roots: cred.roots},
			store: s.store, clock: s.clock, log: s.log.With("facility", f.ID), m: m}
		if err := p.load(now); err != nil {
			s.store.Close()
			return nil, fmt.Errorf("central: facility %s: %w", f.ID, err)
		}
		s.pullers = append(s.pullers, p)
		s.byID[f.ID] = p
	}
	return s, nil
}

// Run pulls every facility until ctx ends, and returns once every puller
// has stopped.
func (s *Service) Run(ctx context.Context) {
	s.running.Lock()
	defer s.running.Unlock()
	var wg sync.WaitGroup
	for _, p := range s.pullers {
		wg.Add(1)
		go func() { defer wg.Done(); p.run(ctx) }()
	}
	s.log.Info("HQ pulling", "facilities", len(s.pullers))
	wg.Wait()
}

// Close closes the store. Call it after Run returned.
func (s *Service) Close() error {
	s.running.Lock() // wait for Run
	defer s.running.Unlock()
	return s.store.Close()
}

// Store is HQ's store (read it; the pullers write it).
func (s *Service) Store() *Store { return s.store }

// Registry is where the metrics are.
func (s *Service) Registry() *prometheus.Registry { return s.reg }

// FacilityView is one facility as the dashboard lists it.
type FacilityView struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"` // ok, dark, alarm (an open HQ alarm), waiting (never reached)

	LastContact time.Time `json:"last_contact,omitzero"`
	Node        string    `json:"node,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	Cursor      uint64    `json:"cursor"`
	Backlog     uint64    `json:"backlog"`

	OpenAlarms     []uplink.Alarm      `json:"open_alarms"` // open priority 1–2 alarms at the facility
	MoreOpen       int                 `json:"more_open,omitempty"`
	Open           [4]uplink.OpenCount `json:"open_by_priority"`
	Headcount      *uplink.Headcount   `json:"headcount,omitempty"`
	HeadcountAt    time.Time           `json:"headcount_at,omitzero"`
	DevicesKnown   bool                `json:"devices_known"`
	DevicesOffline []string            `json:"devices_offline"`
	Cluster        uplink.Cluster      `json:"cluster"`
	RollupAt       time.Time           `json:"rollup_at,omitzero"`
	Overrides      int                 `json:"overrides"`

	Witness  *WitnessView `json:"witness,omitempty"`
	HQAlarms []Alarm      `json:"hq_alarms"` // open
}

// WitnessView is the last audit checkpoint HQ verified.
type WitnessView struct {
	Size   uint64    `json:"size"`
	Root   []byte    `json:"root"`
	Signer string    `json:"signer"`
	Time   time.Time `json:"time"`
}

// Facilities returns every configured facility's view, in configuration
// order.
func (s *Service) Facilities() ([]FacilityView, error) {
	out := make([]FacilityView, 0, len(s.pullers))
	for _, p := range s.pullers {
		v, err := s.view(p)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) view(p *puller) (FacilityView, error) {
	st, err := s.store.Facility(p.fac.ID)
	if err != nil {
		return FacilityView{}, err
	}
	alarms, err := s.store.Alarms(p.fac.ID, true)
	if err != nil {
		return FacilityView{}, err
	}
	ps := p.snapshot()
	v := FacilityView{
		ID: p.fac.ID, Name: p.fac.Name, LastContact: st.Contact.At, Node: st.Contact.Node, LastError: ps.LastError,
		Cursor: st.Cursor, OpenAlarms: st.Summary.Open, MoreOpen: st.Summary.Dropped,
		Headcount: st.Summary.Headcount, HeadcountAt: st.Summary.HeadcountAt, RollupAt: st.Summary.RollupAt,
		Overrides: st.Summary.Overrides, HQAlarms: alarms, DevicesOffline: []string{},
	}
	if st.Last > st.Cursor {
		v.Backlog = st.Last - st.Cursor
	}
	if v.OpenAlarms == nil {
		v.OpenAlarms = []uplink.Alarm{}
	}
	if v.HQAlarms == nil {
		v.HQAlarms = []Alarm{}
	}
	if r := st.Summary.Rollup; r != nil {
		v.Open, v.Cluster = r.Open, r.Cluster
		if r.Devices != nil {
			v.DevicesKnown, v.DevicesOffline = true, r.Devices.Offline
		}
	}
	if cp := st.Checkpoint; cp != nil {
		v.Witness = &WitnessView{Size: cp.Size, Root: cp.Root[:], Signer: cp.Signer, Time: cp.Time}
	}
	switch {
	case ps.Dark:
		v.Status = "dark"
	case len(alarms) > 0:
		v.Status = "alarm"
	case st.Contact.At.IsZero():
		v.Status = "waiting"
	default:
		v.Status = "ok"
	}
	return v, nil
}

// FacilityDetail is the drill-down into one facility.
type FacilityDetail struct {
	FacilityView
	Nodes    []string        `json:"nodes"`
	Received uint64          `json:"received"`
	Dups     uint64          `json:"duplicates"`
	Rollup   *uplink.Rollup  `json:"rollup,omitempty"`
	Recent   []uplink.Record `json:"recent"` // newest first
	History  []Alarm         `json:"hq_alarm_history"`
}

// Facility returns the drill-down of facility id.
func (s *Service) Facility(id string, recent int) (FacilityDetail, error) {
	p, ok := s.byID[id]
	if !ok {
		return FacilityDetail{}, fmt.Errorf("%w facility %q", ErrUnknown, id)
	}
	v, err := s.view(p)
	if err != nil {
		return FacilityDetail{}, err
	}
	st, err := s.store.Facility(id)
	if err != nil {
		return FacilityDetail{}, err
	}
	d := FacilityDetail{FacilityView: v, Nodes: p.fac.Nodes, Received: st.Received, Dups: st.Duplicates, Rollup: st.Summary.Rollup}
	if d.Recent, err = s.store.Recent(id, recent); err != nil {
		return d, err
	}
	all, err := s.store.Alarms(id, false)
	for _, a := range all {
		if !a.Open {
			d.History = append(d.History, a)
		}
	}
	if d.Recent == nil {
		d.Recent = []uplink.Record{}
	}
	return d, err
}

// ResolveAlarm closes an HQ alarm on behalf of by.
func (s *Service) ResolveAlarm(id, by string) error {
	closed, err := s.store.Resolve(id, by, s.clock.Now())
	if err != nil {
		return err
	}
	if !closed {
		return fmt.Errorf("%w open alarm %q", ErrUnknown, id)
	}
	s.log.Info("HQ alarm resolved", "alarm", id, "by", by)
	return nil
}
