package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/xdg-go/scram"

	"github.com/tandem-remote/tandem/internal/wire/login"
)

// node is one more Service over e's database, through its own store
// handle and HTTPS server: another signaling process sharing the store.
// Its events are its own; the clock and configuration are e's.
func (e *env) node() *env {
	e.t.Helper()
	n := &env{t: e.t, cfg: e.cfg, path: e.path, clock: e.clock}
	n.remote.Store("")
	n.xff.Store("")
	n.open()
	n.srv = httptest.NewTLSServer(http.HandlerFunc(n.serve))
	e.t.Cleanup(func() {
		n.srv.Close()
		n.st.Close()
	})
	return n
}

// finishLater is a login whose start is done; calling it sends the
// finish and returns its HTTP status.
type finishLater func() (int, error)

// startDesktop starts id's login on n as the technician app does (bound
// to its TLS connection), and returns its finish; closeConn ends the
// connection.
func startDesktop(ctx context.Context, n *env, id, password string) (finish finishLater, closeConn func(), err error) {
	c, cb, closeConn, err := pinnedClient(ctx, n.srv.Client(), n.srv.URL)
	if err != nil {
		return nil, nil, err
	}
	sc, _ := scram.SHA256.NewClient(id, password, "")
	finish, err = startSCRAM(c, sc.NewConversationWithChannelBinding(cb), n.srv.URL+"/v1/login", "", id)
	return finish, closeConn, err
}

// startConsole starts id's login on a node's console endpoint (unbound,
// with the page's Origin), and returns its finish.
func startConsole(srv *httptest.Server, origin, id, password string) (finishLater, error) {
	sc, _ := scram.SHA256.NewClient(id, password, "")
	return startSCRAM(srv.Client(), sc.NewConversation(), srv.URL+"/console/api/login", origin, id)
}

func startSCRAM(c *http.Client, conv *scram.ClientConversation, base, origin, id string) (finishLater, error) {
	first, _ := conv.Step("")
	status, body, err := postJSON(c, base+"/start", origin, login.StartRequest{ID: id, ClientFirst: first})
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("start: %d %s %v", status, body, err)
	}
	var sr login.StartResponse
	if err := json.Unmarshal(body, &sr); err != nil {
		return nil, fmt.Errorf("start answer %s: %w", body, err)
	}
	final, err := conv.Step(sr.ServerFirst)
	if err != nil {
		return nil, fmt.Errorf("client final: %w", err)
	}
	return func() (int, error) {
		status, _, err := postJSON(c, base+"/finish", origin, login.FinishRequest{LoginID: sr.LoginID, ClientFinal: final})
		return status, err
	}, nil
}

// postJSON is post for any goroutine: it returns its error.
func postJSON(c *http.Client, url, origin string, v any) (int, []byte, error) {
	b, _ := json.Marshal(v)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, body, err
}

// TestLockoutExactAcrossNodes: nine wrong passwords for one ID, started
// on three services sharing one database (three signaling nodes), three
// on each and one of each three at the console, and all finished at once:
// exactly three proofs count (three login-failed events; the other six
// are refused as blocked, their proofs unused), the ID is blocked once,
// and the right password is then refused on every node, at the console
// too, until an administrator unlocks it on one of them.
func TestLockoutExactAcrossNodes(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SourceBurst = 100 })
	e.addOperator("bob", goodPassword)
	nodes := []*env{e, e.node(), e.node()}
	ctx := context.Background()
	var finishes []finishLater
	for i, n := range nodes {
		srv, origin := browserServer(t, n)
		for j := range 3 {
			pw := fmt.Sprintf("wrong password %d-%d", i, j)
			if j == 0 {
				f, err := startConsole(srv, origin, "bob", pw)
				if err != nil {
					t.Fatal(err)
				}
				finishes = append(finishes, f)
				continue
			}
			f, closeConn, err := startDesktop(ctx, n, "bob", pw)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(closeConn)
			finishes = append(finishes, f)
		}
	}
	statuses := finishAll(t, finishes)
	for i, s := range statuses {
		if s != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: status %d, want 401", i, s)
		}
	}
	count := func(k EventKind) (sum int) {
		for _, n := range nodes {
			sum += n.countEvents(k)
		}
		return sum
	}
	failed, blocked, idBlocked := count(EventLoginFailed), count(EventLoginBlocked), count(EventIDBlocked)
	if failed != 3 || blocked != 6 || idBlocked != 1 {
		t.Fatalf("nine racing wrong passwords: %d counted (login-failed), %d refused as blocked, %d id-blocked; want 3, 6, 1",
			failed, blocked, idBlocked)
	}
	for i, n := range nodes {
		_, err := n.login("bob", goodPassword)
		if !errors.Is(err, login.ErrLoginFailed) {
			t.Fatalf("node %d: right password while blocked: %v, want login.ErrLoginFailed", i+1, err)
		}
	}
	srv, origin := browserServer(t, nodes[2])
	f, err := startConsole(srv, origin, "bob", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := f(); err != nil || s != http.StatusUnauthorized {
		t.Fatalf("console, right password while blocked: %d %v, want 401", s, err)
	}
	if err := nodes[1].service().Unlock(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	nodes[2].mustLogin("bob", goodPassword)
}

// finishAll sends every finish at the same moment and returns their
// statuses in order.
func finishAll(t *testing.T, finishes []finishLater) []int {
	t.Helper()
	statuses := make([]int, len(finishes))
	errs := make([]error, len(finishes))
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i, f := range finishes {
		wg.Go(func() {
			<-gate
			statuses[i], errs[i] = f()
		})
	}
	close(gate)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("finish %d: %v", i, err)
		}
	}
	return statuses
}
