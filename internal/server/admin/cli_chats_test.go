package admin

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
)

// putChats stores transcripts in e's database as the server would: c1
// (no session, ended 08:01 UTC), c2 (session s1, 08:02), c3 (session s1,
// 08:03, with a customer whose name and message carry terminal escapes).
func (e *cliEnv) putChats() {
	e.t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(e.dir, "tandem.db"))
	if err != nil {
		e.t.Fatal(err)
	}
	defer st.Close()
	log := audit.New(st, nil, nil)
	putChat(e.t, st, log, "c1", "", 1, true)
	putChat(e.t, st, log, "c2", "s1", 2, true)
	putChat(e.t, st, log, "c3", "s1", 3, true)
	db := st.DB()
	if _, err := db.Exec(`UPDATE chat_transcripts SET customer = 'Eve' || char(27) || '[2J' WHERE id = 'c3'`); err != nil {
		e.t.Fatal(err)
	}
}

// firstFields returns the first field of each output line.
func firstFields(out string) string {
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			ids = append(ids, f[0])
		}
	}
	return strings.Join(ids, " ")
}

// TestCLIChats: chat list filters and orders like the API and shows no
// message; chat show prints the conversation for a person, checked, and
// is audited as the local user.
func TestCLIChats(t *testing.T) {
	e := newCLIEnv(t)
	e.putChats()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"chat", "list"}, "c3 c2 c1"},
		{[]string{"chat", "list", "-limit", "1"}, "c3"},
		{[]string{"chat", "list", "-session", "s1"}, "c3 c2"},
		{[]string{"chat", "list", "-since", "2026-11-25T08:02:00Z"}, "c3 c2"},
		{[]string{"chat", "list", "-session", "s1", "-since", "2026-11-25T08:03:00Z"}, "c3"},
		{[]string{"chat", "list", "-since", "2026-11-26"}, ""},
	} {
		if got := firstFields(e.ok("", c.args...)); got != c.want {
			t.Errorf("%v: listed %q, want %q", c.args, got, c.want)
		}
	}
	list := e.ok("", "chat", "list")
	if strings.Contains(list, "bonjour") || strings.Contains(list, "\x1b") || !strings.Contains(list, "2 msg") ||
		!strings.Contains(list, "alice") || !strings.Contains(list, "session s1") {
		t.Errorf("chat list:\n%s", list)
	}
	if got := e.ok("", "audit", "list"); strings.Contains(got, "chat.read") {
		t.Errorf("listing was audited as reading:\n%s", got)
	}

	out := e.ok("", "chat", "show", "c2")
	for _, want := range []string{"conversation: c2\n", "session: s1\n", "customer: Marie\n", "messages: 2\n",
		"check: verified (matches audit entry 2)", "Marie (customer): bonjour, l'imprimante\n",
		"Alice (operator): I'll look\n", "-- answered by Alice\n", "-- ended (closed)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat show lacks %q:\n%s", want, out)
		}
	}
	if i, j := strings.Index(out, "bonjour"), strings.Index(out, "I'll look"); i < 0 || j < i {
		t.Errorf("messages out of order:\n%s", out)
	}
	if out := e.ok("", "chat", "show", "c3"); strings.Contains(out, "\x1b") || !strings.Contains(out, "customer: Eve\uFFFD[2J") {
		t.Errorf("a customer's escape sequence reached the terminal:\n%q", out)
	}

	var r chatResponse
	if b := e.ok("", "chat", "show", "c1", "-json"); json.Unmarshal([]byte(b), &r) != nil || r.ID != "c1" || r.Check != "verified" ||
		len(r.Events) != 4 || r.Events[2].Text != "I'll look" {
		t.Errorf("chat show -json: %+v from\n%s", r, b)
	}

	audits := e.ok("", "audit", "list")
	for _, id := range []string{"c1", "c2", "c3"} {
		if !strings.Contains(audits, `chat.read actor="local:`+localUser()+`" subject="`+id+`"`) {
			t.Errorf("no chat.read entry by the local user for %s:\n%s", id, audits)
		}
	}
}

// TestCLIChatProblems: an unknown ID, bad flags and an altered transcript
// exit non-zero with a message that says what to do; an unaudited one says
// where to look.
func TestCLIChatProblems(t *testing.T) {
	e := newCLIEnv(t)
	e.putChats()
	if code, out := e.run("", "chat", "show", "nope"); code != 1 || !strings.Contains(out, "not found") {
		t.Errorf("unknown ID: %d %s", code, out)
	}
	for _, args := range [][]string{{"chat", "show"}, {"chat", "show", "a", "b"}, {"chat", "list", "-since", "soon"},
		{"chat", "list", "-limit", "0"}, {"chat", "list", "x"}, {"chat", "frob"}} {
		if code, out := e.run("", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, code, out)
		}
	}
	if code, out := e.run("", "chat", "list", "-limit", "5000"); code != 1 || !strings.Contains(out, "1-1000") {
		t.Errorf("too long a list: %d %s", code, out)
	}
	st, err := store.OpenSQLite(context.Background(), filepath.Join(e.dir, "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	putChat(t, st, audit.New(st, nil, nil), "c9", "s9", 9, false)
	st.Close()
	if out := e.ok("", "chat", "show", "c9"); !strings.Contains(out, "no chat.transcript audit entry") || !strings.Contains(out, `subject="s9"`) {
		t.Errorf("unaudited transcript:\n%s", out)
	}
	if _, err := e.db().Exec(`UPDATE chat_transcripts SET body = CAST(replace(CAST(body AS TEXT), 'look', 'leave') AS BLOB) WHERE id = 'c2'`); err != nil {
		t.Fatal(err)
	}
	code, out := e.run("", "chat", "show", "c2")
	if code != 1 || !strings.Contains(out, "ALTERED") || !strings.Contains(out, "I'll leave") || !strings.Contains(out, "audit verify") {
		t.Errorf("altered transcript: exit %d:\n%s", code, out)
	}
}
