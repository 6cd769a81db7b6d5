package filexfer

import (
	"context"
	"sync"
)

// outbox sends the messages Run produces (verdicts, aborts) from its own
// goroutine. Run must never block on Send: when both sides stream files to
// each other, each Run waiting for its own send queue to drain would stop
// reading, and with it the acknowledgements that drain the other side's.
type outbox struct {
	mu    sync.Mutex
	queue []*message
	ready chan struct{}
}

func newOutbox() *outbox { return &outbox{ready: make(chan struct{}, 1)} }

// post queues m; it never blocks.
func (o *outbox) post(m *message) {
	o.mu.Lock()
	o.queue = append(o.queue, m)
	o.mu.Unlock()
	select {
	case o.ready <- struct{}{}:
	default:
	}
}

// run sends queued messages until ctx is done or a send fails.
func (o *outbox) run(ctx context.Context, e *Endpoint) {
	for {
		select {
		case <-o.ready:
		case <-ctx.Done():
			return
		}
		o.mu.Lock()
		q := o.queue
		o.queue = nil
		o.mu.Unlock()
		for _, m := range q {
			if err := e.send(ctx, m); err != nil {
				return
			}
		}
	}
}
