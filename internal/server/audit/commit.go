package audit

import (
	"context"
	"sync"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// committer lets concurrent Records share one write transaction (group
// commit): each transaction syncs the database once, and the chain is
// built inside it in arrival order. A Record that finds no transaction
// under way writes its entry, and every entry queued meanwhile, itself;
// the others wait for it. Alone, a Record writes as before; under load
// (a busy signaling server audits two entries per session) most of them
// share. Each waits until its own entry is stored, as before.
type committer struct {
	mu      sync.Mutex
	writing bool
	queue   []*pendingRecord
}

type pendingRecord struct {
	seal func(last store.AuditRecord) (store.AuditRecord, error)
	rec  store.AuditRecord
	err  error
	done chan struct{}
}

// maxBatch bounds one transaction's entries.
const maxBatch = 256

func (c *committer) append(ctx context.Context, st store.AuditLog, seal func(store.AuditRecord) (store.AuditRecord, error)) (store.AuditRecord, error) {
	p := &pendingRecord{seal: seal, done: make(chan struct{})}
	c.mu.Lock()
	c.queue = append(c.queue, p)
	if c.writing {
		c.mu.Unlock()
		<-p.done // the writer under way takes it in a coming batch
		return p.rec, p.err
	}
	c.writing = true
	// The writer writes for others too: their entries must not fail
	// because this caller's context ends.
	wctx := context.WithoutCancel(ctx)
	for len(c.queue) > 0 {
		n := min(len(c.queue), maxBatch)
		batch := c.queue[:n:n]
		c.queue = c.queue[n:]
		c.mu.Unlock()
		write(wctx, st, batch)
		c.mu.Lock()
	}
	c.writing = false
	c.mu.Unlock()
	return p.rec, p.err
}

// write stores a batch in one transaction and hands each entry its
// result. A seal that fails (none of Log's does once sealer has checked
// the entry) fails the whole transaction; the batch's entries are then
// retried one by one, so that one bad entry cannot lose the others.
func write(ctx context.Context, st store.AuditLog, batch []*pendingRecord) {
	defer func() {
		for _, p := range batch {
			close(p.done)
		}
	}()
	seals := make([]func(store.AuditRecord) (store.AuditRecord, error), len(batch))
	for i, p := range batch {
		seals[i] = p.seal
	}
	recs, err := st.AppendAudits(ctx, seals)
	if err == nil {
		for i, p := range batch {
			p.rec = recs[i]
		}
		return
	}
	if len(batch) == 1 {
		batch[0].err = err
		return
	}
	for _, p := range batch {
		p.rec, p.err = st.AppendAudit(ctx, p.seal)
	}
}
