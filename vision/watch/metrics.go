package watch

import (
	"github.com/prometheus/client_golang/prometheus"
)

var (
	descAnalysed = prometheus.NewDesc("palisade_camera_analysed_fps",
		"Frames analysed a second over the last 2 s.", []string{"camera"}, nil)
	descPeople = prometheus.NewDesc("palisade_camera_zone_people",
		"People the camera counts in a zone, in its last analysed frame.", []string{"camera", "zone"}, nil)
	descAlarms = prometheus.NewDesc("palisade_camera_alarms_total",
		"Alarms by outcome: raised, failed (Raise returned an error).", []string{"camera", "outcome"}, nil)
	descClips = prometheus.NewDesc("palisade_camera_clips_total",
		"Evidence clips by outcome: written (whole), incomplete (written, part of the window missing), failed.", []string{"camera", "outcome"}, nil)
	descAnalysis = prometheus.NewDesc("palisade_camera_analysis_failures_total",
		"Frames the analytics failed on.", []string{"camera"}, nil)
	descRefused = prometheus.NewDesc("palisade_camera_buffer_refused_total",
		"Access units the evidence buffer refused (bad NAL units, times that do not advance).", []string{"camera"}, nil)
	descLatency = prometheus.NewDesc("palisade_camera_alarm_latency_seconds",
		"Time from the frame of an event to its alarm raised (committed, or kept in the outbox without a quorum).", []string{"camera"}, nil)
)

// Collector exposes the watchers' cameras to Prometheus, read at scrape
// time: ingest's metrics (palisade_camera_fps, _frames_total, _state …)
// and the analysis', the alarms' and the clips'. One Collector serves
// every camera of a node: ingest's descriptors are the same for every
// camera, and a registry takes each only once.
func Collector(ws ...*Watcher) prometheus.Collector { return collector(ws) }

type collector []*Watcher

// Describe sends nothing: the collector is unchecked, as the cameras'
// descriptors repeat.
func (collector) Describe(chan<- *prometheus.Desc) {}

func (ws collector) Collect(ch chan<- prometheus.Metric) {
	for _, w := range ws {
		w.cam.Collector().Collect(ch)
		name := w.cfg.Camera
		st := w.Status()
		ch <- prometheus.MustNewConstMetric(descAnalysed, prometheus.GaugeValue, st.AnalysedFPS, name)
		for _, c := range st.Counts {
			ch <- prometheus.MustNewConstMetric(descPeople, prometheus.GaugeValue, float64(c.People), name, c.Zone)
		}
		counter := func(d *prometheus.Desc, v uint64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), append([]string{name}, labels...)...)
		}
		counter(descAlarms, w.n.raised.Load(), "raised")
		counter(descAlarms, w.n.raiseFailed.Load(), "failed")
		complete := w.n.clips.Load() - w.n.incomplete.Load()
		counter(descClips, complete, "written")
		counter(descClips, w.n.incomplete.Load(), "incomplete")
		counter(descClips, w.n.clipsFailed.Load(), "failed")
		counter(descAnalysis, w.n.failed.Load())
		counter(descRefused, w.n.pushRefused.Load())
		w.mu.Lock()
		buckets := map[float64]uint64{}
		var cum uint64
		for i, b := range latencyBounds {
			if w.latencies.counts != nil {
				cum += w.latencies.counts[i]
			}
			buckets[b] = cum
		}
		n, sum := w.latencies.n, w.latencies.sum
		w.mu.Unlock()
		ch <- prometheus.MustNewConstHistogram(descLatency, n, sum, buckets, name)
	}
}
