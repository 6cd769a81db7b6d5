package signaling

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/proto"
)

var configuredTURN = []string{"turn:relay.example:3478?transport=udp", "turn:relay.example:3478?transport=tcp", "turns:relay.example:5349?transport=tcp"}

func rawJSON(s string) json.RawMessage { return json.RawMessage(s) }

// allURLs flattens ICE servers' URLs.
func allURLs(ice []proto.ICEServer) []string {
	var out []string
	for _, s := range ice {
		out = append(out, s.URLs...)
	}
	return out
}

// TestAssignedRelayPort: an administrator assigns op1 relay port 443 over
// the API; both sides of op1's sessions get every TURN (and STUN) URL on
// 443 only, op2's get the configured ports; "0" clears the assignment;
// the change is audited.
func TestAssignedRelayPort(t *testing.T) {
	s := startServer(t, t.TempDir(), func(o *Options) { o.TURNURLs = configuredTURN })
	s.setup()
	root := s.mustLogin("root", adminPassword)
	for _, id := range []string{"op1", "op2"} {
		s.do("POST", "/v1/admin/accounts", root, map[string]string{"id": id, "kind": "operator", "password": opPassword})
	}
	for body, want := range map[string]int{`{"port":443}`: 204, `{"port":70000}`: 400, `{}`: 400} {
		if code, b := s.do("PUT", "/v1/admin/accounts/op1/relay-port", root, rawJSON(body)); code != want {
			t.Errorf("relay-port %s: %d %s, want %d", body, code, b, want)
		}
	}
	if code, _ := s.do("PUT", "/v1/admin/accounts/nobody/relay-port", root, rawJSON(`{"port":443}`)); code != 404 {
		t.Errorf("relay-port of an unknown account: %d, want 404", code)
	}
	op1, op2 := s.mustLogin("op1", opPassword), s.mustLogin("op2", opPassword)
	if code, _ := s.do("PUT", "/v1/admin/accounts/op1/relay-port", op2, rawJSON(`{"port":80}`)); code != 403 {
		t.Errorf("operator assigned a relay port: %d, want 403", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	opened, err := s.dial().Open(ctx, op1)
	if err != nil {
		t.Fatal(err)
	}
	joined, err := s.dial().Join(ctx, opened.Code)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"stun:relay.example:443", "turn:relay.example:443?transport=udp", "turn:relay.example:443?transport=tcp", "turns:relay.example:443?transport=tcp"}
	for side, ice := range map[string][]proto.ICEServer{"technician": opened.ICEServers, "agent": joined.ICEServers} {
		if got := allURLs(ice); !slices.Equal(got, want) {
			t.Errorf("op1's %s ICE URLs = %v, want %v", side, got, want)
		}
	}
	other, err := s.dial().Open(ctx, op2)
	if err != nil {
		t.Fatal(err)
	}
	if got := allURLs(other.ICEServers); !slices.Equal(got, append([]string{"stun:relay.example:3478"}, configuredTURN...)) {
		t.Errorf("op2's ICE URLs = %v, want the configured ones", got)
	}
	if !hasEntry(s.auditEntries(root), "admin.relay-port-set", "root", "op1") {
		t.Error("relay port assignment not audited")
	}

	s.do("PUT", "/v1/admin/accounts/op1/relay-port", root, rawJSON(`{"port":0}`))
	cleared, err := s.dial().Open(ctx, op1)
	if err != nil {
		t.Fatal(err)
	}
	if got := allURLs(cleared.ICEServers); slices.ContainsFunc(got, func(u string) bool { return strings.Contains(u, ":443") }) {
		t.Errorf("after clearing, op1's ICE URLs = %v", got)
	}
}

func TestWithPort(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []string
		want []string
	}{
		{"ports replaced, query kept", []string{"turn:h:3478?transport=udp", "turns:h:5349?transport=tcp"}, []string{"turn:h:8443?transport=udp", "turns:h:8443?transport=tcp"}},
		{"no port given", []string{"turn:h"}, []string{"turn:h:8443"}},
		{"IPv6", []string{"turn:[2001:db8::1]:3478?transport=udp", "turn:[2001:db8::2]"}, []string{"turn:[2001:db8::1]:8443?transport=udp", "turn:[2001:db8::2]:8443"}},
		{"duplicates dropped", []string{"turn:h:1?transport=udp", "turn:h:2?transport=udp"}, []string{"turn:h:8443?transport=udp"}},
	} {
		if got := withPort(tt.in, 8443); !slices.Equal(got, tt.want) {
			t.Errorf("%s: withPort(%v) = %v, want %v", tt.name, tt.in, got, tt.want)
		}
	}
}
