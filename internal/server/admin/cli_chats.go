package admin

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// chat runs `chat list|show`.
func (c CLI) chat(ctx context.Context, a *Admin, verb string, args []string) error {
	switch verb {
	case "list":
		return c.chatList(ctx, a, args)
	case "show":
		return c.chatShow(ctx, a, args)
	}
	return usageError(fmt.Sprintf("unknown chat command %q", verb))
}

func (c CLI) chatList(ctx context.Context, a *Admin, args []string) error {
	fs := flag.NewFlagSet("chat list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	session := fs.String("session", "", "")
	since := fs.String("since", "", "")
	limit := fs.Int("limit", DefaultChatList, "")
	const want = "want chat list [-session ID] [-since DURATION|TIME] [-limit N]"
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *limit < 1 {
		return usageError(want)
	}
	f := store.ChatTranscriptFilter{Session: *session, Limit: *limit}
	if *since != "" {
		t, err := parseSince(*since, a.now())
		if err != nil {
			return usageError(want + ": " + err.Error())
		}
		f.Since = t
	}
	ts, err := a.ChatTranscripts(ctx, f)
	for _, t := range ts {
		fmt.Fprintf(c.Stdout, "%s  %s  %8s  %3d msg  %-16s %-20s %s\n", t.ID, t.Ended.Local().Format("2006-01-02 15:04"),
			t.Ended.Sub(t.Started).Round(time.Second), t.Messages, orDash(t.Operator), orDash(printable(t.Customer)),
			"session "+orDash(t.Session))
	}
	return err
}

// parseSince reads a duration back from now ("24h") or a time: RFC 3339,
// or a local "2006-01-02" or "2006-01-02 15:04".
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{time.DateOnly, "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("-since %q: use a duration such as 24h, or a time such as 2026-11-25, \"2026-11-25 08:00\" or 2026-11-25T08:00:00Z", s)
}

func (c CLI) chatShow(ctx context.Context, a *Admin, args []string) error {
	fs := flag.NewFlagSet("chat show", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		args = slices.Concat(args[1:], args[:1]) // ID first, as usage shows; flag wants flags first
	}
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return usageError("want chat show ID [-json]")
	}
	rec, err := a.ReadChatTranscript(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.MarshalIndent(toChatResponse(rec), "", "  ")
		fmt.Fprintf(c.Stdout, "%s\n", b)
	} else {
		writeTranscript(c.Stdout, rec)
	}
	if rec.Check == ChatAltered {
		return fmt.Errorf("transcript %s was changed after the conversation ended (its SHA-256 no longer matches): "+
			"do not rely on it; signaling admin audit verify checks the log that keeps the original digest", rec.ID)
	}
	return nil
}

func writeTranscript(w io.Writer, rec ChatRecord) {
	t := rec.ChatTranscript
	fmt.Fprintf(w, "conversation: %s\nsession: %s\noperator: %s\ncustomer: %s\nstarted: %s\nended: %s\nmessages: %d\nsha256: %x\ncheck: %s\n\n",
		t.ID, orDash(t.Session), orDash(t.Operator), orDash(printable(t.Customer)), t.Started.Local().Format(time.DateTime),
		t.Ended.Local().Format(time.DateTime), t.Messages, t.SHA256, checkLine(rec))
	if rec.Events == nil {
		fmt.Fprintln(w, "(the stored body is not a readable transcript)")
	}
	day := t.Started.Local().Format(time.DateOnly)
	for _, e := range rec.Events {
		fmt.Fprintf(w, "%s  %s\n", eventTime(e.At, day), eventLine(e))
	}
}

func checkLine(rec ChatRecord) string {
	switch rec.Check {
	case ChatVerified:
		return fmt.Sprintf("verified (matches audit entry %d)", rec.AuditSeq)
	case ChatUnaudited:
		return fmt.Sprintf("matches its stored SHA-256, but no chat.transcript audit entry names it (look for subject=%q "+
			"in signaling admin audit list; audit verify checks the log)", cmp.Or(rec.Session, rec.ID))
	}
	if rec.AuditSeq != 0 {
		return fmt.Sprintf("ALTERED: the body hashes to %x; audit entry %d recorded %s", store.TranscriptSHA256(rec.Body), rec.AuditSeq, rec.AuditSHA256)
	}
	return fmt.Sprintf("ALTERED: the body hashes to %x", store.TranscriptSHA256(rec.Body))
}

// eventTime shows an event's time of day, with its date when that is not
// the conversation's first day.
func eventTime(at, day string) string {
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return fmt.Sprintf("%-8s", "?")
	}
	if t.Local().Format(time.DateOnly) != day {
		return t.Local().Format(time.DateTime)
	}
	return t.Local().Format(time.TimeOnly)
}

func eventLine(e chatwire.Event) string {
	switch e.Type {
	case chatwire.EventMessage:
		who := e.From
		if e.Name != "" {
			who = printable(e.Name) + " (" + e.From + ")"
		}
		return who + ": " + strings.ReplaceAll(printable(e.Text), "\n", "\n          ")
	case chatwire.EventAssigned:
		if e.Operator != nil {
			return "-- answered by " + printable(e.Operator.Name)
		}
		return "-- answered"
	case chatwire.EventInvite:
		return "-- invited to a remote session"
	case chatwire.EventClosed:
		return "-- ended (" + printable(e.Reason) + ")"
	}
	return "-- " + printable(e.Type)
}

// printable keeps what customers typed from driving the terminal: escape
// sequences, carriage returns, bidirectional overrides and other
// non-printing characters but newline and tab show as U+FFFD.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || unicode.IsPrint(r) {
			return r
		}
		return unicode.ReplacementChar
	}, s)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
