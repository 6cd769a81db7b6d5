package sessionfeed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Book is where a signaling server keeps the sessions that ended for its
// relays. Memory keeps them in one process; signaling nodes that share
// relays need a Book they share, whose cursors every node understands.
type Book interface {
	// End records that a session ended.
	End(ctx context.Context, e End) error
	// Since lists the ends recorded after cursor (every one kept, for a
	// cursor the Book does not know) and the cursor that follows them.
	Since(ctx context.Context, cursor string) (List, error)
}

// Memory is a Book in this process's memory. Its cursors name the Memory
// (a random epoch) and a sequence number, so a relay's cursor from
// before a restart gets the whole list again.
type Memory struct {
	now   func() time.Time
	log   *slog.Logger
	epoch string

	mu     sync.Mutex
	seq    uint64
	ends   []kept // in recording order, so by seq
	warned bool   // that the list was full
}

type kept struct {
	seq uint64
	End
}

// NewMemory returns an empty Memory; now is its clock (nil: time.Now)
// and log says when the list is full (nil discards).
func NewMemory(now func() time.Time, log *slog.Logger) *Memory {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := make([]byte, 8)
	rand.Read(b) // never fails (crypto/rand)
	return &Memory{now: now, log: log, epoch: hex.EncodeToString(b)}
}

// End records e; an end whose credentials have expired is not kept. When
// maxEnded ends are kept, the oldest is dropped: its credentials then
// live until their expiry, which the log says once.
func (m *Memory) End(_ context.Context, e End) error {
	if err := e.valid(); err != nil {
		return fmt.Errorf("record session end: %w", err)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if expired(e.Until, now) {
		return nil
	}
	if len(m.ends) >= maxEnded {
		m.pruneLocked(now)
	}
	if len(m.ends) >= maxEnded {
		if !m.warned {
			m.warned = true
			m.log.Warn("session feed full: the oldest ends are dropped, their credentials live until they expire", "kept", maxEnded)
		}
		m.ends = slices.Delete(m.ends, 0, 1)
	}
	m.seq++
	m.ends = append(m.ends, kept{seq: m.seq, End: e})
	return nil
}

// Since lists the ends after cursor whose credentials have not expired.
func (m *Memory) Since(_ context.Context, cursor string) (List, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pruneLocked(now)
	after := m.after(cursor)
	i, _ := slices.BinarySearchFunc(m.ends, after+1, func(k kept, seq uint64) int {
		switch {
		case k.seq < seq:
			return -1
		case k.seq > seq:
			return 1
		}
		return 0
	})
	l := List{Cursor: m.epoch + "-" + strconv.FormatUint(m.seq, 10), Ended: make([]End, 0, len(m.ends)-i)}
	for _, k := range m.ends[i:] {
		l.Ended = append(l.Ended, k.End)
	}
	return l, nil
}

// after is the sequence number cursor names, 0 for one of another epoch.
func (m *Memory) after(cursor string) uint64 {
	epoch, seq, ok := strings.Cut(cursor, "-")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil || epoch != m.epoch || n > m.seq {
		return 0
	}
	return n
}

// pruneLocked drops the ends whose credentials have expired.
func (m *Memory) pruneLocked(now time.Time) {
	m.ends = slices.DeleteFunc(m.ends, func(k kept) bool { return expired(k.Until, now) })
}

// expired is turncred.Check's test: a credential is good through the
// second it names.
func expired(until, now time.Time) bool { return now.Unix() > until.Unix() }
