package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
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
}

// verifyPage is how many entries Verify reads at a time.
const verifyPage = 1000

// Verify walks the chain from the first entry and stops at the first one
// whose sequence number, link to its predecessor, or hash is wrong. An
// error is a failure to read, not a broken chain.
func (l *Log) Verify(ctx context.Context) (Result, error) {
	var res Result
	prev, seq := genesis, int64(0)
	for {
		recs, err := l.st.AuditRecords(ctx, seq, verifyPage)
		if err != nil {
			return res, fmt.Errorf("verify audit log: %w", err)
		}
		for _, r := range recs {
			var reason string
			switch {
			case r.Seq != seq+1:
				r.Seq, reason = seq+1, "missing: entries were deleted"
			case !bytes.Equal(r.Prev, prev):
				reason = "does not link to the entry before it (it, or the one before, was replaced)"
			case !bytes.Equal(r.Hash, Hash(r.Prev, r)):
				reason = "content does not match its hash (changed after it was written)"
			}
			if reason != "" {
				res.Broken = &Broken{Seq: r.Seq, Reason: reason}
				return res, nil
			}
			prev, seq = r.Hash, r.Seq
			res.Entries++
			res.Head = hex.EncodeToString(r.Hash)
		}
		if len(recs) < verifyPage {
			return res, nil
		}
	}
}
