package admin

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// Web chat transcripts (package helpdesk) are customer data. Only
// administrators read them, through the admin API or the local CLI. A
// list shows who talked, when and how much, never what was said; reading
// a whole transcript is recorded (chat.read, subject the conversation)
// before it is returned, and fails when it cannot be recorded.
//
// The transcripts table can be edited by whoever holds the database; the
// audit log is hash-chained. So a read is checked: the body against its
// stored SHA-256, and that against the chat.transcript entry written when
// the conversation ended.

// Limits on one transcript list.
const (
	DefaultChatList = 50
	MaxChatList     = 1000
)

// ChatCheck is what a read transcript was checked against.
type ChatCheck string

const (
	// ChatVerified: the body hashes to the stored SHA-256, which the
	// conversation's chat.transcript audit entry also records.
	ChatVerified ChatCheck = "verified"
	// ChatUnaudited: the body hashes to the stored SHA-256, but no
	// chat.transcript entry names the conversation (it could not be
	// written, or the log was reset), so nothing vouches for both.
	ChatUnaudited ChatCheck = "unaudited"
	// ChatAltered: the body does not hash to the stored SHA-256, or that
	// differs from the audit entry's: the transcript was changed after
	// the conversation ended.
	ChatAltered ChatCheck = "altered"
)

// ChatRecord is one transcript as an administrator reads it.
type ChatRecord struct {
	store.ChatTranscript
	Events      []chatwire.Event // the body decoded; nil when it is not valid JSON
	Check       ChatCheck
	AuditSeq    int64  // the chat.transcript entry compared with; 0 when none
	AuditSHA256 string // that entry's sha256 (hex)
}

// ChatTranscripts lists stored transcripts, the latest to end first,
// without their messages. A zero f.Limit is DefaultChatList.
func (a *Admin) ChatTranscripts(ctx context.Context, f store.ChatTranscriptFilter) ([]store.ChatTranscript, error) {
	f.Limit = cmp.Or(f.Limit, DefaultChatList)
	if f.Limit < 0 || f.Limit > MaxChatList {
		return nil, invalid("limit %d: list 1-%d transcripts at a time", f.Limit, MaxChatList)
	}
	return a.st.ListChatTranscripts(ctx, f)
}

// ReadChatTranscript returns conversation id's transcript with its
// messages, checked (see ChatCheck), once the read is audited.
func (a *Admin) ReadChatTranscript(ctx context.Context, id string) (ChatRecord, error) {
	t, err := a.st.ChatTranscript(ctx, id)
	if err != nil {
		return ChatRecord{}, err
	}
	rec := ChatRecord{ChatTranscript: t}
	if err := a.checkTranscript(ctx, &rec); err != nil {
		return ChatRecord{}, err
	}
	detail := map[string]string{"check": string(rec.Check), "sha256": hex.EncodeToString(t.SHA256)}
	if t.Session != "" {
		detail["session"] = t.Session
	}
	if err := a.record(ctx, "chat.read", t.ID, detail); err != nil {
		return ChatRecord{}, err
	}
	return rec, nil
}

// checkTranscript decodes rec's body and sets its Check.
func (a *Admin) checkTranscript(ctx context.Context, rec *ChatRecord) error {
	sum := store.TranscriptSHA256(rec.Body)
	if json.Unmarshal(rec.Body, &rec.Events) != nil {
		rec.Events = nil
	}
	seq, audited, err := a.transcriptEntry(ctx, rec.ChatTranscript)
	if err != nil {
		return err
	}
	rec.AuditSeq, rec.AuditSHA256 = seq, audited
	switch {
	case !bytes.Equal(sum, rec.SHA256) || (seq != 0 && audited != hex.EncodeToString(sum)):
		rec.Check = ChatAltered
	case seq == 0:
		rec.Check = ChatUnaudited
	default:
		rec.Check = ChatVerified
	}
	return nil
}

// transcriptEntry finds the newest chat.transcript entry for t's
// conversation: its sequence number and sha256, or 0 when there is none.
// Its subject is the bound session, else the conversation.
func (a *Admin) transcriptEntry(ctx context.Context, t store.ChatTranscript) (int64, string, error) {
	recs, err := a.st.AuditRecordsAbout(ctx, "chat.transcript", cmp.Or(t.Session, t.ID), 100)
	if err != nil {
		return 0, "", err
	}
	for _, r := range recs {
		var d map[string]string
		if json.Unmarshal([]byte(r.Detail), &d) == nil && d["conversation"] == t.ID {
			return r.Seq, d["sha256"], nil
		}
	}
	return 0, "", nil
}
