package signaling

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xdg-go/scram"

	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/cluster"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// TestShareThrottles: two nodes' servers on two routed embedded NATS
// servers; failed logins on node A alone (five, its burst) throttle the
// source on node B too, while another source still logs in on B.
func TestShareThrottles(t *testing.T) {
	busA, busB := routedBuses(t)
	nodeA, nodeB := throttleNode(t, busA), throttleNode(t, busB)
	waitInterest(t, busA, busB)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	nodeA.remote.Store("198.51.100.4:5000")
	for i := range 5 {
		if _, err := login.Login(ctx, nodeA.srv.Client(), nodeA.srv.URL, "nobody", "a guess"); !errors.Is(err, login.ErrLoginFailed) {
			t.Fatalf("guess %d on node A: %v, want login failed", i+1, err)
		}
	}
	// A's failures reach B a moment after each answer: wait for B to
	// throttle the source, asking with a login start, which counts no
	// failure (a guess on B would count one there, and prove nothing).
	nodeB.remote.Store("198.51.100.4:5000")
	for deadline := time.Now().Add(30 * time.Second); !startThrottled(t, nodeB); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("node B never throttled the source of five failures on node A")
		}
	}
	if _, err := login.Login(ctx, nodeB.srv.Client(), nodeB.srv.URL, "bob", goodTestPassword); !errors.Is(err, login.ErrThrottled) {
		t.Fatalf("right password from that source on node B: %v, want throttled", err)
	}
	nodeB.remote.Store("203.0.113.4:5000")
	if _, err := login.Login(ctx, nodeB.srv.Client(), nodeB.srv.URL, "bob", goodTestPassword); err != nil {
		t.Fatalf("another source on node B: %v", err)
	}
}

const goodTestPassword = "violet anchor tundra mosaic 42"

// throttleTestNode is one node's login service, served over TLS with a
// settable client address, and its Server sharing the throttle on bus.
type throttleTestNode struct {
	srv    *httptest.Server
	remote atomic.Value // string host:port the login handler sees; unset: real
}

func throttleNode(t *testing.T, bus *cluster.Bus) *throttleTestNode {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a, err := auth.New(ctx, st, auth.Config{Iterations: auth.MinIterations}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.CreateAccount(ctx, store.Account{ID: "bob", Kind: store.KindOperator, DisplayName: "Bob"}, goodTestPassword); err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: Config{Auth: a, Cluster: &Cluster{Bus: bus}, Logger: slog.New(slog.DiscardHandler)}}
	if err := s.shareThrottles(); err != nil {
		t.Fatal(err)
	}
	n := &throttleTestNode{}
	h := a.Handler()
	n.srv = httptest.NewUnstartedServer(nil)
	n.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, ok := n.remote.Load().(string); ok {
			r.RemoteAddr = a
		}
		h.ServeHTTP(w, r)
	})
	n.srv.StartTLS()
	t.Cleanup(n.srv.Close)
	return n
}

// startThrottled posts one login start to n (a SCRAM client-first, which
// counts no failure) and reports whether it was refused as throttled.
func startThrottled(t *testing.T, n *throttleTestNode) bool {
	t.Helper()
	hc, cb, closeConn, err := login.PinnedClient(context.Background(), n.srv.Client(), n.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer closeConn()
	sc, _ := scram.SHA256.NewClient("nobody", "a guess", "")
	first, err := sc.NewConversationWithChannelBinding(cb).Step("")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(login.StartRequest{ID: "nobody", ClientFirst: first})
	resp, err := hc.Post(n.srv.URL+"/v1/login/start", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e login.ErrorResponse
	json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode == http.StatusTooManyRequests && e.Code == login.CodeThrottled
}

// routedBuses starts two embedded NATS servers routed to each other.
func routedBuses(t *testing.T) (a, b *cluster.Bus) {
	t.Helper()
	secret := []byte(strings.Repeat("s", cluster.MinSecretLen))
	start := func(cfg cluster.Config) *cluster.Bus {
		bus, err := cluster.Start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bus.Close() })
		return bus
	}
	a = start(cluster.Config{Listen: "127.0.0.1:0", Secret: secret, Name: "a"})
	b = start(cluster.Config{Listen: "127.0.0.1:0", Secret: secret, Name: "b", Routes: []string{a.ClusterAddr().String()}})
	for deadline := time.Now().Add(30 * time.Second); a.RoutesUp() == 0 || b.RoutesUp() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the two NATS servers never routed to each other")
		}
	}
	return a, b
}

// waitInterest waits until a message from a reaches a subscriber on b,
// subscribed after the nodes' throttles: the route carries interest in
// order, so b's earlier subscriptions have then reached a too.
func waitInterest(t *testing.T, a, b *cluster.Bus) {
	t.Helper()
	got := make(chan struct{}, 1)
	unsub, err := b.Subscribe("tandem.test.probe", func(cluster.Kind, []byte) {
		select {
		case got <- struct{}{}:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if err := a.Publish("tandem.test.probe", cluster.KindFrame, nil); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatal("node B never heard node A")
}

// TestParseSource: only a valid address, as Addr.MarshalText writes it,
// is counted.
func TestParseSource(t *testing.T) {
	for in, want := range map[string]string{
		"198.51.100.4": "198.51.100.4", "2001:db8::1": "2001:db8::1",
		"": "", "nonsense": "", "198.51.100.4:80": "", "2001:db8::/64": "",
	} {
		got := ""
		if addr, ok := parseSource([]byte(in)); ok {
			got = addr.String()
		}
		if got != want {
			t.Errorf("parseSource(%q) = %q, want %q", in, got, want)
		}
	}
}
