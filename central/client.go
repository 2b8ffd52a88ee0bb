package central

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/uplink"
)

// fetcher asks one facility's nodes for pages, over mutual TLS with HQ's
// central certificate of that facility's CA; it accepts only servers
// holding a node certificate of the same CA.
type fetcher struct {
	facility   string
	client     *http.Client
	transport  *http.Transport
	maxRecords int
	maxBytes   int
}

func newFetcher(f Facility, cred credentials, cfg *Config) *fetcher {
	tr := &http.Transport{
		// TLS validity is checked against the real clock, never a test's.
		TLSClientConfig:       pki.ClientConfig(cred.cert, cred.roots, nil, pki.RoleNode),
		ForceAttemptHTTP2:     false,
		MaxIdleConnsPerHost:   1,
		IdleConnTimeout:       2 * cfg.PullEvery,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	return &fetcher{facility: f.ID, transport: tr, client: &http.Client{Transport: tr, Timeout: cfg.Timeout},
		maxRecords: cfg.PageRecords, maxBytes: cfg.PageBytes}
}

// maxResponse bounds a page: its records, a gap record's summary, the
// checkpoint (with its certificate) and the proof.
func (f *fetcher) maxResponse() int64 {
	return int64(f.maxBytes) + uplink.MaxGapBytes + 64<<10
}

// fetch asks node for the records after after, with a consistency proof
// from the checkpoint of size from (0: none witnessed yet).
func (f *fetcher) fetch(ctx context.Context, node string, after, from uint64) (uplink.Page, int, error) {
	q := url.Values{}
	q.Set("after", strconv.FormatUint(after, 10))
	q.Set("limit", strconv.Itoa(f.maxRecords))
	q.Set("max_bytes", strconv.Itoa(f.maxBytes))
	if from > 0 {
		q.Set("from", strconv.FormatUint(from, 10))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, node+uplink.PathRecords+"?"+q.Encode(), nil)
	if err != nil {
		return uplink.Page{}, 0, fmt.Errorf("%w: %s: %v", ErrMalformed, node, err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		if errors.Is(err, pki.ErrRole) || errors.Is(err, pki.ErrUntrusted) || errors.Is(err, pki.ErrNoIdent) {
			return uplink.Page{}, 0, fmt.Errorf("%w: %s: %v", ErrCertificate, node, err)
		}
		// A TLS alert from the node (crypto/tls does not export its type):
		// the node refused HQ's certificate.
		if strings.Contains(err.Error(), "remote error: tls:") {
			return uplink.Page{}, 0, fmt.Errorf("%w: %s refused HQ's certificate in the handshake: %v", ErrRefused, node, err)
		}
		return uplink.Page{}, 0, fmt.Errorf("%w: %s: %v", ErrTransport, node, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		reason, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		msg := fmt.Sprintf("%s answered %s: %s", node, resp.Status, strings.TrimSpace(string(reason)))
		switch {
		case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests:
			return uplink.Page{}, 0, fmt.Errorf("%w: %s", ErrTransport, msg)
		default:
			return uplink.Page{}, 0, fmt.Errorf("%w: %s", ErrRefused, msg)
		}
	}
	limit := f.maxResponse()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return uplink.Page{}, 0, fmt.Errorf("%w: %s: reading the page: %v", ErrTransport, node, err)
	}
	if int64(len(body)) > limit {
		return uplink.Page{}, len(body), fmt.Errorf("%w: %s sent more than %d bytes (asked for %d bytes of records)", ErrOversized, node, limit, f.maxBytes)
	}
	p, err := uplink.ParsePage(body, f.maxRecords+1) // +1: a gap record before a full page
	switch {
	case errors.Is(err, uplink.ErrOrder):
		return p, len(body), fmt.Errorf("%w: %s: %v", ErrBackwards, node, err)
	case err != nil:
		return p, len(body), fmt.Errorf("%w: %s: %v", ErrMalformed, node, err)
	case p.Facility != f.facility:
		return p, len(body), fmt.Errorf("%w: %s answered for facility %q, not %q", ErrMalformed, node, p.Facility, f.facility)
	case p.After != after:
		return p, len(body), fmt.Errorf("%w: %s answered after %d, asked after %d", ErrMalformed, node, p.After, after)
	case p.Last < after:
		return p, len(body), fmt.Errorf("%w: %s holds records up to %d, HQ has up to %d", ErrBehind, node, p.Last, after)
	}
	return p, len(body), nil
}

func (f *fetcher) close() { f.transport.CloseIdleConnections() }
