package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/xdg-go/scram"

	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TestClusterLimits: three signaling nodes on one PostgreSQL database
// hold the guards against guessing as one server (issue 18, Deliver 2).
// Each check comes from its own loopback address (127.0.0.x: the nodes
// see each as a source of its own), so that one check's throttling does
// not touch another's:
//
//   - three wrong passwords for one ID, one on each node (from three
//     addresses), lock the ID: the right password is then refused on
//     every node, and the database holds the block;
//   - nine wrong passwords for one ID sent at once over the three nodes
//     count three, the others refused as blocked (cluster_lockrace_test.go);
//   - five failed logins from one address, spread over the three nodes,
//     spend that address's whole budget (five): every node then refuses
//     it as throttled, even with a right password, while another address
//     logs in;
//   - a customer block added through node 1's admin API is refused by
//     nodes 2 and 3 at their next join, with no wait (by agent identity,
//     then by address); the code the refused joins carried still joins an
//     unblocked computer.
func TestClusterLimits(t *testing.T) {
	b := binaries(t)
	c := startCluster(t, b, 3)
	t.Run("wrong passwords over three nodes lock the ID", func(t *testing.T) { lockoutAcrossNodes(t, c) })
	t.Run("wrong passwords racing over three nodes count three", func(t *testing.T) { lockoutRaceAcrossNodes(t, c) })
	t.Run("a password spray over three nodes is one source", func(t *testing.T) { sprayLoginsAcrossNodes(t, c) })
	t.Run("a block added on node 1 holds on the others at once", func(t *testing.T) { blocksAcrossNodes(t, c) })
}

func lockoutAcrossNodes(t *testing.T, c *signalingCluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	op := c.admin.AddOperator("locky")
	for i, nd := range c.nodes {
		src := fmt.Sprintf("127.0.0.%d", 11+i)
		if _, err := login.Login(ctx, c.clientFrom(src), nd.url, op.ID, "not the password, try "+src); !errors.Is(err, login.ErrLoginFailed) {
			t.Fatalf("wrong password on node %d: %v, want login failed", i+1, err)
		}
	}
	for i, nd := range c.nodes {
		if _, err := login.Login(ctx, c.clientFrom("127.0.0.14"), nd.url, op.ID, op.Password); !errors.Is(err, login.ErrLoginFailed) {
			t.Errorf("right password on node %d after three wrong ones spread over the nodes: %v, want refused (ID locked)", i+1, err)
		}
	}
	st, err := store.Open(ctx, c.pg.URL("tandem"), c.pg.PasswordFile())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if l, err := st.Lockout(ctx, op.ID); err != nil || !l.Blocked(time.Now()) {
		t.Errorf("lockout of %s in the database: %+v, %v; want blocked", op.ID, l, err)
	}
}

func sprayLoginsAcrossNodes(t *testing.T, c *signalingCluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	op := c.admin.AddOperator("sprayed")
	const src = "127.0.0.21"
	for i := range 5 { // the login throttle's burst (auth.Config.SourceBurst)
		n := i % len(c.nodes)
		_, err := login.Login(ctx, c.clientFrom(src), c.nodes[n].url, fmt.Sprintf("nobody%d", i), "a guess")
		if !errors.Is(err, login.ErrLoginFailed) {
			t.Fatalf("guess %d on node %d: %v, want login failed", i+1, n+1, err)
		}
	}
	// The failures reach the other nodes over NATS, a moment after each
	// answer: wait for each node to throttle the source, asking with a
	// login start, which counts no failure (a guess would count one on
	// that node itself, and prove nothing).
	for i, nd := range c.nodes {
		waitThrottled(t, ctx, c, nd.url, src, i+1)
	}
	for i, nd := range c.nodes {
		if _, err := login.Login(ctx, c.clientFrom(src), nd.url, op.ID, op.Password); !errors.Is(err, login.ErrThrottled) {
			t.Errorf("right password from the spraying address on node %d: %v, want throttled", i+1, err)
		}
	}
	if _, err := login.Login(ctx, c.clientFrom("127.0.0.22"), c.nodes[2].url, op.ID, op.Password); err != nil {
		t.Errorf("login from another address on node 3: %v", err)
	}
}

// waitThrottled waits until the node at url answers a login start from
// src with "throttled"; the deadline only bounds a hang (a node that never
// hears the others' failures).
func waitThrottled(t *testing.T, ctx context.Context, c *signalingCluster, url, src string, node int) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		code, err := startCode(ctx, c.clientFrom(src), url)
		if err != nil {
			t.Fatal(err)
		}
		if code == login.CodeThrottled {
			return
		}
		last = code
	}
	t.Fatalf("node %d never throttled %s after five failures spread over the nodes: its login start answers %q", node, src, last)
}

