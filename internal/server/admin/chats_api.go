package admin

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

type (
	chatSummary struct {
		ID       string    `json:"id"`
		Session  string    `json:"session,omitempty"`
		Operator string    `json:"operator,omitempty"`
		Customer string    `json:"customer,omitempty"`
		Started  time.Time `json:"started"`
		Ended    time.Time `json:"ended"`
		Messages int       `json:"messages"`
		SHA256   string    `json:"sha256"` // hex, of the stored body
	}
	chatResponse struct {
		chatSummary
		Check       string           `json:"check"` // verified, unaudited or altered (see ChatCheck)
		AuditSeq    int64            `json:"audit_entry,omitempty"`
		AuditSHA256 string           `json:"audit_sha256,omitempty"`
		Events      []chatwire.Event `json:"events"`
	}
)

func toChatSummary(t store.ChatTranscript) chatSummary {
	return chatSummary{ID: t.ID, Session: t.Session, Operator: t.Operator, Customer: t.Customer, Started: t.Started,
		Ended: t.Ended, Messages: t.Messages, SHA256: hex.EncodeToString(t.SHA256)}
}

func toChatResponse(rec ChatRecord) chatResponse {
	ev := rec.Events
	if ev == nil {
		ev = []chatwire.Event{}
	}
	return chatResponse{chatSummary: toChatSummary(rec.ChatTranscript), Check: string(rec.Check), AuditSeq: rec.AuditSeq,
		AuditSHA256: rec.AuditSHA256, Events: ev}
}

// chatFilter reads ?session=ID&since=RFC3339&limit=N.
func chatFilter(r *http.Request) (store.ChatTranscriptFilter, error) {
	q := r.URL.Query()
	f := store.ChatTranscriptFilter{Session: q.Get("session")}
	if s := q.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return f, invalid("since %q: use an RFC 3339 time such as 2026-11-25T08:00:00Z", s)
		}
		f.Since = t
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return f, invalid("limit %q: use a number 1-%d", s, MaxChatList)
		}
		f.Limit = n
	}
	return f, nil
}

func (a *Admin) apiChats(r *http.Request) (any, error) {
	f, err := chatFilter(r)
	if err != nil {
		return nil, err
	}
	ts, err := a.ChatTranscripts(r.Context(), f)
	out := []chatSummary{}
	for _, t := range ts {
		out = append(out, toChatSummary(t))
	}
	return out, err
}

func (a *Admin) apiChat(r *http.Request) (any, error) {
	rec, err := a.ReadChatTranscript(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return toChatResponse(rec), nil
}
