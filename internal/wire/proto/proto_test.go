package proto

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/grant"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// golden lists one example of every message; their encodings are pinned in
// testdata/NAME.json so a change to the wire format is a visible diff.
var golden = []struct {
	name string
	typ  Type
	body any
}{
	{"open", TypeOpen, Open{Token: "tok"}},
	{"opened", TypeOpened, Opened{Session: "s1", Code: "123456789", Expires: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
		ICEServers: []ICEServer{{URLs: []string{"stun:relay.example:3478"}}, {URLs: []string{"turns:relay.example:443?transport=tcp"}, Username: "1800000000:s1", Credential: "c2VjcmV0"}}}},
	{"join", TypeJoin, Join{Code: "123456789"}},
	{"join-ticket", TypeJoin, Join{Ticket: "Zm9yIGEgc3RhbXBlZCBhZ2VudCBkb3dubG9hZC4uLi4"}},
	{"join-agent", TypeJoin, Join{Code: "123456789", Agent: "NdKPx7WBEnSiyvR9rY9ezXsyVlMCQOvr4lFwgkyOR60"}},
	{"joined", TypeJoined, Joined{Session: "s1", ICEServers: []ICEServer{{URLs: []string{"turn:relay.example:3478?transport=udp"}, Username: "u", Credential: "p"}}}},
	{"peer-joined", TypePeerJoined, PeerJoined{Session: "s1"}},
	{"peer-joined-agent", TypePeerJoined, PeerJoined{Session: "s1", Agent: "NdKPx7WBEnSiyvR9rY9ezXsyVlMCQOvr4lFwgkyOR60"}},
	{"signal", TypeSignal, Signal{Data: json.RawMessage(`{"candidate":{"candidate":"candidate:1 1 udp 1 192.0.2.1 5000 typ host"}}`)}},
	{"bye", TypeBye, Bye{Reason: "hangup"}},
	{"error", TypeError, Error{Code: CodeInvalidCode, Message: "the session code is wrong, expired or already used"}},
	{"hello", TypeHello, Hello{Nonce: "n1", Version: "dev"}},
	{"hello-ack", TypeHelloAck, HelloAck{Nonce: "n1", Version: "dev"}},
}

