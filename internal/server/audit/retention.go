package audit

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// KindPruned is the entry that records a retention removal. Its detail
// names how many entries went ("removed"), the newest of them ("through",
// its sequence number, and "anchor", its hash) and the cut-off
// ("older_than"). The oldest kept entry links to that anchor, and Verify
// checks the store's anchor against the newest such entry.
const KindPruned = "audit.pruned"

// MinRetention is the shortest retention the server and the admin command
// accept: a typo such as 24s for 24h must not wipe the log.
const MinRetention = 24 * time.Hour

// Prune removes the entries older than before, oldest first, and records
// the removal (KindPruned) in the same transaction, so that a log is never
// cut without saying so. It returns how many entries went (0: none was old
// enough, and nothing is recorded).
func (l *Log) Prune(ctx context.Context, before time.Time) (int, error) {
	n, err := l.st.PruneAudit(ctx, before, func(anchor store.AuditRecord, removed int, last store.AuditRecord) (store.AuditRecord, error) {
		seal, err := l.sealer(ctx, Entry{Kind: KindPruned, Detail: map[string]string{
			"removed":    strconv.Itoa(removed),
			"through":    strconv.FormatInt(anchor.Seq, 10),
			"anchor":     hex.EncodeToString(anchor.Hash),
			"older_than": before.UTC().Format(time.RFC3339),
		}})
		if err != nil {
			return store.AuditRecord{}, err
		}
		return seal(last)
	})
	if err != nil {
		return 0, fmt.Errorf("audit retention: %w", err)
	}
	return n, nil
}

// prunedAnchor reads the anchor a KindPruned record names (ok false
// without a record).
func prunedAnchor(r *store.AuditRecord) (seq int64, hash string, ok bool) {
	if r == nil {
		return 0, "", false
	}
	e := fromRecord(*r)
	seq, err := strconv.ParseInt(e.Detail["through"], 10, 64)
	return seq, e.Detail["anchor"], err == nil
}
