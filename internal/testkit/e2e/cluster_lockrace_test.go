package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/xdg-go/scram"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// lockoutRaceAcrossNodes: nine wrong passwords for one ID finished at
// once, three on each node, each from its own address (so no throttle
// intervenes): exactly three count (the audit log's auth.login-failed),
// the six others are refused as blocked without their password counting
// (auth.login-blocked), and the ID is blocked once.
func lockoutRaceAcrossNodes(t *testing.T, c *signalingCluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	op := c.admin.AddOperator("raced")
	// One SCRAM client for all racers (one wrong password): it derives the
	// keys once, in a start that is never finished (it counts nothing), so
	// that no racer's start waits for PBKDF2 and every login is started
	// before the finishes race.
	sc, _ := scram.SHA256.NewClient(op.ID, "not the password, raced", "")
	_, closeWarm, err := startRace(ctx, c.clientFrom("127.0.0.40"), c.nodes[0].url, op.ID, sc)
	if err != nil {
		t.Fatal(err)
	}
	closeWarm()
	const racers = 9
	codes, errs := make([]string, racers), make([]error, racers)
	var started, done sync.WaitGroup
	gate := make(chan struct{})
	for i := range racers {
		started.Add(1)
		done.Go(func() {
			src := fmt.Sprintf("127.0.0.%d", 41+i)
			finish, closeConn, err := startRace(ctx, c.clientFrom(src), c.nodes[i%len(c.nodes)].url, op.ID, sc)
			started.Done()
			if errs[i] = err; err != nil {
				return
			}
			defer closeConn()
			<-gate
			codes[i], errs[i] = finish()
		})
	}
	started.Wait()
	close(gate)
	done.Wait()
	for i := range racers {
		if errs[i] != nil || codes[i] != login.CodeLoginFailed {
			t.Fatalf("racing wrong password %d: %q %v, want %s", i+1, codes[i], errs[i], login.CodeLoginFailed)
		}
	}
	st, err := store.Open(ctx, c.pg.URL("tandem"), c.pg.PasswordFile())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	failed, blocked, idBlocked := waitLoginAudits(t, ctx, st, op.ID, racers)
	if failed != 3 || blocked != 6 || idBlocked != 1 {
		t.Fatalf("nine racing wrong passwords over three nodes: %d counted (auth.login-failed), %d refused as blocked, %d auth.id-blocked; want 3, 6, 1",
			failed, blocked, idBlocked)
	}
}

// startRace starts id's login with sc at url over its own TLS connection
// and returns the finish, which answers the error code of the reply (""
// for a login that succeeded), and what closes the connection.
func startRace(ctx context.Context, hc *http.Client, url, id string, sc *scram.Client) (finish func() (string, error), closeConn func(), err error) {
	pc, cb, closeConn, err := login.PinnedClient(ctx, hc, url)
	if err != nil {
		return nil, nil, err
	}
	conv := sc.NewConversationWithChannelBinding(cb)
	first, _ := conv.Step("")
	var start login.StartResponse
	if code, err := postCode(pc, url+"/v1/login/start", login.StartRequest{ID: id, ClientFirst: first}, &start); err != nil || code != "" {
		closeConn()
		return nil, nil, fmt.Errorf("login start: %q %v", code, err)
	}
	final, err := conv.Step(start.ServerFirst)
	if err != nil {
		closeConn()
		return nil, nil, err
	}
	return func() (string, error) {
		return postCode(pc, url+"/v1/login/finish", login.FinishRequest{LoginID: start.LoginID, ClientFinal: final}, nil)
	}, closeConn, nil
}

// postCode posts v as JSON and returns the answer's error code, or ""
// after decoding a 200 answer into out (if given).
func postCode(hc *http.Client, url string, v, out any) (string, error) {
	body, _ := json.Marshal(v)
	resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		if out == nil {
			return "", nil
		}
		return "", json.Unmarshal(b, out)
	}
	var e login.ErrorResponse
	if err := json.Unmarshal(b, &e); err != nil || e.Code == "" {
		return "", fmt.Errorf("HTTP %d %q", resp.StatusCode, b)
	}
	return e.Code, nil
}

// waitLoginAudits waits until the audit log holds n failed or blocked
// logins of id (each node writes its entries a moment after answering),
// then counts them by kind. The deadline only bounds a hang.
func waitLoginAudits(t *testing.T, ctx context.Context, st store.Store, id string, n int) (failed, blocked, idBlocked int) {
	t.Helper()
	count := func(kind string) int {
		recs, err := st.AuditRecordsAbout(ctx, kind, id, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		failed, blocked, idBlocked = count("auth.login-failed"), count("auth.login-blocked"), count("auth.id-blocked")
		if failed+blocked >= n || time.Now().After(deadline) {
			return failed, blocked, idBlocked
		}
	}
}
