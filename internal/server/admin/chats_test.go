package admin

import (
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

var chatT0 = time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)

// putChat stores a two-message transcript ending min minutes after
// chatT0 and, when audited, its chat.transcript entry, both as package
// helpdesk writes them. It returns the conversation's ID.
func putChat(t *testing.T, st store.Store, log *audit.Log, id, session string, min int, audited bool) string {
	t.Helper()
	at := func(s int) string { return chatT0.Add(time.Duration(s) * time.Second).Format(time.RFC3339) }
	events := []chatwire.Event{
		{Type: chatwire.EventMessage, Seq: 1, From: chatwire.FromCustomer, Name: "Marie", Text: "bonjour, l'imprimante", At: at(1)},
		{Type: chatwire.EventAssigned, Seq: 2, Operator: &chatwire.Operator{Name: "Alice", Organisation: "Tandem"}, At: at(2)},
		{Type: chatwire.EventMessage, Seq: 3, From: chatwire.FromOperator, Name: "Alice", Text: "I'll look", At: at(3)},
		{Type: chatwire.EventClosed, Seq: 4, Reason: "closed", At: at(60 * min)},
	}
	body, _ := json.Marshal(events)
	tr := store.ChatTranscript{ID: id, Session: session, Operator: "alice", Customer: "Marie", Started: chatT0,
		Ended: chatT0.Add(time.Duration(min) * time.Minute), Messages: 2, SHA256: store.TranscriptSHA256(body), Body: body}
	if err := st.PutChatTranscript(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	if audited {
		_, err := log.Record(context.Background(), audit.Entry{Kind: "chat.transcript", Actor: "alice", Subject: cmp.Or(session, id),
			Detail: map[string]string{"conversation": id, "messages": "2", "sha256": hex.EncodeToString(tr.SHA256)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// chatEnv is an Admin over a fresh database with an administrator
// ("root") and an operator ("op1") logged in over TLS.
type chatEnv struct {
	t         *testing.T
	st        store.Store
	a         *Admin
	url       string
	hc        *http.Client
	root, op1 string // their login tokens
}

func newChatEnv(t *testing.T) *chatEnv {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := audit.New(st, nil, nil)
	svc, err := auth.New(ctx, st, auth.Config{Iterations: auth.MinIterations}, log.AuthHook())
	if err != nil {
		t.Fatal(err)
	}
	a := New(svc, st, log, nil, func() time.Time { return chatT0.Add(time.Hour) })
	for id, k := range map[string]store.Kind{"root": store.KindAdministrator, "op1": store.KindOperator} {
		if err := svc.CreateAccount(ctx, store.Account{ID: id, Kind: k}, pw); err != nil {
			t.Fatal(err)
		}
	}
	hs := httptest.NewTLSServer(a.Handler())
	t.Cleanup(hs.Close)
	e := &chatEnv{t: t, st: st, a: a, url: hs.URL, hc: hs.Client()}
	e.root, e.op1 = e.login("root"), e.login("op1")
	return e
}

func (e *chatEnv) login(id string) string {
	tok, err := login.Login(context.Background(), e.hc, e.url, id, pw)
	if err != nil {
		e.t.Fatalf("login %s: %v", id, err)
	}
	return tok.Value
}

// get returns the status and body of GET path with token.
func (e *chatEnv) get(path, token string) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (e *chatEnv) list(query string) []chatSummary {
	e.t.Helper()
	code, b := e.get("/v1/admin/chats"+query, e.root)
	var out []chatSummary
	if code != 200 || json.Unmarshal(b, &out) != nil {
		e.t.Fatalf("list %s: %d %s", query, code, b)
	}
	return out
}

// entries returns the audit entries of kind.
func (e *chatEnv) entries(kind string) []audit.Entry {
	e.t.Helper()
	all, err := e.a.log.List(context.Background(), 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []audit.Entry
	for _, en := range all {
		if en.Kind == kind {
			out = append(out, en)
		}
	}
	return out
}

func ids(cs []chatSummary) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.ID)
	}
	return strings.Join(s, " ")
}

// TestChatAPIList: administrators list transcripts latest first, filtered
// by session, end time and count, without message text; bad filters are
// 400s.
func TestChatAPIList(t *testing.T) {
	e := newChatEnv(t)
	for i, session := range []string{"", "s1", "", "s1"} {
		putChat(t, e.st, e.a.log, "c"+strconv.Itoa(i+1), session, i+1, true)
	}
	for query, want := range map[string]string{
		"":                            "c4 c3 c2 c1",
		"?limit=2":                    "c4 c3",
		"?session=s1":                 "c4 c2",
		"?since=2026-11-25T08:03:00Z": "c4 c3",
		"?since=2026-11-25T09:02:00%2B01:00&session=s1": "c4 c2",
		"?session=nope": "",
	} {
		if got := ids(e.list(query)); got != want {
			t.Errorf("list%s: %q, want %q", query, got, want)
		}
	}
	code, b := e.get("/v1/admin/chats?session=s1&limit=1", e.root)
	if code != 200 || strings.Contains(string(b), "bonjour") || strings.Contains(string(b), "events") {
		t.Errorf("the list shows messages: %d %s", code, b)
	}
	c := e.list("?limit=1")[0]
	if c.Session != "s1" || c.Operator != "alice" || c.Customer != "Marie" || c.Messages != 2 || len(c.SHA256) != 64 ||
		!c.Started.Equal(chatT0) || !c.Ended.Equal(chatT0.Add(4*time.Minute)) {
		t.Errorf("listed %+v", c)
	}
	for _, q := range []string{"?since=yesterday", "?limit=0", "?limit=1001", "?limit=x"} {
		if code, b := e.get("/v1/admin/chats"+q, e.root); code != 400 {
			t.Errorf("list%s: %d %s, want 400", q, code, b)
		}
	}
	if got := e.entries("chat.read"); len(got) != 0 {
		t.Errorf("listing was audited as reading: %+v", got)
	}
}

// TestChatAPIRead: an administrator reads a whole transcript, checked
// against the audit log, and the read is audited (also through their
// read-only API key); operators get 403 and nothing; an unknown ID is a
// 404.
func TestChatAPIRead(t *testing.T) {
	e := newChatEnv(t)
	id := putChat(t, e.st, e.a.log, "c1", "s1", 5, true)
	seq := e.entries("chat.transcript")[0].Seq

	code, b := e.get("/v1/admin/chats/"+id, e.root)
	var r chatResponse
	if code != 200 || json.Unmarshal(b, &r) != nil {
		t.Fatalf("read: %d %s", code, b)
	}
	if r.ID != id || r.Check != "verified" || r.AuditSeq != seq || r.AuditSHA256 != r.SHA256 || len(r.Events) != 4 ||
		r.Events[0].Text != "bonjour, l'imprimante" || r.Events[0].Name != "Marie" || r.Events[2].From != chatwire.FromOperator {
		t.Errorf("read %+v", r)
	}
	reads := e.entries("chat.read")
	if len(reads) != 1 || reads[0].Actor != "root" || reads[0].Subject != id || reads[0].Detail["session"] != "s1" ||
		reads[0].Detail["check"] != "verified" || reads[0].Detail["sha256"] != r.SHA256 {
		t.Fatalf("chat.read entries: %+v", reads)
	}

	for _, path := range []string{"/v1/admin/chats", "/v1/admin/chats/" + id} {
		if code, b := e.get(path, e.op1); code != 403 || strings.Contains(string(b), "bonjour") || strings.Contains(string(b), "Marie") {
			t.Errorf("operator GET %s: %d %s, want 403", path, code, b)
		}
		if code, _ := e.get(path, ""); code != 401 {
			t.Errorf("GET %s without a token: %d, want 401", path, code)
		}
	}
	// An administrator's read-only API key reads too, audited with the key's name.
	secret, k, err := e.a.CreateAPIKey(audit.WithActor(context.Background(), "root", netip.Addr{}),
		Caller{ID: "root", Kind: store.KindAdministrator}, "archiver", []string{ScopeAdminRead}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if code, b := e.get("/v1/admin/chats/"+id, secret); code != 200 {
		t.Errorf("read with an admin:read key: %d %s", code, b)
	}
	if reads := e.entries("chat.read"); len(reads) != 2 || reads[1].Actor != "root/"+k.ID {
		t.Errorf("chat.read by key: %+v", reads)
	}
	opKey, _, err := e.a.CreateAPIKey(context.Background(), Caller{ID: "op1", Kind: store.KindOperator}, "mine", []string{ScopeBlocks}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := e.get("/v1/admin/chats/"+id, opKey); code != 403 {
		t.Errorf("read with an operator's blocks key: %d, want 403", code)
	}
	if code, b := e.get("/v1/admin/chats/nope", e.root); code != 404 || !strings.Contains(string(b), "not_found") {
		t.Errorf("unknown ID: %d %s, want 404", code, b)
	}
	if n := len(e.entries("chat.read")); n != 2 {
		t.Errorf("%d chat.read entries after refused and unknown reads, want 2", n)
	}
	if n := len(e.entries("admin.forbidden")); n != 2 {
		t.Errorf("%d admin.forbidden entries for the operator's two tries, want 2", n)
	}
}

// TestChatCheck: a read says whether the transcript still matches its
// digest and the audit entry written when the conversation ended.
func TestChatCheck(t *testing.T) {
	e := newChatEnv(t)
	ctx := context.Background()
	log := e.a.log
	putChat(t, e.st, log, "ok", "s1", 1, true)
	putChat(t, e.st, log, "ok-unbound", "", 1, true)
	putChat(t, e.st, log, "unaudited", "s2", 1, false)
	putChat(t, e.st, log, "edited", "s3", 1, true)
	putChat(t, e.st, log, "rehashed", "", 1, true)
	putChat(t, e.st, log, "garbled", "s5", 1, true)
	// a second conversation of session s1, audited after "ok", must not be taken for it
	putChat(t, e.st, log, "ok-2", "s1", 2, true)
	db := e.st.(*store.SQLite).DB()
	for _, q := range []string{
		`UPDATE chat_transcripts SET body = CAST(replace(CAST(body AS TEXT), 'imprimante', 'imprimerie') AS BLOB) WHERE id = 'edited'`,
		`UPDATE chat_transcripts SET body = CAST(replace(CAST(body AS TEXT), 'imprimante', 'imprimerie') AS BLOB) WHERE id = 'rehashed'`,
		`UPDATE chat_transcripts SET body = x'00ff' WHERE id = 'garbled'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	// "rehashed" gets a digest that fits its new body: only the audit log tells.
	rehashed, _ := e.st.ChatTranscript(ctx, "rehashed")
	if _, err := db.Exec("UPDATE chat_transcripts SET sha256 = ? WHERE id = 'rehashed'", store.TranscriptSHA256(rehashed.Body)); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]ChatCheck{"ok": ChatVerified, "ok-unbound": ChatVerified, "ok-2": ChatVerified,
		"unaudited": ChatUnaudited, "edited": ChatAltered, "rehashed": ChatAltered, "garbled": ChatAltered} {
		rec, err := e.a.ReadChatTranscript(audit.WithActor(ctx, "root", netip.Addr{}), id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if rec.Check != want {
			t.Errorf("%s: check %s, want %s", id, rec.Check, want)
		}
		if (id == "garbled") != (rec.Events == nil) {
			t.Errorf("%s: events %v", id, rec.Events)
		}
	}
}

// failingAudit is a store whose audit log refuses every append.
type failingAudit struct{ store.Store }

func (failingAudit) AppendAudit(context.Context, func(store.AuditRecord) (store.AuditRecord, error)) (store.AuditRecord, error) {
	return store.AuditRecord{}, errors.New("disk full")
}

func (failingAudit) AppendAudits(context.Context, []func(store.AuditRecord) (store.AuditRecord, error)) ([]store.AuditRecord, error) {
	return nil, errors.New("disk full")
}

// TestChatReadNeedsAudit: a transcript whose read cannot be recorded is
// not returned.
func TestChatReadNeedsAudit(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	putChat(t, st, audit.New(st, nil, nil), "c1", "s1", 1, true)
	a := New(nil, st, audit.New(failingAudit{st}, nil, nil), nil, nil)
	rec, err := a.ReadChatTranscript(ctx, "c1")
	if err == nil || rec.Body != nil || rec.Events != nil {
		t.Fatalf("read without an audit entry: %+v, %v", rec, err)
	}
}
