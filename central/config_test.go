package central

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/pki"
)

const goodYAML = `listen: 127.0.0.1:9000
pull_every: 15s
dark_after: 10m
facilities:
  - id: north
    name: North Prison
    nodes: [https://10.0.0.1:7443, https://10.0.0.2:7443/]
    ca: north/ca.pem
    cert: north/hq.pem
    key: north/hq-key.pem
`

func TestConfigFileStrictWithLinesAndDefaults(t *testing.T) {
	c, err := Parse("/etc/hq/hq.yaml", []byte(goodYAML))
	if err != nil {
		t.Fatal(err)
	}
	f := c.Facilities[0]
	if c.PullEvery != 15*time.Second || c.DarkAfter != 10*time.Minute || c.BackoffMax != time.Minute || c.PageRecords != 1000 ||
		c.Data != "/etc/hq" || f.CA != "/etc/hq/north/ca.pem" || f.Nodes[1] != "https://10.0.0.2:7443" {
		t.Fatalf("config %+v", c)
	}
	for name, tc := range map[string]struct{ yaml, want string }{
		"unknown key":   {strings.Replace(goodYAML, "pull_every", "pull_evry", 1), "line 2: field pull_evry not found"},
		"bad duration":  {strings.Replace(goodYAML, "15s", "fifteen", 1), "hq.yaml: line 2"},
		"missing key":   {strings.Replace(goodYAML, "    key: north/hq-key.pem\n", "", 1), "hq.yaml:5: facilities[0].key: required"},
		"plain http":    {strings.Replace(goodYAML, "https://10.0.0.1", "http://10.0.0.1", 1), "hq.yaml:7: facilities[0].nodes[0]"},
		"bad id":        {strings.Replace(goodYAML, "id: north", "id: North Prison", 1), "hq.yaml:5: facilities[0].id"},
		"dark too soon": {strings.Replace(goodYAML, "dark_after: 10m", "dark_after: 5s", 1), "hq.yaml:3: dark_after"},
		"no facilities": {"listen: x:1\n", "facilities: at least one"},
	} {
		_, err := Parse("hq.yaml", []byte(tc.yaml))
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v\nwant %q", name, err, tc.want)
		}
	}
}

func TestAWrongHQCertificateIsAConfigurationError(t *testing.T) {
	dir := t.TempDir()
	ca, _ := pki.NewCA("north", time.Now())
	other, _ := pki.NewCA("south", time.Now())
	_ = ca.Save(dir)
	node, _ := ca.Issue(pki.RoleNode, "hq", nil, time.Now(), time.Hour)
	foreign, _ := other.Issue(pki.RoleCentral, "hq", nil, time.Now(), time.Hour)
	_ = pki.SaveCert(dir, "node", node)
	_ = pki.SaveCert(dir, "foreign", foreign)
	for name, want := range map[string]string{"node": "role", "foreign": "not signed by the facility CA"} {
		f := Facility{ID: "north", CA: filepath.Join(dir, pki.CAFile), Cert: filepath.Join(dir, name+".pem"), Key: filepath.Join(dir, name+"-key.pem")}
		if _, err := loadCredentials(f, time.Now()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s certificate: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "node.pem")); err != nil {
		t.Fatal(err)
	}
}
