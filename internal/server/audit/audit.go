package audit

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// Entry is one thing to record. Record fills Seq, Time (if zero) and Hash.
type Entry struct {
	Seq     int64             `json:"seq"`
	Time    time.Time         `json:"time"`
	Kind    string            `json:"kind"`
	Actor   string            `json:"actor,omitempty"`   // who did it: an account ID, "local:USER", "" for the system
	Subject string            `json:"subject,omitempty"` // what it was done to: account, group, session
	Source  string            `json:"source,omitempty"`  // the actor's network address, if any
	Detail  map[string]string `json:"detail,omitempty"`
	Hash    string            `json:"hash,omitempty"` // hex
}

// Log appends to and reads the audit log in a store.
type Log struct {
	st     store.AuditLog
	logger *slog.Logger
	now    func() time.Time
	group  committer // concurrent Records share a transaction (commit.go)
}

// New returns a Log over st. logger (nil discards) hears about entries
// that could not be written; now (nil = time.Now) is the clock.
func New(st store.AuditLog, logger *slog.Logger, now func() time.Time) *Log {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Log{st: st, logger: logger, now: now}
}

// Record appends e to the chain and returns it as stored. The actor and
// source attached to ctx by WithActor fill e's when e has none.
func (l *Log) Record(ctx context.Context, e Entry) (Entry, error) {
	seal, err := l.sealer(ctx, e)
	if err != nil {
		return Entry{}, err
	}
	rec, err := l.group.append(ctx, l.st, seal)
	if err != nil {
		return Entry{}, fmt.Errorf("audit %s: %w", e.Kind, err)
	}
	return fromRecord(rec), nil
}

// sealer checks e, fills what ctx and the clock say, and returns the
// function that chains it after the newest record.
func (l *Log) sealer(ctx context.Context, e Entry) (func(last store.AuditRecord) (store.AuditRecord, error), error) {
	if e.Kind == "" {
		return nil, fmt.Errorf("audit: entry without a kind")
	}
	if a, ok := ctx.Value(actorKey{}).(actor); ok {
		if e.Actor == "" {
			e.Actor = a.id
		}
		if e.Source == "" && a.source.IsValid() {
			e.Source = a.source.String()
		}
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	detail := ""
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail) // keys sorted: one encoding per map
		if err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		detail = string(b)
	}
	return func(last store.AuditRecord) (store.AuditRecord, error) {
		r := store.AuditRecord{Seq: last.Seq + 1, Time: e.Time.UTC().Round(0), Kind: e.Kind, Actor: e.Actor,
			Subject: e.Subject, Source: e.Source, Detail: detail, Prev: last.Hash}
		if last.Seq == 0 {
			r.Prev = genesis
		}
		r.Hash = Hash(r.Prev, r)
		return r, nil
	}, nil
}

// Note records e and logs (without failing) when it cannot: for callers
// such as event hooks that have no way to report an error.
func (l *Log) Note(ctx context.Context, e Entry) {
	if _, err := l.Record(ctx, e); err != nil {
		l.logger.Error("audit entry not written", "kind", e.Kind, "err", err)
	}
}

// List returns up to limit entries after sequence number after, oldest
// first.
func (l *Log) List(ctx context.Context, after int64, limit int) ([]Entry, error) {
	recs, err := l.st.AuditRecords(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(recs))
	for _, r := range recs {
		out = append(out, fromRecord(r))
	}
	return out, nil
}

func fromRecord(r store.AuditRecord) Entry {
	e := Entry{Seq: r.Seq, Time: r.Time, Kind: r.Kind, Actor: r.Actor, Subject: r.Subject, Source: r.Source,
		Hash: hex.EncodeToString(r.Hash)}
	if r.Detail != "" {
		if json.Unmarshal([]byte(r.Detail), &e.Detail) != nil {
			e.Detail = map[string]string{"raw": r.Detail}
		}
	}
	return e
}

type actorKey struct{}

type actor struct {
	id     string
	source netip.Addr
}

// WithActor returns ctx carrying who is acting and from where, so that
// entries recorded below it - including those auth's event hook writes
// for an administrator's unlock or password change - name them.
func WithActor(ctx context.Context, id string, source netip.Addr) context.Context {
	return context.WithValue(ctx, actorKey{}, actor{id: id, source: source})
}

// SourceOf returns the source WithActor attached to ctx, if any.
func SourceOf(ctx context.Context) netip.Addr {
	a, _ := ctx.Value(actorKey{}).(actor)
	return a.source
}
