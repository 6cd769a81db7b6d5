package signaling

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

type keyJSON struct {
	ID  string `json:"id"`
	Key string `json:"key"`
}

func (s *server) newKey(token string, body map[string]any, want int) keyJSON {
	s.t.Helper()
	code, b := s.do("POST", "/v1/keys", token, body)
	var k keyJSON
	if code != want || (want == 200 && (json.Unmarshal(b, &k) != nil || !strings.HasPrefix(k.Key, "tdmk_"))) {
		s.t.Fatalf("create key %v: %d %s, want %d", body, code, b, want)
	}
	return k
}

// TestAPIKeys: keys act within their scopes and their owner's rights,
// never manage keys, die when revoked, expired or their owner is
// disabled, and are audited (uses name the key) without their secret.
func TestAPIKeys(t *testing.T) {
	clock := &authClock{now: time.Now()}
	s := startServer(t, t.TempDir(), func(o *Options) { o.Auth.Now = clock.Now })
	s.setup()
	root := s.mustLogin("root", adminPassword)
	for _, id := range []string{"op1", "op2"} {
		s.do("POST", "/v1/admin/accounts", root, map[string]string{"id": id, "kind": "operator", "password": opPassword})
	}
	op1, op2 := s.mustLogin("op1", opPassword), s.mustLogin("op2", opPassword)

	ro := s.newKey(root, map[string]any{"name": "monitoring", "scopes": []string{"admin:read"}}, 200)
	rw := s.newKey(root, map[string]any{"name": "provisioning", "scopes": []string{"admin:write"}, "expires_in": "1h"}, 200)
	s.newKey(root, map[string]any{"name": "x", "scopes": []string{"root"}}, 400)
	s.newKey(root, map[string]any{"name": "x", "scopes": []string{"blocks"}, "expires_in": "9000h"}, 400)
	s.newKey(op1, map[string]any{"name": "x", "scopes": []string{"admin:read"}}, 403)
	opKey := s.newKey(op1, map[string]any{"name": "blocker", "scopes": []string{"blocks"}}, 200)
	for _, c := range []struct {
		method, path, token string
		body                any
		want                int
	}{
		{"GET", "/v1/admin/accounts", ro.Key, nil, 200},
		{"POST", "/v1/admin/groups", ro.Key, map[string]string{"name": "desk"}, 403},
		{"POST", "/v1/admin/groups", rw.Key, map[string]string{"name": "desk"}, 204},
		{"GET", "/v1/admin/accounts", rw.Key, nil, 403},
		{"GET", "/v1/keys", ro.Key, nil, 403},
		{"POST", "/v1/keys", rw.Key, map[string]any{"name": "more", "scopes": []string{"admin:write"}}, 403},
		{"POST", "/v1/totp/enroll", ro.Key, nil, 403},
		{"POST", "/v1/blocks", opKey.Key, map[string]any{"address": "192.0.2.7"}, 200},
		{"GET", "/v1/admin/accounts", opKey.Key, nil, 403},
		{"GET", "/v1/admin/accounts", "tdmk_" + strings.Repeat("A", 43), nil, 401},
		{"DELETE", "/v1/keys/" + opKey.ID, op2, nil, 403},
	} {
		if code, b := s.do(c.method, c.path, c.token, c.body); code != c.want {
			t.Errorf("%s %s with %.12s: %d %s, want %d", c.method, c.path, c.token, code, b, c.want)
		}
	}

	if code, _ := s.do("DELETE", "/v1/keys/"+ro.ID, root, nil); code != 204 {
		t.Fatal("revoke failed")
	}
	clock.mu.Lock()
	clock.now = clock.now.Add(2 * time.Hour)
	clock.mu.Unlock()
	s.do("POST", "/v1/admin/accounts/op1/disable", root, nil)
	for name, key := range map[string]string{"revoked": ro.Key, "expired": rw.Key, "disabled owner's": opKey.Key} {
		if code, _ := s.do("GET", "/v1/blocks", key, nil); code != 401 {
			t.Errorf("%s key still works: %d", name, code)
		}
	}
	es := s.auditEntries(root)
	if !hasEntry(es, "admin.group-created", "root/"+rw.ID, "desk") || !hasEntry(es, "apikey.created", "op1", opKey.ID) ||
		!hasEntry(es, "apikey.revoked", "root", ro.ID) || !hasEntry(es, "customer.blocked", "op1/"+opKey.ID, "") {
		t.Error("key creation, use or revocation not audited with the key")
	}
	if b := mustJSON(es); strings.Contains(string(b), strings.TrimPrefix(rw.Key, "tdmk_")) {
		t.Error("audit log holds a key's secret")
	}
}
