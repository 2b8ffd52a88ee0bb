package alarm_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
)

// The leader is killed in the middle of a stream of alarms and
// acknowledgements. Every alarm a device raised is there once; every
// acknowledgement an officer saw succeed is there, applied once.
func TestLeaderKilledMidStreamOfAlarmsAndAcks(t *testing.T) {
	f := newFacility(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	leader := f.c.WaitLeader()
	var survivors []int
	for i := range f.svcs {
		if i != leader {
			survivors = append(survivors, i)
		}
	}
	const workers, perWorker = 4, 25
	var raised, acked sync.Map // alarm id → true
	var done atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := f.svcs[survivors[w%len(survivors)]]
			for j := range perWorker {
				r := alarm.Raise{Kind: "door.forced", Priority: 2, Device: fmt.Sprintf("door-%d-%d", w, j), Message: "forced"}
				al, err := s.RaiseLocal(ctx, r)
				if err != nil {
					t.Errorf("raise: %v", err)
					return
				}
				raised.Store(al.ID, true)
				// The officer retries an acknowledgement that failed in the
				// failover, as the console lets them.
				for {
					_, err = s.Ack(ctx, al.ID, officer, "seen")
					if err == nil || ctx.Err() != nil {
						break
					}
					if errors.Is(err, alarm.ErrNotFound) { // kept locally in the failover
						_, _ = s.FlushOutbox(ctx)
					}
					time.Sleep(10 * time.Millisecond)
				}
				if err != nil {
					t.Errorf("ack %s: %v", al.ID, err)
					return
				}
				acked.Store(al.ID, true)
				done.Add(1)
			}
		}()
	}
	for done.Load() < workers*perWorker/4 {
		time.Sleep(time.Millisecond)
	}
	f.c.Kill(leader)
	wg.Wait()
	// Alarms kept locally during the failover go out now.
	for _, i := range survivors {
		for {
			if _, err := f.svcs[i].FlushOutbox(ctx); err == nil {
				break
			}
		}
	}
	f.c.WaitConverged(ctx)
	for _, i := range survivors {
		list, err := f.svcs[i].List(ctx, alarm.Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, al := range list {
			seen[al.ID]++
			if al.NotReplicated || al.Count != 1 {
				t.Errorf("node %d: alarm %s not replicated=%v count=%d", i, al.ID, al.NotReplicated, al.Count)
			}
			if _, ok := acked.Load(al.ID); ok && al.State != alarm.Acknowledged {
				t.Errorf("node %d: acknowledged alarm %s is %s", i, al.ID, al.State)
			}
		}
		raised.Range(func(k, _ any) bool {
			if seen[k.(string)] != 1 {
				t.Errorf("node %d holds alarm %s %d times", i, k, seen[k.(string)])
			}
			return true
		})
		if len(list) != workers*perWorker {
			t.Errorf("node %d holds %d alarms, want %d", i, len(list), workers*perWorker)
		}
	}
}
