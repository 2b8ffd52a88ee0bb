package alarm

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	descOpen = prometheus.NewDesc("palisade_alarms_open",
		"Open alarms on this node's state, by state and priority.", []string{"state", "priority"}, nil)
	descPending = prometheus.NewDesc("palisade_alarms_not_replicated",
		"Alarms this node raised and keeps locally until the quorum returns.", nil, nil)
)

// Collector exposes the alarm core to Prometheus, read at scrape time.
func (s *Service) Collector() prometheus.Collector { return collector{s} }

type collector struct{ s *Service }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descOpen
	ch <- descPending
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	if c.s.rep == nil {
		return
	}
	list, err := c.s.List(context.Background(), Filter{OpenOnly: true, Limit: 1 << 20})
	if err != nil {
		return
	}
	counts := map[[2]string]int{}
	pending := 0
	for _, a := range list {
		if a.NotReplicated {
			pending++
			continue
		}
		counts[[2]string{string(a.State), strconv.Itoa(int(a.Priority))}]++
	}
	for _, st := range []State{Raised, Acknowledged} {
		for p := 1; p <= 4; p++ {
			k := [2]string{string(st), strconv.Itoa(p)}
			ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(counts[k]), k[0], k[1])
		}
	}
	ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(pending))
}
