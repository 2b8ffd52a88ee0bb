package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/replica"
)

func runNode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "facility file (YAML)")
	id := fs.String("node-id", "", "this node's id in the facility file")
	data := fs.String("data", "", "data directory (raft log, snapshots, state, outbox)")
	simulate := fs.Bool("simulate", false, "run firmware-sim devices for devices marked simulated")
	tlsDir := fs.String("tls-dir", "", "directory with ca.pem, this node's <node-id>.pem (cluster, mutual TLS), <node-id>-console.pem (console HTTPS) and, with a kiosk_addr, <node-id>-kiosk.pem, each with its -key.pem")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cfgPath == "" || *id == "" || *data == "" {
		fs.Usage()
		return errors.New("--config, --node-id and --data are required")
	}
	f, err := facility.Load(*cfgPath)
	if err != nil {
		return err
	}
	log := newLogger(stderr, *level)
	opts := node.Options{Facility: f, NodeID: *id, DataDir: *data, Simulate: *simulate, Logger: log}
	if *tlsDir != "" {
		pool, err := pki.LoadPool(*tlsDir)
		if err != nil {
			return err
		}
		// The node's certificate follows its files: renew it with
		// palisade ca issue and the node uses it without a restart.
		cert, err := pki.NewReloader(*tlsDir, *id)
		if err != nil {
			return err
		}
		opts.Tune = func(c *replica.Config) {
			c.ServerTLS, c.ClientTLS = pki.NodeTLSReloading(cert, pool)
		}
		opts.NodeCert = cert.Current
		opts.Roots = pool
		leaves := []func() *x509.Certificate{cert.Leaf}
		web := func(role pki.Role) (*tls.Config, error) {
			name := *id + "-" + string(role)
			r, err := pki.NewReloader(*tlsDir, name)
			if err != nil {
				return nil, fmt.Errorf("%w\nissue it with: palisade ca issue --dir CA-DIR --role %s --name %s --hosts <this node's address> --out %s", err, role, name, *tlsDir)
			}
			leaves = append(leaves, r.Leaf)
			return pki.WebServerConfig(r.Current), nil
		}
		if opts.ConsoleTLS, err = web(pki.RoleConsole); err != nil {
			return err
		}
		if me, _ := f.Node(*id); me.UplinkAddr != "" {
			opts.UplinkTLS = pki.ServerConfigReloading(cert, pool, nil, pki.RoleCentral)
		}
		if me, _ := f.Node(*id); me.KioskAddr != "" {
			if opts.KioskTLS, err = web(pki.RoleKiosk); err != nil {
				return err
			}
		}
		opts.Certs = func() []*x509.Certificate {
			var out []*x509.Certificate
			for _, l := range leaves {
				if c := l(); c != nil {
					out = append(out, c)
				}
			}
			return out
		}
	}
	n, err := node.Start(opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "node %s of %s: console %s\n", *id, f.Name, n.URL())
	if k := n.KioskURL(); k != "" {
		fmt.Fprintf(stdout, "node %s of %s: kiosks %s\n", *id, f.Name, k)
	}
	<-ctx.Done()
	return n.Close()
}

func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "facility file (YAML)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cfgPath == "" {
		return errors.New("--config is required")
	}
	f, err := facility.Load(*cfgPath)
	if err != nil {
		return err
	}
	zones := 0
	f.WalkZones(func(string, *facility.Zone) { zones++ })
	fmt.Fprintf(stdout, "%s: %s (%s): %d nodes, %d zones, %d people, %d devices, %d users — valid\n",
		*cfgPath, f.Name, f.Kind, len(f.Nodes), zones, len(f.People), len(f.Devices), len(f.Users))
	return nil
}