func TestGolden(t *testing.T) {
	for _, g := range golden {
		t.Run(g.name, func(t *testing.T) {
			got, err := Encode(g.typ, g.body)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", g.name+".json")
			if *update {
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(want) != string(got)+"\n" {
				t.Fatalf("encoding changed:\n got %s\nwant %s", got, want)
			}
			env, err := Decode(want)
			if err != nil || env.Type != g.typ {
				t.Fatalf("Decode = %+v, %v", env, err)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	big := make([]byte, MaxMessageSize+1)
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"not json", []byte("hello"), nil},
		{"wrong version", []byte(`{"v":2,"type":"open"}`), ErrVersion},
		{"no type", []byte(`{"v":1}`), nil},
		{"too big", big, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.in)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestBodyChecks(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  string
		ok   bool
	}{
		{"join ok", `{"v":1,"type":"join","body":{"code":"123456789"}}`, true},
		{"join short", `{"v":1,"type":"join","body":{"code":"12345678"}}`, false},
		{"join letters", `{"v":1,"type":"join","body":{"code":"12345678x"}}`, false},
		{"join unknown field", `{"v":1,"type":"join","body":{"code":"123456789","admin":true}}`, false},
		{"join no body", `{"v":1,"type":"join"}`, false},
		{"join ticket", `{"v":1,"type":"join","body":{"ticket":"Zm9yIGEgc3RhbXBlZCBhZ2VudCBkb3dubG9hZC4uLi4"}}`, true},
		{"join ticket short", `{"v":1,"type":"join","body":{"ticket":"Zm9yIGEgc3RhbXBlZCBhZ2VudCBkb3dubG9hZC4uLi"}}`, false},
		{"join ticket padded", `{"v":1,"type":"join","body":{"ticket":"Zm9yIGEgc3RhbXBlZCBhZ2VudCBkb3dubG9hZC4uL=="}}`, false},
		{"join code and ticket", `{"v":1,"type":"join","body":{"code":"123456789","ticket":"Zm9yIGEgc3RhbXBlZCBhZ2VudCBkb3dubG9hZC4uLi4"}}`, false},
		{"join neither", `{"v":1,"type":"join","body":{}}`, false},
		{"join with agent", `{"v":1,"type":"join","body":{"code":"123456789","agent":"NdKPx7WBEnSiyvR9rY9ezXsyVlMCQOvr4lFwgkyOR60"}}`, true},
		{"join agent short", `{"v":1,"type":"join","body":{"code":"123456789","agent":"NdKPx7WBEnSiyvR9rY9ezXsyVlMCQOvr4lFwgkyOR6"}}`, false},
		{"join agent not base64url", `{"v":1,"type":"join","body":{"code":"123456789","agent":"NdKPx7WBEnSiyvR9rY9ezXsyVlMCQOvr4lFwgkyOR6+"}}`, false},
		{"join agent alone", `{"v":1,"type":"join","body":{"agent":"NdKPx7WBEnSiyvR9rY9ezXsyVlMCQOvr4lFwgkyOR60"}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, err := Decode([]byte(tc.msg))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Body[Join](env)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	env, _ := Decode([]byte(`{"v":1,"type":"open","body":{"token":""}}`))
	if _, err := Body[Open](env); err == nil {
		t.Error("empty token accepted")
	}
}

// TestJoinedGrantKey: the grant key decodes from its base64 text only when
// it is 32 bytes; anything else fails the joined message with
// grant.ErrBadKey, which tells the customer what to do.
func TestJoinedGrantKey(t *testing.T) {
	good := `{"v":1,"type":"joined","body":{"session":"s1","ice_servers":[],"grant_key":"6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw="}}`
	env, _ := Decode([]byte(good))
	if j, err := Body[Joined](env); err != nil || len(j.GrantKey) != 32 {
		t.Fatalf("good key: %d bytes, %v", len(j.GrantKey), err)
	}
	for _, key := range []string{"!!", "AAAA", ""} {
		env, _ := Decode([]byte(`{"v":1,"type":"joined","body":{"session":"s1","ice_servers":[],"grant_key":"` + key + `"}}`))
		if _, err := Body[Joined](env); !errors.Is(err, grant.ErrBadKey) {
			t.Errorf("grant_key %q: %v, want grant.ErrBadKey", key, err)
		}
	}
}

func TestServerCode(t *testing.T) {
	for in, want := range map[string]string{
		"123456789":        "123456789",
		" 123 456 789 ":    "123456789",
		"123456789-SECRET": "123456789",
		"":                 "",
	} {
		if got := ServerCode(in); got != want {
			t.Errorf("ServerCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	for code, sentinel := range codeErrors {
		e := ErrorFor(sentinel)
		if e.Code != code {
			t.Errorf("ErrorFor(%v).Code = %q, want %q", sentinel, e.Code, code)
		}
		if !errors.Is(e.Err(), sentinel) {
			t.Errorf("Error{%q}.Err() does not wrap %v", code, sentinel)
		}
	}
	if ErrorFor(errors.New("boom")).Code != CodeInternal {
		t.Error("unknown error not mapped to internal")
	}
	if err := (Error{Code: "future_code"}).Err(); err == nil {
		t.Error("unknown code gave nil error")
	}
}

// FuzzDecode feeds arbitrary frames through Decode and every typed body
// decoder: none may panic, and anything accepted must re-encode and decode to
// the same type.
func FuzzDecode(f *testing.F) {
	for _, g := range golden {
		b, _ := Encode(g.typ, g.body)
		f.Add(b)
	}
	f.Add([]byte(`{"v":1,"type":"join","body":null}`))
	f.Add([]byte(`{"v":1,"type":"signal","body":{"data":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := Decode(data)
		if err != nil {
			return
		}
		decodeAny(env)
		again, err := json.Marshal(env)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		env2, err := Decode(again)
		if err != nil || env2.Type != env.Type {
			t.Fatalf("round trip: %v %q != %q", err, env2.Type, env.Type)
		}
	})
}

func decodeAny(env Envelope) {
	switch env.Type {
	case TypeOpen:
		Body[Open](env)
	case TypeOpened:
		Body[Opened](env)
	case TypeJoin:
		Body[Join](env)
	case TypeJoined:
		Body[Joined](env)
	case TypePeerJoined:
		Body[PeerJoined](env)
	case TypeSignal:
		Body[Signal](env)
	case TypeBye:
		Body[Bye](env)
	case TypeError:
		Body[Error](env)
	case TypeHello:
		Body[Hello](env)
	case TypeHelloAck:
		Body[HelloAck](env)
	case TypeScreenInfo:
		Body[ScreenInfo](env)
	case TypeSelectMonitor:
		Body[SelectMonitor](env)
	case TypeFrameInfo:
		Body[FrameInfo](env)
	case TypeClipboard:
		Body[Clipboard](env)
	}
}
