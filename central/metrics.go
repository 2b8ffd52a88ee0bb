package central

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are what an operator of HQ graphs.
type metrics struct {
	pulls    *prometheus.CounterVec // facility, result
	records  *prometheus.CounterVec // facility
	dups     *prometheus.CounterVec // facility
	bytes    *prometheus.CounterVec // facility
	duration prometheus.Histogram
	contact  *prometheus.GaugeVec // facility
	backlog  *prometheus.GaugeVec // facility
	witness  *prometheus.GaugeVec // facility
}

// Pull results, the result label of palisade_hq_pulls_total.
const (
	resultOK        = "ok"
	resultTransport = "transport"
	resultBehind    = "behind"
	resultRejected  = "rejected"
)

func newMetrics(reg prometheus.Registerer, store *Store) *metrics {
	f := []string{"facility"}
	m := &metrics{
		pulls:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "palisade_hq_pulls_total", Help: "Pull attempts of one node, by facility and result (ok, transport, behind, rejected)."}, []string{"facility", "result"}),
		records:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "palisade_hq_records_total", Help: "Summary records stored, by facility."}, f),
		dups:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "palisade_hq_duplicate_records_total", Help: "Re-delivered records that were no-ops, by facility."}, f),
		bytes:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "palisade_hq_page_bytes_total", Help: "Bytes of pages received, by facility."}, f),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "palisade_hq_pull_seconds", Help: "Time of one successful pull: request, verification and durable commit.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 9)}),
		contact:  prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "palisade_hq_last_contact_timestamp_seconds", Help: "When a pull of the facility last succeeded (Unix time)."}, f),
		backlog:  prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "palisade_hq_backlog_records", Help: "Records the facility holds that HQ has not pulled yet."}, f),
		witness:  prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "palisade_hq_witnessed_audit_size", Help: "Size of the facility's last audit checkpoint HQ verified."}, f),
	}
	reg.MustRegister(m.pulls, m.records, m.dups, m.bytes, m.duration, m.contact, m.backlog, m.witness, alarmCollector{store})
	return m
}

// alarmCollector reports open HQ alarms by kind, read from the store at
// scrape time (a person resolves them through the API).
type alarmCollector struct{ s *Store }

var alarmsDesc = prometheus.NewDesc("palisade_hq_alarms_open", "Open HQ alarms, by kind.", []string{"kind"}, nil)

func (alarmCollector) Describe(ch chan<- *prometheus.Desc) { ch <- alarmsDesc }

func (c alarmCollector) Collect(ch chan<- prometheus.Metric) {
	open, err := c.s.Alarms("", true)
	if err != nil {
		return
	}
	n := map[string]int{AlarmDark: 0, AlarmWitness: 0, AlarmRejected: 0, AlarmRecordsLost: 0}
	for _, a := range open {
		n[a.Kind]++
	}
	for k, v := range n {
		ch <- prometheus.MustNewConstMetric(alarmsDesc, prometheus.GaugeValue, float64(v), k)
	}
}
