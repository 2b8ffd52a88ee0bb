package ingest

import "time"

// meterWindow is the span a rate is measured over.
const meterWindow = 2 * time.Second

// meter measures an event rate over the last meterWindow from the times of
// the last events. It is not safe for concurrent use.
type meter struct {
	times [128]time.Time // ring of the latest events
	next  int
	count int
}

func (m *meter) mark(t time.Time) {
	m.times[m.next] = t
	m.next = (m.next + 1) % len(m.times)
	m.count = min(m.count+1, len(m.times))
}

// rate returns events per second over the window ending at now.
func (m *meter) rate(now time.Time) float64 {
	n := 0
	for i := 1; i <= m.count; i++ {
		t := m.times[(m.next-i+len(m.times))%len(m.times)]
		if now.Sub(t) > meterWindow {
			break
		}
		n++
	}
	if n == len(m.times) {
		// The ring is full inside the window: measure over its own span.
		oldest := m.times[m.next]
		if span := now.Sub(oldest); span > 0 {
			return float64(n) / span.Seconds()
		}
	}
	return float64(n) / meterWindow.Seconds()
}
