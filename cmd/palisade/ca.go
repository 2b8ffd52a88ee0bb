package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/palisade/palisade/edge/pki"
)

// runCA creates the facility CA and issues certificates from it:
//
//	palisade ca init  --dir DIR --facility ID
//	palisade ca issue --dir DIR --role node --name node-1 [--hosts 10.0.0.1,…] [--days 365] [--out DIR]
func runCA(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("ca: want init or issue")
	}
	fs := flag.NewFlagSet("ca "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "the CA's directory (ca.pem, ca-key.pem)")
	switch args[0] {
	case "init":
		facility := fs.String("facility", "", "facility id, for the CA's name")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *dir == "" || *facility == "" {
			return errors.New("ca init: --dir and --facility are required")
		}
		if _, err := os.Stat(*dir + "/" + pki.CAKeyFile); err == nil {
			return fmt.Errorf("ca init: %s already holds a CA; refusing to overwrite it", *dir)
		}
		if err := os.MkdirAll(*dir, 0o700); err != nil {
			return err
		}
		ca, err := pki.NewCA(*facility, time.Now())
		if err != nil {
			return err
		}
		if err := ca.Save(*dir); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "facility CA created in %s (valid until %s); keep %s off the nodes\n",
			*dir, ca.Cert.NotAfter.Format("2006-01-02"), pki.CAKeyFile)
		return nil
	case "issue":
		role := fs.String("role", "", "node, central, console or kiosk")
		name := fs.String("name", "", "holder name, e.g. node-1")
		hosts := fs.String("hosts", "", "comma-separated IP addresses and DNS names")
		days := fs.Int("days", 365, "validity in days")
		out := fs.String("out", "", "where to write <name>.pem and <name>-key.pem (default: --dir)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		r := pki.Role(*role)
		if r != pki.RoleNode && r != pki.RoleCentral && r != pki.RoleConsole && r != pki.RoleKiosk {
			return fmt.Errorf("ca issue: --role %q: want node, central, console or kiosk", *role)
		}
		if *dir == "" || *name == "" || *days < 1 {
			return errors.New("ca issue: --dir, --name and a positive --days are required")
		}
		ca, err := pki.LoadCA(*dir)
		if err != nil {
			return err
		}
		var hs []string
		if *hosts != "" {
			hs = strings.Split(*hosts, ",")
		}
		cert, err := ca.Issue(r, *name, hs, time.Now(), time.Duration(*days)*24*time.Hour)
		if err != nil {
			return err
		}
		if *out == "" {
			*out = *dir
		}
		if err := os.MkdirAll(*out, 0o700); err != nil {
			return err
		}
		if err := pki.SaveCert(*out, *name, cert); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s certificate for %s in %s (valid until %s)\n", r, *name, *out, cert.Leaf.NotAfter.Format("2006-01-02"))
		return nil
	}
	return fmt.Errorf("ca: unknown subcommand %q (want init or issue)", args[0])
}
