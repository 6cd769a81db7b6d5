package sessionfeed

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Path is where the signaling server serves the feed.
const Path = "/v1/relay/ended"

// maxEnded bounds the list a Book keeps and a relay accepts (and so their
// memory); maxSession bounds one session tag.
const (
	maxEnded   = 100_000
	maxSession = 128
)

// End is one session that ended before its credentials expired.
type End struct {
	Session string    `json:"session"` // the credentials' tag (turncred)
	Until   time.Time `json:"until"`   // when the credentials expire
}

// List is the feed's response body: the ends after the request's cursor,
// and the cursor to ask with next.
type List struct {
	Cursor string `json:"cursor"`
	Ended  []End  `json:"ended"`
}

// valid reports why e cannot be a credential's session end, if it cannot.
func (e End) valid() error {
	switch {
	case e.Session == "" || len(e.Session) > maxSession:
		return fmt.Errorf("session tag of %d bytes", len(e.Session))
	case strings.Contains(e.Session, ":"):
		return fmt.Errorf("session tag %q contains ':'", e.Session)
	case e.Until.IsZero():
		return fmt.Errorf("session %s has no expiry", e.Session)
	}
	return nil
}

// parseList reads a feed response: at most maxEnded valid ends.
func parseList(b []byte) (List, error) {
	var l List
	if err := json.Unmarshal(b, &l); err != nil {
		return List{}, fmt.Errorf("session feed: %w", err)
	}
	if len(l.Ended) > maxEnded {
		return List{}, fmt.Errorf("session feed: %d ends, more than %d", len(l.Ended), maxEnded)
	}
	if len(l.Cursor) > 200 {
		return List{}, fmt.Errorf("session feed: cursor of %d bytes", len(l.Cursor))
	}
	for _, e := range l.Ended {
		if err := e.valid(); err != nil {
			return List{}, fmt.Errorf("session feed: %w", err)
		}
	}
	return l, nil
}