// startCode posts one login start (SCRAM client-first for an unknown ID)
// and returns the error code of the answer, "" for a started login.
func startCode(ctx context.Context, hc *http.Client, url string) (string, error) {
	pc, cb, closeConn, err := login.PinnedClient(ctx, hc, url)
	if err != nil {
		return "", err
	}
	defer closeConn()
	sc, _ := scram.SHA256.NewClient("nobody", "a guess", "")
	first, err := sc.NewConversationWithChannelBinding(cb).Step("")
	if err != nil {
		return "", err
	}
	body, _ := json.Marshal(login.StartRequest{ID: "nobody", ClientFirst: first})
	resp, err := pc.Post(url+"/v1/login/start", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		return "", nil
	}
	var e login.ErrorResponse
	if err := json.Unmarshal(b, &e); err != nil || e.Code == "" {
		return "", fmt.Errorf("login start: HTTP %d %q", resp.StatusCode, b)
	}
	return e.Code, nil
}

func blocksAcrossNodes(t *testing.T, c *signalingCluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	op := c.admin.AddOperator("blocker")
	blocked, other := agentIdentity("blocked"), agentIdentity("other")

	code := openOn(t, ctx, c, 0, op.Token)
	c.adminCall(t, "POST", "/v1/blocks", map[string]string{"agent_id": blocked, "reason": "abusive caller"})
	for _, n := range []int{2, 1} {
		if err := joinAs(ctx, c, n, code, blocked); !errors.Is(err, proto.ErrRefused) {
			t.Errorf("blocked computer joining on node %d right after the block on node 1: %v, want refused", n+1, err)
		}
	}
	if err := joinAs(ctx, c, 2, code, other); err != nil {
		t.Errorf("another computer with the same code on node 3: %v, want joined", err)
	}

	code = openOn(t, ctx, c, 0, op.Token)
	var blk struct{ ID int64 }
	c.adminCall(t, "POST", "/v1/blocks", map[string]string{"address": "127.0.0.1", "reason": "abusive caller"}, &blk)
	for _, n := range []int{2, 1} {
		if err := joinAs(ctx, c, n, code, other); !errors.Is(err, proto.ErrRefused) {
			t.Errorf("joining from the blocked address on node %d right after the block on node 1: %v, want refused", n+1, err)
		}
	}
	c.adminCall(t, "DELETE", fmt.Sprintf("/v1/blocks/%d", blk.ID), nil)
	if err := joinAs(ctx, c, 2, code, other); err != nil {
		t.Errorf("joining on node 3 once the block is lifted on node 1: %v, want joined", err)
	}
}

// agentIdentity is a valid agent identity (package agentid) named by seed.
func agentIdentity(seed string) string {
	h := sha256.Sum256([]byte(seed + rand.Text()))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// openOn opens a session on node n as the operator of token and returns
// its code; the technician's connection stays open until the test ends.
func openOn(t *testing.T, ctx context.Context, c *signalingCluster, n int, token string) string {
	t.Helper()
	tc, err := sigclient.Dial(ctx, c.nodes[n].url, c.roots)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	o, err := tc.Open(ctx, token)
	if err != nil {
		t.Fatalf("open on node %d: %v", n+1, err)
	}
	return o.Code
}

// joinAs joins code on node n as the computer of identity agent.
func joinAs(ctx context.Context, c *signalingCluster, n int, code, agent string) error {
	ac, err := sigclient.Dial(ctx, c.nodes[n].url, c.roots)
	if err != nil {
		return err
	}
	defer ac.Close()
	ac.Agent = agent
	_, err = ac.Join(ctx, code)
	return err
}

// clientFrom is an HTTPS client trusting the cluster's certificate whose
// connections come from src, a loopback address.
func (c *signalingCluster) clientFrom(src string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{DialContext: d.DialContext,
		TLSClientConfig: &tls.Config{RootCAs: c.roots}}}
}

// adminCall sends the administrator's request to node 1's API, fails the
// test unless it succeeds, and decodes the answer into out (if given).
func (c *signalingCluster) adminCall(t *testing.T, method, path string, body any, out ...any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.nodes[0].url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.admin.Token())
	resp, err := c.clientFrom("127.0.0.1").Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	for _, o := range out {
		if err := json.Unmarshal(b, o); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}
