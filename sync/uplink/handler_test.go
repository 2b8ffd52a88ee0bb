package uplink_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/audit"
	"github.com/palisade/palisade/sync/uplink"
	"github.com/palisade/palisade/sync/uplink/uplinktest"
)

func client(cert tls.Certificate, roots *x509.CertPool) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: pki.ClientConfig(cert, roots, nil, pki.RoleNode)}}
}

func get(t testing.TB, c *http.Client, url string) (int, []byte, error) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func TestHandlerServesPagesCheckpointsAndProofsToHQOnly(t *testing.T) {
	start := dayStart()
	f := newFacility(t, "s.db", uplink.Feed{})
	cs := uplinktest.Span(start, 2*time.Hour, testDay, 5)
	if _, err := f.Apply(cs[:len(cs)/2], 64); err != nil {
		t.Fatal(err)
	}
	first, err := f.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Apply(cs[len(cs)/2:], 64); err != nil {
		t.Fatal(err)
	}
	second, err := f.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	srv := uplinktest.Serve(t, f.Handler(), f.Cert, f.CA.Pool())
	hq, err := f.CA.Issue(pki.RoleCentral, "hq", nil, start, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := client(hq, f.CA.Pool())

	code, body, err := get(t, c, srv.URL()+uplink.PathRecords+fmt.Sprintf("?after=3&limit=50&from=%d", first.Size))
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET: %d %v %s", code, err, body)
	}
	p, err := uplink.ParsePage(body, 50)
	if err != nil {
		t.Fatal(err)
	}
	if p.Facility != "north" || p.Node != "n1" || len(p.Records) != 50 || p.Records[0].Seq != 4 || p.Last < 100 {
		t.Fatalf("page %s/%s after %d: %d records from %d, last %d", p.Facility, p.Node, p.After, len(p.Records), p.Records[0].Seq, p.Last)
	}
	cp, err := audit.ParseSigned(p.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != second.Size || cp.Root != second.Root || p.Proof == nil || p.Proof.From != first.Size {
		t.Fatalf("checkpoint %v, proof %+v", cp, p.Proof)
	}
	if err := audit.VerifyConsistency(first.Size, cp.Size, first.Root, cp.Root, p.Proof.Hashes()); err != nil {
		t.Fatal(err)
	}

	// Bad requests get a reason.
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{uplink.PathRecords + "?after=-1", 400, "after"},
		{uplink.PathRecords + "?limit=x", 400, "limit"},
		{"/v1/uplink/other", 404, "no such path"},
	} {
		code, body, _ := get(t, c, srv.URL()+tc.path)
		if code != tc.code || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %s", tc.path, code, body)
		}
	}
	resp, err := c.Post(srv.URL()+uplink.PathRecords, "text/plain", nil)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %v %v", resp, err)
	}
	if resp != nil {
		resp.Body.Close()
	}

	// A console certificate of the facility, or a central one of another
	// CA, does not get through the TLS handshake.
	console, _ := f.CA.Issue(pki.RoleConsole, "desk", nil, start, 30*24*time.Hour)
	other, _ := pki.NewCA("south", start)
	foreign, _ := other.Issue(pki.RoleCentral, "hq", nil, start, 30*24*time.Hour)
	for name, cert := range map[string]tls.Certificate{"console": console, "other CA": foreign} {
		if code, _, err := get(t, client(cert, f.CA.Pool()), srv.URL()+uplink.PathRecords); err == nil {
			t.Errorf("%s certificate: %d, want a failed handshake", name, code)
		}
	}
	// On a listener that only asks for a certificate, the handler refuses
	// them itself.
	lax := uplinktest.ServeTLS(t, f.Handler(), &tls.Config{Certificates: []tls.Certificate{f.Cert}, ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS13})
	for name, tc := range map[string]struct {
		cert *tls.Certificate
		code int
	}{"console": {&console, 403}, "other CA": {&foreign, 403}, "none": {nil, 401}, "central": {&hq, 200}} {
		cfg := pki.ClientConfig(tls.Certificate{}, f.CA.Pool(), nil, pki.RoleNode)
		cfg.Certificates = nil
		if tc.cert != nil {
			cfg.Certificates = []tls.Certificate{*tc.cert}
		}
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
		code, body, err := get(t, hc, lax.URL()+uplink.PathRecords+"?limit=1")
		if err != nil || code != tc.code {
			t.Errorf("%s on a lax listener: %d %v %s", name, code, err, body)
		}
		if tc.code == 403 && !strings.Contains(string(body), "central") {
			t.Errorf("%s: refusal without a reason: %s", name, body)
		}
	}
}

