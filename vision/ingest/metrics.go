package ingest

import "github.com/prometheus/client_golang/prometheus"

var (
	descFPS = prometheus.NewDesc("palisade_camera_fps",
		"Pictures a second over the last 2 s, by stage: received (access units off the network), decoded, delivered (to analysis).",
		[]string{"camera", "stage"}, nil)
	descFrames = prometheus.NewDesc("palisade_camera_frames_total",
		"Pictures by outcome: received, decoded, delivered, dropped (never analysed), shed (never decoded), decode_error.",
		[]string{"camera", "outcome"}, nil)
	descBytes = prometheus.NewDesc("palisade_camera_received_bytes_total",
		"RTP bytes received from the camera.", []string{"camera"}, nil)
	descLost = prometheus.NewDesc("palisade_camera_rtp_packets_lost_total",
		"RTP packets the sequence numbers show were lost.", []string{"camera"}, nil)
	descSessions = prometheus.NewDesc("palisade_camera_sessions_total",
		"RTSP sessions attempted (the first connection and every reconnection).", []string{"camera"}, nil)
	descState = prometheus.NewDesc("palisade_camera_state",
		"1 for the camera's current state, 0 for the others.", []string{"camera", "state"}, nil)
)

// Collector exposes the camera's counters to Prometheus, read at scrape
// time.
func (c *Camera) Collector() prometheus.Collector { return collector{c} }

type collector struct{ c *Camera }

func (collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFPS, descFrames, descBytes, descLost, descSessions, descState} {
		ch <- d
	}
}

func (k collector) Collect(ch chan<- prometheus.Metric) {
	name := k.c.cfg.Name
	s := k.c.Stats()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(descFPS, s.ReceivedFPS, name, "received")
	gauge(descFPS, s.DecodedFPS, name, "decoded")
	gauge(descFPS, s.DeliveredFPS, name, "delivered")
	counter(descFrames, s.Frames, name, "received")
	counter(descFrames, s.Decoded, name, "decoded")
	counter(descFrames, s.Delivered, name, "delivered")
	counter(descFrames, s.Dropped, name, "dropped")
	counter(descFrames, s.Shed, name, "shed")
	counter(descFrames, s.DecodeErrors, name, "decode_error")
	counter(descBytes, s.Bytes, name)
	counter(descLost, s.PacketsLost, name)
	counter(descSessions, s.Sessions, name)
	current := k.c.Status().State
	for st := Connecting; st <= Stopped; st++ {
		v := 0.0
		if st == current {
			v = 1
		}
		gauge(descState, v, name, st.String())
	}
}
