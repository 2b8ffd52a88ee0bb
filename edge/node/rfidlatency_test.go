package node_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/edge/presence"
	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	"github.com/palisade/palisade/sensors/rfid"
)

// BenchmarkRFIDReadToAlarm measures, on a real three-node facility, from
// an unregistered tag's first read by the driver (an R2000 simulated on a
// pseudo-terminal, 5 % missed reads) to its alarm arriving on another
// node's console — three reads are needed before a tag is believed — and,
// in the same run as the baseline, an officer's alarm from one console to
// the other. It prints both and ignores b.N (fixed samples):
//
//	go test -run '^$' -bench RFIDReadToAlarm -benchtime 1x ./edge/node
func BenchmarkRFIDReadToAlarm(b *testing.B) {
	const samples = 40
	var strangers []scenario.Person
	for i := range samples {
		epc, _ := rfid.ParseEPC(fmt.Sprintf("E2801170000002FFFFFF%04X", i))
		strangers = append(strangers, scenario.Person{EPC: epc, Role: scenario.Unknown, Home: "hb-b"})
	}
	f, sc, door, _ := cellDoorReader(b, 5, strangers...)
	nodes := startWith(b, f, node.FacilityOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	raiser := login(b, ctx, nodes[0], "officer")
	watcher := login(b, ctx, nodes[2], "officer")
	stream, err := watcher.Events(ctx)
	if err != nil {
		b.Fatal(err)
	}
	waitQuorum(b, ctx, watcher)

	// Baseline: an officer's alarm, console to console.
	var base []time.Duration
	for i := range samples {
		sent := time.Now()
		if _, err := raiser.Raise(ctx, "officer.assistance", 2, "", fmt.Sprintf("baseline %d", i)); err != nil {
			b.Fatal(err)
		}
		for {
			ev := next(b, ctx, stream)
			// The first raises it, the others repeat it (they coalesce).
			if ev.Alarm.Kind == "officer.assistance" && ev.Alarm.Count == i+1 {
				base = append(base, time.Since(sent))
				break
			}
		}
	}
	// Unregistered tags walking in, one every 600 ms.
	start := time.Now().Add(time.Second)
	for i, s := range strangers {
		if _, err := sc.Walk(s.EPC, door.ID, start.Add(time.Duration(i)*600*time.Millisecond)); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	for len(lat) < samples {
		ev := next(b, ctx, stream)
		if ev.Type != alarm.EventRaised || ev.Alarm.Kind != presence.AlarmUnknownTag {
			continue
		}
		now := time.Now()
		for _, e := range ev.Alarm.Evidence {
			if first, ok := strings.CutPrefix(e, presence.FirstReadEvidence); ok {
				t, err := time.Parse(time.RFC3339Nano, first)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, now.Sub(t))
			}
		}
	}
	pct := func(ds []time.Duration, p float64) time.Duration {
		s := slices.Clone(ds)
		slices.Sort(s)
		return s[min(len(s)-1, int(p*float64(len(s))))]
	}
	b.Logf("\n%-44s %8s %8s %8s\n%-44s %8s %8s %8s\n%-44s %8s %8s %8s", "path (40 samples each)", "p50", "p99", "max",
		"first RFID read → alarm on another console", pct(lat, 0.5).Round(time.Millisecond), pct(lat, 0.99).Round(time.Millisecond), pct(lat, 1).Round(time.Millisecond),
		"baseline: officer's alarm console → console", pct(base, 0.5).Round(time.Millisecond), pct(base, 0.99).Round(time.Millisecond), pct(base, 1).Round(time.Millisecond))
	b.ReportMetric(float64(pct(lat, 0.99).Milliseconds()), "p99-ms")
}