func TestParsePageRefusesBadInput(t *testing.T) {
	good := `{"facility":"north","node":"n1","after":5,"last":7,"records":[` +
		`{"seq":6,"index":10,"time":"2025-01-01T00:00:00Z","kind":"rollup","body":{"since":0,"entries":10,"open":[{"raised":0,"acknowledged":0},{"raised":0,"acknowledged":0},{"raised":0,"acknowledged":0},{"raised":0,"acknowledged":0}],"raised":[0,0,0,0],"cluster":{"members":3,"leader":"n1"}}},` +
		`{"seq":7,"index":11,"time":"2025-01-01T00:00:00Z","kind":"future_kind","body":{"x":1}}]}`
	if _, err := uplink.ParsePage([]byte(good), 10); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		page string
		want error
	}{
		"garbage":         {`{"facility":`, uplink.ErrMalformed},
		"unknown field":   {`{"facility":"north","last":0,"records":[],"evil":1}`, uplink.ErrMalformed},
		"no facility":     {`{"facility":"","last":0,"records":[]}`, uplink.ErrMalformed},
		"backwards":       {strings.Replace(good, `"seq":7`, `"seq":6`, 1), uplink.ErrOrder},
		"before after":    {strings.Replace(good, `"after":5`, `"after":6`, 1), uplink.ErrOrder},
		"beyond last":     {strings.Replace(good, `"last":7`, `"last":6`, 1), uplink.ErrMalformed},
		"too many":        {good, uplink.ErrMalformed},
		"bad body":        {strings.Replace(good, `"members":3`, `"members":-3`, 1), uplink.ErrMalformed},
		"body not object": {strings.Replace(good, `{"x":1}`, `[1]`, 1), uplink.ErrMalformed},
		"bad kind":        {strings.Replace(good, `future_kind`, `Future Kind`, 1), uplink.ErrMalformed},
		"proof alone":     {strings.Replace(good, `"records"`, `"proof":{"from":1,"to":2,"path":[]},"records"`, 1), uplink.ErrMalformed},
	} {
		limit := 10
		if name == "too many" {
			limit = 1
		}
		if _, err := uplink.ParsePage([]byte(tc.page), limit); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

func FuzzParsePage(f *testing.F) {
	f.Add([]byte(`{"facility":"north","node":"n1","after":0,"last":1,"records":[{"seq":1,"index":1,"time":"2025-01-01T00:00:00Z","kind":"alarm","body":{"id":"a","event":"raised","kind":"fight","priority":1,"raised_priority":1,"state":"raised","count":1,"raised_at":"2025-01-01T00:00:00Z"}}]}`))
	f.Add([]byte(`{"facility":"north","node":"n1","after":0,"last":9,"records":[{"seq":9,"time":"2025-01-01T00:00:00Z","kind":"gap","body":{"from":1,"to":9,"summary":{"seq":9,"index":3,"time":"2025-01-01T00:00:00Z","open":null,"overrides":0}}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := uplink.ParsePage(b, 100)
		if err != nil {
			return
		}
		var s uplink.Summary
		for _, r := range p.Records {
			if _, err := uplink.ParseRecord(r.Marshal()); err != nil {
				t.Fatalf("a record of a valid page does not parse again: %v", err)
			}
			_ = s.Apply(r)
		}
	})
}
