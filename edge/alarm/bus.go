package alarm

import (
	"context"
	"sync"
)

// bus fans alarm events out to live subscribers (console streams). A
// subscriber that falls behind by more than its buffer is dropped — its
// channel closes — rather than slowing the state machine: the console then
// reconnects and reloads the list.
type bus struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
}

const subscriberBuffer = 256

func newBus() *bus { return &bus{subs: map[chan Event]struct{}{}} }

// subscribe returns a channel of events, closed when ctx ends or the
// subscriber is dropped.
func (b *bus) subscribe(ctx context.Context) <-chan Event {
	ch := make(chan Event, subscriberBuffer)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	context.AfterFunc(ctx, func() { b.drop(ch) })
	return ch
}

func (b *bus) drop(ch chan Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[ch]; ok {
		delete(b.subs, ch)
		close(ch)
	}
}

// publish never blocks.
func (b *bus) publish(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- ev:
		default:
			delete(b.subs, ch)
			close(ch)
		}
	}
}

// close ends every subscription.
func (b *bus) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		delete(b.subs, ch)
		close(ch)
	}
}
