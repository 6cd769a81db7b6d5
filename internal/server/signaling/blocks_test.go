package signaling

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"

	"github.com/tandem-remote/tandem/internal/relay"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

type blockJSON struct {
	ID        int64  `json:"id"`
	Address   string `json:"address"`
	CreatedBy string `json:"created_by"`
	Permanent bool   `json:"permanent"`
}

func (s *server) blocks(token string) []blockJSON {
	s.t.Helper()
	code, b := s.do("GET", "/v1/blocks", token, nil)
	var bs []blockJSON
	if code != 200 || json.Unmarshal(b, &bs) != nil {
		s.t.Fatalf("block list: %d %s", code, b)
	}
	return bs
}

func (s *server) block(token string, body map[string]any, want int) blockJSON {
	s.t.Helper()
	code, b := s.do("POST", "/v1/blocks", token, body)
	var bj blockJSON
	if code != want || (want == 200 && json.Unmarshal(b, &bj) != nil) {
		s.t.Fatalf("block %v: %d %s, want %d", body, code, b, want)
	}
	return bj
}

// allocate asks the relay in ice (an Opened's ICE servers) for a UDP
// allocation from 127.0.0.1.
func allocate(t *testing.T, ice []proto.ICEServer) error {
	t.Helper()
	for _, srv := range ice {
		for _, u := range srv.URLs {
			if !strings.HasPrefix(u, "turn:") || !strings.HasSuffix(u, "transport=udp") {
				continue
			}
			addr := strings.TrimSuffix(strings.TrimPrefix(u, "turn:"), "?transport=udp")
			pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer pc.Close()
			c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: addr, TURNServerAddr: addr, Conn: pc,
				Username: srv.Username, Password: srv.Credential, Realm: relay.DefaultRealm, RTO: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Listen(); err != nil {
				t.Fatal(err)
			}
			conn, err := c.Allocate()
			if err == nil {
				conn.Close()
			}
			return err
		}
	}
	t.Fatalf("no turn:...?transport=udp URL in %+v", ice)
	return nil
}

// TestCustomerBlocks: an operator's temporary block refuses joins ("refused",
// nothing more) and relay allocations from the address, audited; operators
// see and lift only their own blocks and never an administrator's;
// administrators see every block with its address; blocks survive a
// restart.
func TestCustomerBlocks(t *testing.T) {
	dir := t.TempDir()
	withRelay := func(o *Options) { o.Relay, o.RelayUDP = true, "127.0.0.1:0" }
	s := startServer(t, dir, withRelay)
	s.setup()
	root := s.mustLogin("root", adminPassword)
	for _, id := range []string{"op1", "op2"} {
		s.do("POST", "/v1/admin/accounts", root, map[string]string{"id": id, "kind": "operator", "password": opPassword})
	}
	op1, op2 := s.mustLogin("op1", opPassword), s.mustLogin("op2", opPassword)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	opened, err := s.dial().Open(ctx, op1)
	if err != nil {
		t.Fatal(err)
	}
	if err := allocate(t, opened.ICEServers); err != nil {
		t.Fatalf("allocation before any block: %v", err)
	}
	mine := s.block(op1, map[string]any{"address": "127.0.0.1", "duration": "1h", "reason": "rude customer"}, 200)
	s.block(op1, map[string]any{"address": "192.0.2.9", "permanent": true}, 403)
	s.block(op1, map[string]any{"address": "192.0.2.9", "duration": "200h"}, 400)
	s.block(op1, map[string]any{"address": "192.0.0.0/16"}, 403)
	s.block(op1, map[string]any{"address": "192.0.2.9", "agent_id": "agent-1"}, 400)
	s.block("", map[string]any{"address": "192.0.2.9"}, 401)
	admins := s.block(root, map[string]any{"address": "198.51.100.0/24", "permanent": true, "reason": "fraud"}, 200)

	_, err = s.dial().Join(ctx, opened.Code)
	if !errors.Is(err, proto.ErrRefused) || strings.Contains(err.Error(), "rude") || strings.Contains(err.Error(), "block") {
		t.Fatalf("join from a blocked address: %v, want a plain refusal", err)
	}
	if err := allocate(t, opened.ICEServers); err == nil || !strings.Contains(err.Error(), "486") {
		t.Fatalf("relay allocation from a blocked address: %v, want 486", err)
	}
	if !hasEntry(s.auditEntries(root), "session.join-refused", "", "block:"+itoa(int(mine.ID))) {
		t.Error("refused join not audited with the block")
	}

	if bs := s.blocks(op2); len(bs) != 0 {
		t.Errorf("op2 sees others' blocks: %+v", bs)
	}
	if bs := s.blocks(op1); len(bs) != 1 || bs[0].ID != mine.ID || bs[0].Address != "127.0.0.1" {
		t.Errorf("op1's blocks: %+v", bs)
	}
	for tok, id := range map[string]int64{op2: mine.ID, op1: admins.ID} {
		if code, b := s.do("DELETE", "/v1/blocks/"+itoa(int(id)), tok, nil); code != 403 {
			t.Errorf("operator lifted block %d that is not theirs: %d %s", id, code, b)
		}
	}

	s.stop() // blocks survive a restart
	s = startServer(t, dir, withRelay)
	root, op1 = s.mustLogin("root", adminPassword), s.mustLogin("op1", opPassword)
	bs := s.blocks(root)
	if len(bs) != 2 || bs[0].Address != "127.0.0.1" || bs[1].Address != "198.51.100.0/24" || !bs[1].Permanent {
		t.Fatalf("blocks after restart, as root: %+v", bs)
	}
	opened, err = s.dial().Open(ctx, op1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.dial().Join(ctx, opened.Code); !errors.Is(err, proto.ErrRefused) {
		t.Fatalf("join after restart: %v, want refused", err)
	}
	if code, b := s.do("DELETE", "/v1/blocks/"+itoa(int(mine.ID)), op1, nil); code != 204 {
		t.Fatalf("op1 lifting its own block: %d %s", code, b)
	}
	if _, err := s.dial().Join(ctx, opened.Code); err != nil {
		t.Fatalf("join after unblocking: %v", err)
	}
	if err := allocate(t, opened.ICEServers); err != nil {
		t.Fatalf("allocation after unblocking: %v", err)
	}
	es := s.auditEntries(root)
	for _, want := range []struct{ kind, actor string }{{"customer.blocked", "op1"}, {"customer.blocked", "root"}, {"customer.unblocked", "op1"}} {
		if !hasEntry(es, want.kind, want.actor, "") {
			t.Errorf("audit lacks %s by %s", want.kind, want.actor)
		}
	}
}
