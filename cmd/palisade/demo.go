package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/palisade/palisade/central"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/examples"
)

// runDemo starts the embedded example facility: three nodes in this
// process, each with its own data directory, cluster port and console, and
// the simulated devices they own.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory (default: a fresh temporary one, removed at exit)")
	free := fs.Bool("free-ports", false, "listen on free ports instead of the facility file's")
	level := fs.String("log-level", "error", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := facility.Parse("examples/facility.yaml", examples.Facility)
	if err != nil {
		return fmt.Errorf("embedded facility: %w", err)
	}
	keep := *data != ""
	if !keep {
		dir, err := os.MkdirTemp("", "palisade-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*data = dir
	}
	log, logLevel := newLoggerVar(stderr, *level)

	// The demo is its own facility CA: the nodes talk mutual TLS with node
	// certificates issued now (palisade ca init/issue for real sites comes
	// with the trust issue).
	// A demo run again on the same --data keeps its CA, so the checkpoints
	// of the earlier run still verify.
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return err
	}
	ca, err := pki.LoadCA(*data)
	if errors.Is(err, os.ErrNotExist) {
		if ca, err = pki.NewCA(f.ID, time.Now()); err == nil {
			err = ca.Save(*data) // for palisade audit verify --ca
		}
	}
	if err != nil {
		return err
	}
	nodes, err := node.StartFacility(f, node.FacilityOptions{
		DataDir: *data, FreePorts: *free, Simulate: true, CA: ca, RollupEvery: time.Minute,
		Logger: func(string) *slog.Logger { return log },
	})
	if err != nil {
		return err
	}
	defer node.StopFacility(nodes)
	// Headquarters, pulling the facility's summaries over mutual TLS with
	// a central certificate of the facility CA, as a province runs it.
	hq, err := startDemoHQ(ctx, f, ca, nodes, *data, *free, log)
	if err != nil {
		return fmt.Errorf("headquarters: %w", err)
	}
	defer hq.Close()
	fmt.Fprintf(stdout, "\nPalisade demo — %s, %d nodes replicating with raft\n\n", f.Name, len(nodes))
	for _, n := range nodes {
		fmt.Fprintf(stdout, "  console of %-7s %s\n", n.Replica.ID(), n.URL())
	}
	for _, n := range nodes {
		if k := n.KioskURL(); k != "" {
			fmt.Fprintf(stdout, "  kiosks of  %-7s %s\n", n.Replica.ID(), k)
		}
	}
	fmt.Fprintf(stdout, "  headquarters     %s  (the province's dashboard, hq / demo-hq: pulls this facility every 10 s)\n", hq.url)
	fmt.Fprintf(stdout, "\n  HTTPS from the demo's own facility CA: your browser warns once per address, since it\n")
	fmt.Fprintf(stdout, "  does not know that CA — accept it, or import %s into the browser\n",
		filepath.Join(*data, pki.CAFile))
	fmt.Fprintf(stdout, "\n  log in as officer / demo-officer  (also super / demo-super, admin / demo-admin)\n")
	fmt.Fprintf(stdout, "  simulated doors open now and then; one left open raises a \"door held open\" alarm after 30 s\n")
	fmt.Fprintf(stdout, "  vehicles arrive at the sally port every minute or so and wait for you: open the Sally port\n")
	fmt.Fprintf(stdout, "  screen and walk them through (one laundry truck carries a hidden person)\n")
	fmt.Fprintf(stdout, "  simulated cameras (RTSP on loopback): someone crosses the sally port's line, lingers in the\n")
	fmt.Fprintf(stdout, "  corridor, climbs into the yard's sterile zone — alarms with a snapshot and a clip to play\n")
	fmt.Fprintf(stdout, "  security rounds start now: check House Block A's cells on the Rounds screen (A-111 is on\n")
	fmt.Fprintf(stdout, "  watch: every 15 min) or they go overdue; an officer's badge at B block's cell doors checks those.\n")
	fmt.Fprintf(stdout, "  Headcounts run at %s (Headcount screen; super starts one on demand)\n", strings.Join(f.Headcount.Times, ", "))
	if keep {
		fmt.Fprintf(stdout, "  after Ctrl-C, check the audit log: palisade audit verify --data %s --ca %s\n",
			filepath.Join(*data, nodes[0].Replica.ID()), *data)
	}
	fmt.Fprintf(stdout, "  data in %s — press Ctrl-C to stop\n\n", *data)
	<-ctx.Done()
	fmt.Fprintln(stdout, "stopping…")
	// The nodes stop one after another; the last ones complain, at error
	// level, that their peers are gone. That is the demo ending, not news.
	if logLevel.Level() < slog.LevelError+4 {
		logLevel.Set(slog.LevelError + 4)
	}
	return nil
}

// startDemoHQ runs central for the demo's facility: HQ's certificate
// issued by the demo CA (role central), the CA and HQ's files under
// <data>/hq, every node's uplink as a source.
func startDemoHQ(ctx context.Context, f *facility.Facility, ca *pki.CA, nodes []*node.Node, data string, free bool, log *slog.Logger) (*hqServer, error) {
	dir := filepath.Join(data, "hq")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cert, err := ca.Issue(pki.RoleCentral, "hq", nil, time.Now(), 90*24*time.Hour)
	if err != nil {
		return nil, err
	}
	if err := pki.SaveCert(dir, "hq", cert); err != nil {
		return nil, err
	}
	cfg := central.Default()
	cfg.Data = dir
	if free {
		cfg.Listen = "127.0.0.1:0"
	}
	cfg.DarkAfter = time.Minute
	hash, err := bcrypt.GenerateFromPassword([]byte("demo-hq"), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	cfg.Analysts = []central.Analyst{{Name: "hq", PasswordHash: string(hash)}}
	fc := central.Facility{ID: f.ID, Name: f.Name, CA: filepath.Join(data, pki.CAFile),
		Cert: filepath.Join(dir, pki.CertFile("hq")), Key: filepath.Join(dir, pki.KeyFile("hq"))}
	for _, n := range nodes {
		if u := n.UplinkURL(); u != "" {
			fc.Nodes = append(fc.Nodes, u)
		}
	}
	cfg.Facilities = []central.Facility{fc}
	return startHQ(ctx, &cfg, log)
}
