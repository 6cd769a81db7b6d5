package chatwire

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var (
	started = time.Date(2026, 11, 25, 9, 10, 11, 0, time.UTC)
	alice   = Operator{Name: "Alice Martin", Organisation: "Example Ltd"}
	code    = "123456789"
	message = Event{Type: EventMessage, Seq: 3, From: FromCustomer, Name: "Marie", Text: "l'imprimante <ne marche pas> & \"rien\"",
		At: "2026-11-25T09:10:12Z", CID: "c-1"}
	assigned = Event{Type: EventAssigned, Seq: 1, Operator: &alice, At: "2026-11-25T09:10:11Z"}
	invite   = Event{Type: EventInvite, Seq: 4, Code: code, At: "2026-11-25T09:11:00Z"}
	closed   = Event{Type: EventClosed, Seq: 5, Reason: "operator", At: "2026-11-25T09:12:00Z"}
	summary  = DeskSummary{ID: "c0ffee", State: StateYours, Name: "Marie", Topic: "printer", Lang: "fr",
		Session: "s1", Started: started, Messages: 2}
	refusal = Failure{Code: CodeTaken, Message: "another operator has this conversation"}
)

// goldens are one value of every message, each with every field set, and
// the shapes whose empty fields are kept or left out.
var goldens = []struct {
	name string
	v    any
}{
	{"event-message", message},
	{"event-assigned", assigned},
	{"event-invite", invite},
	{"event-closed", closed},
	{"event-typing", Event{Type: EventTyping, From: FromOperator}},
	{"visit-code", Visit{Code: "123 456 789", Lang: "en"}},
	{"visit-name", Visit{Name: "Marie", Topic: "printer", Lang: "fr"}},
	{"visited-bound", Visited{ID: "c0ffee", Key: "k3y", Operator: &alice, Code: &code}},
	{"visited-waiting", Visited{ID: "c0ffee", Key: "k3y"}},
	{"page-hello", PageFrame{Type: FrameHello, ID: "c0ffee", Key: "k3y", After: 7}},
	{"page-send", PageFrame{Type: FrameSend, ID: "c0ffee", Key: "k3y", CID: "c-2", Text: "merci"}},
	{"polled", Polled{Events: []Event{assigned, message}}},
	{"polled-none", Polled{Events: []Event{}}},
	{"sent", Sent{Seq: 3}},
	{"page-error", PageError{Type: TypeError, CID: "c-2", Failure: Failure{Code: CodeThrottled, Message: "slow down"}}},
	{"page-error-no-cid", PageError{Type: TypeError, Failure: Failure{Code: CodeBadRequest, Message: "the request is malformed"}}},
	{"failure", refusal},
	{"desk-request-pick", DeskRequest{Type: RequestPick, Conversation: "c0ffee"}},
	{"desk-request-send", DeskRequest{Type: RequestSend, Conversation: "c0ffee", Text: "Bonjour Marie"}},
	{"desk-request-typing", DeskRequest{Type: RequestTyping, Conversation: "c0ffee"}},
	{"desk-request-invite", DeskRequest{Type: RequestInvite, Conversation: "c0ffee", Code: code}},
	{"desk-request-close", DeskRequest{Type: RequestClose, Conversation: "c0ffee", Reason: "done"}},
	{"desk-queue", DeskQueue{Type: TypeQueue, Conversations: []DeskSummary{summary,
		{ID: "beef", State: StateWaiting, Name: "Paul", Started: started.Add(time.Minute)}}}},
	{"desk-queue-empty", DeskQueue{Type: TypeQueue, Conversations: []DeskSummary{}}},
	{"desk-history", DeskHistory{Type: TypeHistory, Conversation: "c0ffee", Events: []Event{assigned, message}}},
	{"desk-event", DeskEvent{Type: TypeEvent, Conversation: "c0ffee", Event: invite}},
	{"desk-typing", DeskTyping{Type: TypeTyping, Conversation: "c0ffee"}},
	{"desk-error", DeskError{Type: TypeError, Conversation: "c0ffee", Failure: refusal}},
}

// TestGolden pins every message's bytes: the page's JavaScript, an older
// technician and a stored transcript read them as they are.
func TestGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			got, err := json.Marshal(g.v)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("testdata", g.name+".json")
			if *update {
				os.WriteFile(file, append(got, '\n'), 0o644)
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update once)", err)
			}
			if string(got)+"\n" != string(want) {
				t.Errorf("wire changed:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestGoldenReadBack reads every golden file back into its own type: the
// receiving end gets what the sender meant.
func TestGoldenReadBack(t *testing.T) {
	for _, g := range goldens {
		b := readGolden(t, g.name)
		p := reflect.New(reflect.TypeOf(g.v))
		if err := json.Unmarshal(b, p.Interface()); err != nil {
			t.Fatalf("%s: %v", g.name, err)
		}
		if got := p.Elem().Interface(); !reflect.DeepEqual(got, g.v) {
			t.Errorf("%s read back as %+v, want %+v", g.name, got, g.v)
		}
	}
}

// TestDeskReads checks what the desk makes of each message the server
// sends it, from the golden bytes.
func TestDeskReads(t *testing.T) {
	for _, c := range []struct {
		name string
		want DeskMessage
	}{
		{"desk-queue", DeskMessage{Type: TypeQueue, Conversations: goldenValue[DeskQueue](t, "desk-queue").Conversations}},
		{"desk-queue-empty", DeskMessage{Type: TypeQueue, Conversations: []DeskSummary{}}},
		{"desk-history", DeskMessage{Type: TypeHistory, Conversation: "c0ffee", Events: []Event{assigned, message}}},
		{"desk-event", DeskMessage{Type: TypeEvent, Conversation: "c0ffee", Event: &invite}},
		{"desk-typing", DeskMessage{Type: TypeTyping, Conversation: "c0ffee"}},
		{"desk-error", DeskMessage{Type: TypeError, Conversation: "c0ffee", Error: CodeTaken, Message: refusal.Message}},
	} {
		var m DeskMessage
		if err := json.Unmarshal(readGolden(t, c.name), &m); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(m, c.want) {
			t.Errorf("%s: the desk read %+v, want %+v", c.name, m, c.want)
		}
	}
	if q := goldenValue[DeskQueue](t, "desk-queue"); len(q.Conversations) != 2 || q.Conversations[0] != summary {
		t.Errorf("queue read back as %+v", q)
	}
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func goldenValue[T any](t *testing.T, name string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(readGolden(t, name), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestLeaf keeps the package free of the server: the technician links it.
func TestLeaf(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Skip("go list unavailable:", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p != "github.com/tandem-remote/tandem/internal/wire/chatwire" {
			t.Errorf("chatwire depends on %s", p)
		}
	}
}
