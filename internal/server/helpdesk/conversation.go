package helpdesk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"time"

	"golang.org/x/time/rate"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// conversation is one customer's chat. Its fields are guarded by Hub.mu.
type conversation struct {
	id       string
	keyHash  [32]byte
	name     string // the customer's name, if they gave one
	topic    string
	lang     string
	source   netip.Addr // the visitor's netprefix.Source, as an address
	started  time.Time
	lastSeen time.Time     // the customer's last request or live socket
	sockets  []*pageSocket // the customer's open WebSockets, oldest first
	polls    int           // the customer's waiting polls

	operatorID string // "" while waiting in the queue
	operator   chatwire.Operator
	session    string // the session it is bound to (code visit or invite)

	events  []chatwire.Event
	cids    map[string]int64 // customer message cid -> its seq
	notify  chan struct{}    // closed and replaced on every change the page should see
	typing  int64            // the operator's typing notices so far
	limiter *rate.Limiter    // the customer's messages
	typer   *rate.Limiter    // the customer's typing notices; beyond it they are dropped
	last    time.Time        // the newest event's time, or the start
	ended   time.Time        // zero while open
}

func newID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func newKey() (string, [32]byte) {
	b := make([]byte, 32)
	rand.Read(b)
	k := base64.RawURLEncoding.EncodeToString(b)
	return k, sha256.Sum256([]byte(k))
}

// keyOK compares key with the conversation's in constant time.
func (c *conversation) keyOK(key string) bool {
	h := sha256.Sum256([]byte(key))
	return subtle.ConstantTimeCompare(h[:], c.keyHash[:]) == 1
}

func (c *conversation) closed() bool { return !c.ended.IsZero() }

// appendLocked adds e with the next sequence number and wakes the page's
// readers. Called with Hub.mu held.
func (c *conversation) appendLocked(e chatwire.Event, now time.Time) chatwire.Event {
	e.Seq = int64(len(c.events)) + 1
	e.At = now.UTC().Format(time.RFC3339)
	c.events = append(c.events, e)
	c.last = now
	c.wakeLocked()
	return e
}

func (c *conversation) wakeLocked() {
	close(c.notify)
	c.notify = make(chan struct{})
}

// after returns a copy of the events with seq > n.
func (c *conversation) after(n int64) []chatwire.Event {
	if n < 0 {
		n = 0
	}
	if n >= int64(len(c.events)) {
		return nil
	}
	return append([]chatwire.Event(nil), c.events[n:]...)
}

// messages counts message events.
func (c *conversation) messages() int {
	n := 0
	for _, e := range c.events {
		if e.Type == chatwire.EventMessage {
			n++
		}
	}
	return n
}

// pageSocket is one of the customer's open WebSockets; cancel closes it.
type pageSocket struct{ cancel context.CancelFunc }
