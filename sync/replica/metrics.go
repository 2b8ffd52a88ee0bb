package replica

import (
	"context"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	applied        prometheus.Counter
	rejected       prometheus.Counter
	batchSize      prometheus.Histogram
	proposeSeconds prometheus.Histogram
	isLeader       prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, node string) *metrics {
	labels := prometheus.Labels{"node": node}
	m := &metrics{
		applied: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "palisade_replica_commands_applied_total", Help: "Commands applied to the state.", ConstLabels: labels}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "palisade_replica_commands_rejected_total", Help: "Commands the appliers refused.", ConstLabels: labels}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "palisade_replica_batch_commands", Help: "Commands per proposed log entry.", ConstLabels: labels,
			Buckets: prometheus.ExponentialBuckets(1, 4, 7)}),
		proposeSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "palisade_replica_propose_seconds", Help: "Time from proposal to commit and apply on the leader.", ConstLabels: labels,
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		isLeader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "palisade_replica_is_leader", Help: "1 while this node leads the cluster.", ConstLabels: labels}),
	}
	if reg != nil {
		reg.MustRegister(m.applied, m.rejected, m.batchSize, m.proposeSeconds, m.isLeader)
	}
	return m
}

// observe wraps the caller's observer to count applied commands.
func (m *metrics) observe(next func([]Applied)) func([]Applied) {
	return func(as []Applied) {
		for _, a := range as {
			if a.Err != nil {
				m.rejected.Inc()
			} else {
				m.applied.Inc()
			}
		}
		if next != nil {
			next(as)
		}
	}
}

func (r *Replica) runLeaderGauge(ctx context.Context) {
	defer r.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		v := 0.0
		if r.raft.State() == raft.Leader {
			v = 1
		}
		r.metrics.isLeader.Set(v)
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}
