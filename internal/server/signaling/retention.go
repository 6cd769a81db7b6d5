package signaling

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
)

// auditRetentionEvery is how often the server removes expired audit
// entries (and once at start).
const auditRetentionEvery = time.Hour

// checkRetention refuses retention settings that would lose what the
// audit log vouches for: a chat transcript is checked against its
// chat.transcript entry, so the entry must live at least as long.
func checkRetention(o Options) error {
	a, c := o.AuditRetention, o.ChatRetention
	switch {
	case a < 0 || c < 0:
		return fmt.Errorf("-audit-retention and -chat-retention cannot be negative")
	case a == 0:
		return nil
	case a < audit.MinRetention:
		return fmt.Errorf("-audit-retention %v is under the minimum of %v (0 keeps the audit log for ever)", a, audit.MinRetention)
	case c > a:
		return fmt.Errorf("-audit-retention %v is shorter than -chat-retention %v: a stored chat transcript would outlive the audit entry "+
			"that vouches for it; raise -audit-retention or lower -chat-retention", a, c)
	}
	return nil
}

// runAuditRetention removes audit entries older than the retention at
// start and then every auditRetentionEvery, until ctx ends. Each removal
// is itself an audit entry (audit.pruned).
func (svc *Service) runAuditRetention(ctx context.Context) error {
	keep := svc.opts.AuditRetention
	if keep <= 0 {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(auditRetentionEvery)
	defer t.Stop()
	for {
		pruneAudit(ctx, svc.accounts.audit, time.Now().Add(-keep), svc.opts.Logger)
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil
		}
	}
}

// pruneAudit removes the entries older than before and logs what it did;
// a failure is logged and retried at the next round.
func pruneAudit(ctx context.Context, log *audit.Log, before time.Time, logger *slog.Logger) {
	n, err := log.Prune(ctx, before) // the actor is the system: none
	switch {
	case err != nil && ctx.Err() == nil:
		logger.Error("audit retention failed", "err", err)
	case n > 0:
		logger.Info("audit entries removed by retention", "entries", n, "older_than", before.UTC().Format(time.RFC3339))
	}
}

// retentionText says d in days when it is whole days (365 days, not
// 8760h0m0s).
func retentionText(d time.Duration) string {
	switch days := d / (24 * time.Hour); {
	case d%(24*time.Hour) != 0:
		return d.String()
	case days == 1:
		return "1 day"
	default:
		return fmt.Sprintf("%d days", days)
	}
}
