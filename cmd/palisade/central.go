package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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
	s, err := central.New(cfg, central.Options{Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		_ = s.Close()
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "palisade central: %d facilities; dashboard at %s://%s/\n", len(cfg.Facilities), scheme, ln.Addr())

	var wg sync.WaitGroup
	serveErr := make(chan error, 1)
	wg.Add(2)
	go func() {
		defer wg.Done()
		var err error
		if cfg.TLSCert != "" {
			err = srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			err = srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			serveErr <- err
		}
	}()
	runCtx, stop := context.WithCancel(ctx)
	go func() { defer wg.Done(); s.Run(runCtx) }()

	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	// Order: stop answering (the API reads the store), then stop the
	// pullers (they write it), then close the store.
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	_ = srv.Shutdown(sctx)
	cancel()
	stop()
	wg.Wait()
	return errors.Join(err, s.Close())
}
