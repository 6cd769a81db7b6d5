package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// Broken names the first entry that does not hold.
type Broken struct {
	Seq    int64
	Reason string
}

func (b *Broken) Error() string {
	return fmt.Sprintf("audit log broken at entry %d: %s", b.Seq, b.Reason)
}

// Result is what Verify found.
type Result struct {
	Entries int64   // entries checked
	Head    string  // hex hash of the last good entry (empty for an empty log)
	Broken  *Broken // nil when the whole chain holds
	// Pruned is the newest entry retention removed (0: none ever was);
	// the check starts after it, from its hash. PrunedTime is its time.
	Pruned     int64
	PrunedTime time.Time
}

// verifyPage is how many entries Verify reads at a time.
const verifyPage = 1000

// Verify walks the chain from the first entry kept (after the anchor
// retention left, if any) and stops at the first one whose sequence
// number, link to its predecessor, or hash is wrong. It also checks the
// anchor against the newest audit.pruned entry, so that cutting entries
// off the start and moving the anchor does not pass for retention. An
// error is a failure to read, not a broken chain.
func (l *Log) Verify(ctx context.Context) (Result, error) {
	anchor, err := l.st.AuditAnchor(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("verify audit log: %w", err)
	}
	res := Result{Pruned: anchor.Seq, PrunedTime: anchor.Time}
	prev, seq := genesis, int64(0)
	if anchor.Seq > 0 {
		prev, seq = anchor.Hash, anchor.Seq
	}
	var recorded *store.AuditRecord // the newest audit.pruned entry
	for {
		recs, err := l.st.AuditRecords(ctx, seq, verifyPage)
		if err != nil {
			return res, fmt.Errorf("verify audit log: %w", err)
		}
		for _, r := range recs {
			if reason := checkLink(r, seq, prev); reason != "" {
				res.Broken = &Broken{Seq: r.Seq, Reason: reason}
				if r.Seq != seq+1 {
					res.Broken.Seq = seq + 1
				}
				return res, nil
			}
			if r.Kind == KindPruned {
				recorded = &r
			}
			prev, seq = r.Hash, r.Seq
			res.Entries++
			res.Head = hex.EncodeToString(r.Hash)
		}
		if len(recs) < verifyPage {
			break
		}
	}
	if anchor.Seq > 0 {
		if s, h, ok := prunedAnchor(recorded); !ok || s != anchor.Seq || h != hex.EncodeToString(anchor.Hash) {
			res.Broken = &Broken{Seq: anchor.Seq + 1, Reason: fmt.Sprintf(
				"the log starts after entry %d, but its newest audit.pruned entry does not record removing entries up to that one", anchor.Seq)}
		}
	}
	return res, nil
}

// checkLink says what is wrong with r as the entry after seq, whose hash
// is prev ("" when nothing is).
func checkLink(r store.AuditRecord, seq int64, prev []byte) string {
	switch {
	case r.Seq != seq+1:
		return "missing: entries were deleted"
	case !bytes.Equal(r.Prev, prev):
		return "does not link to the entry before it (it, or the one before, was replaced)"
	case !bytes.Equal(r.Hash, Hash(r.Prev, r)):
		return "content does not match its hash (changed after it was written)"
	}
	return ""
}
