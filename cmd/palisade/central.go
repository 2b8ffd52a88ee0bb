package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/palisade/palisade/central"
)

// runCentral runs the provincial HQ service:
//
//	palisade central --config hq.yaml [--log-level info]
//
// It pulls every facility of hq.yaml and serves the dashboard, the API and
// /metrics on the configured listen address until interrupted.
func runCentral(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("central", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "HQ configuration (YAML): facilities, their node URLs, CA and HQ certificates")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cfgPath == "" {
		fs.Usage()
		return errors.New("--config is required")
	}
	cfg, err := central.Load(*cfgPath)
	if err != nil {
		return err
	}
	log := newLogger(stderr, *level)
	hq, err := startHQ(ctx, cfg, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "palisade central: %d facilities; dashboard at %s\n", len(cfg.Facilities), hq.url)
	select {
	case <-ctx.Done():
	case err = <-hq.serveErr:
	}
	return errors.Join(err, hq.Close())
}

// hqServer is HQ running: its pullers and its dashboard's HTTP server.
type hqServer struct {
	s        *central.Service
	srv      *http.Server
	url      string
	stop     context.CancelFunc
	wg       sync.WaitGroup
	serveErr chan error
}

// startHQ starts HQ's pullers and serves its dashboard, the API and
// /metrics on cfg.Listen. Close stops it.
func startHQ(ctx context.Context, cfg *central.Config, log *slog.Logger) (*hqServer, error) {
	s, err := central.New(cfg, central.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	h := &hqServer{s: s, serveErr: make(chan error, 1), srv: &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	h.url = scheme + "://" + ln.Addr().String() + "/"
	runCtx, stop := context.WithCancel(ctx)
	h.stop = stop
	h.wg.Add(2)
	go func() {
		defer h.wg.Done()
		var err error
		if cfg.TLSCert != "" {
			err = h.srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			err = h.srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			h.serveErr <- err
		}
	}()
	go func() { defer h.wg.Done(); s.Run(runCtx) }()
	return h, nil
}

// Close stops answering (the API reads the store), then the pullers (they
// write it), then closes the store.
func (h *hqServer) Close() error {
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	_ = h.srv.Shutdown(sctx)
	cancel()
	h.stop()
	h.wg.Wait()
	return h.s.Close()
}
