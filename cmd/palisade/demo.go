package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"

	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/examples"
	"github.com/palisade/palisade/sync/replica"
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
	if *data == "" {
		dir, err := os.MkdirTemp("", "palisade-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*data = dir
	}
	log := newLogger(stderr, *level)

	cluster := make([]net.Listener, len(f.Nodes))
	consoles := make([]net.Listener, len(f.Nodes))
	var peers []replica.Peer
	for i, nd := range f.Nodes {
		ca, ha := nd.RaftAddr, nd.HTTPAddr
		if *free {
			ca, ha = "127.0.0.1:0", "127.0.0.1:0"
		}
		if cluster[i], err = net.Listen("tcp", ca); err != nil {
			return fmt.Errorf("node %s cluster port %s: %w (is another demo running? try --free-ports)", nd.ID, ca, err)
		}
		if consoles[i], err = net.Listen("tcp", ha); err != nil {
			return fmt.Errorf("node %s console port %s: %w (is another demo running? try --free-ports)", nd.ID, ha, err)
		}
		peers = append(peers, replica.Peer{ID: nd.ID, Addr: cluster[i].Addr().String()})
	}
	var nodes []*node.Node
	defer func() {
		for _, n := range nodes {
			n.Close()
		}
	}()
	for i, nd := range f.Nodes {
		n, err := node.Start(node.Options{
			Facility: f, NodeID: nd.ID, DataDir: filepath.Join(*data, nd.ID),
			ClusterListener: cluster[i], HTTPListener: consoles[i], Peers: peers,
			Simulate: true, Logger: log,
		})
		if err != nil {
			return err
		}
		nodes = append(nodes, n)
	}
	fmt.Fprintf(stdout, "\nPalisade demo — %s, %d nodes replicating with raft\n\n", f.Name, len(nodes))
	for _, n := range nodes {
		fmt.Fprintf(stdout, "  console of %-7s %s\n", n.Replica.ID(), n.URL())
	}
	fmt.Fprintf(stdout, "\n  log in as officer / demo-officer  (also super / demo-super, admin / demo-admin)\n")
	fmt.Fprintf(stdout, "  simulated doors open now and then; one left open raises a \"door held open\" alarm after 30 s\n")
	fmt.Fprintf(stdout, "  data in %s — press Ctrl-C to stop\n\n", *data)
	<-ctx.Done()
	fmt.Fprintln(stdout, "stopping…")
	return nil
}
