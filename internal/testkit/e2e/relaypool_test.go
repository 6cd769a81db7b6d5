package e2e

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pion/turn/v5"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
	"github.com/tandem-remote/tandem/internal/server/turncred"
	"github.com/tandem-remote/tandem/internal/testkit/netlab"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// poolRelay is one turnrelay process of TestRelayPool.
type poolRelay struct {
	proc     *proc
	udp, url string // its UDP listener and the -turn-url naming it
	metrics  string // its /metrics
}

// TestRelayPool: signaling with two real turnrelay processes hands a
// session both; a customer block reaches both relays, each pulling the
// feed; once relay 1 is killed (SIGKILL) a new session is handed only
// relay 2 and signaling's /metrics says relay 1 is down; a -relay-only
// session still connects, through relay 2.
func TestRelayPool(t *testing.T) {
	b := binaries(t)
	data := t.TempDir()
	addr := "127.0.0.1:" + freePort(t)
	urls := []string{"turn:127.0.0.1:" + freeUDPPort(t) + "?transport=udp", "turn:127.0.0.1:" + freeUDPPort(t) + "?transport=udp"}
	sig, summary := serveOn(t, b, addr, data, "-turn-url", urls[0], "-turn-url", urls[1], "-relay-probe-interval", "200ms")
	if !strings.Contains(summary, "TURN relays: probed every 200ms") {
		t.Errorf("the summary does not say the relays are probed:\n%s", summary)
	}
	metrics := strings.Replace(healthzURL(t, summary), "/healthz", "/metrics", 1)
	srvURL, ca := "https://"+addr, filepath.Join(data, "cert.pem")
	roots, err := certs.Pool(ca)
	if err != nil {
		t.Fatal(err)
	}
	var relays []*poolRelay
	for i, u := range urls {
		relays = append(relays, startPoolRelay(t, b, u, data, srvURL, ca, fmt.Sprintf("%d0000-%d0999", 2+i, 2+i)))
	}
	admin := signalingtest.Setup(t, srvURL, roots, mustSetupToken(t, summary))
	op := admin.AddOperator("tech")

	waitICE(t, srvURL, roots, op.Token, urls, "both relays answer")
	t.Run("block feed reaches both relays", func(t *testing.T) {
		srv := &sigServer{url: srvURL, data: data, ca: ca}
		add := srv.admin(t, b, "", "block", "add", "-permanent", "-reason", "abuse", "127.0.0.1")
		id := regexp.MustCompile(`^block (\d+):`).FindStringSubmatch(add)
		if id == nil {
			t.Fatalf("block add said %q", add)
		}
		for _, r := range relays {
			waitAllocation(t, r, "blocked", func(err error) bool { return err != nil && strings.Contains(err.Error(), "error 486") })
		}
		srv.admin(t, b, "", "block", "remove", id[1])
		for _, r := range relays {
			waitAllocation(t, r, "unblocked", func(err error) bool { return err == nil })
		}
		for _, r := range relays {
			feedsUp(t, r.metrics)
		}
	})

	relays[0].proc.cmd.Process.Signal(syscall.SIGKILL)
	waitICE(t, srvURL, roots, op.Token, urls[1:], "relay 1 killed")
	waitMetric(t, metrics, `tandem_relay_up{url="`+urls[0]+`"} 0`, `tandem_relay_up{url="`+urls[1]+`"} 1`)
	if !strings.Contains(sig.stderr.String(), "relay not answering") {
		t.Errorf("signaling's log does not say relay 1 stopped answering:\n%s", sig.stderr.String())
	}
	t.Run("relayed through the live relay", func(t *testing.T) { relayOnlySession(t, b, srvURL, ca, op.ID, op.Password) })
}

// startPoolRelay runs turnrelay on u's UDP port with signaling's secret,
// pulling its feeds, relaying from ports in portRange to loopback peers.
func startPoolRelay(t *testing.T, b netlab.Binaries, u, data, srvURL, ca, portRange string) *poolRelay {
	t.Helper()
	udp := strings.TrimSuffix(strings.TrimPrefix(u, "turn:"), "?transport=udp")
	p := start(t, b["turnrelay"], nil, "-udp", udp, "-tcp", "", "-tls", "", "-metrics", "127.0.0.1:0",
		"-secret-file", filepath.Join(data, "turn-secret"), "-relay-ports", portRange, "-allow-peers", "127.0.0.1/32",
		"-block-feed", srvURL, "-block-feed-ca", ca, "-block-feed-every", "200ms")
	var metrics string
	for deadline := time.Now().Add(30 * time.Second); metrics == ""; time.Sleep(50 * time.Millisecond) {
		if m := regexp.MustCompile(`TURN on udp \S+,.*metrics (\S+);.*block feed https://`).FindStringSubmatch(p.output()); m != nil {
			metrics = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("turnrelay did not start\n%s\n%s", p.output(), p.stderr.String())
		}
	}
	return &poolRelay{proc: p, udp: udp, url: u, metrics: metrics}
}

func mustSetupToken(t *testing.T, summary string) string {
	t.Helper()
	tok, ok := signalingtest.SetupToken(summary)
	if !ok {
		t.Fatalf("no setup token in the summary:\n%s", summary)
	}
	return tok
}

// waitICE opens sessions until one is handed exactly the relays want
// (and their STUN entries), bounded by a hang guard.
func waitICE(t *testing.T, srvURL string, roots *x509.CertPool, token string, want []string, when string) {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		got = openedTURN(t, srvURL, roots, token)
		if slices.Equal(got, want) {
			return
		}
	}
	t.Fatalf("%s: a new session was handed %v, want %v", when, got, want)
}

// openedTURN opens a session and returns the turn: URLs it was handed;
// the technician then leaves, which ends the unjoined session.
func openedTURN(t *testing.T, srvURL string, roots *x509.CertPool, token string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := sigclient.Dial(ctx, srvURL, roots)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	opened, err := c.Open(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	var turnURLs []string
	for _, s := range opened.ICEServers {
		for _, u := range s.URLs {
			if strings.HasPrefix(u, "turn:") {
				turnURLs = append(turnURLs, u)
			}
		}
	}
	return turnURLs
}

// waitMetric waits until signaling's /metrics holds every line in want.
func waitMetric(t *testing.T, url string, want ...string) {
	t.Helper()
	var body string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(raw)
		if !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(body, w) }) {
			return
		}
	}
	t.Fatalf("signaling's metrics lack %q:\n%s", want, body)
}

// waitAllocation allocates on r with a fresh credential until ok holds
// for the outcome, bounded by a hang guard.
func waitAllocation(t *testing.T, r *poolRelay, what string, ok func(error) bool) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = allocateOn(t, r); ok(err) {
			return
		}
	}
	t.Fatalf("%s, relay %s: the last allocation said %v\n%s", what, r.udp, err, r.proc.stderr.String())
}

var poolCredentials int

// allocateOn makes one allocation on r with a credential of its own (the
// per-credential quota never answers for the block).
func allocateOn(t *testing.T, r *poolRelay) error {
	t.Helper()
	secret := readSecret(t, r)
	poolCredentials++
	cred, err := turncred.Issue(secret, fmt.Sprintf("pool-test-%d", poolCredentials), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: r.udp, TURNServerAddr: r.udp, Conn: pc,
		Username: cred.Username, Password: cred.Password, Realm: "tandem", RTO: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relayed, err := c.Allocate()
	if err == nil {
		relayed.Close()
	}
	return err
}

func readSecret(t *testing.T, r *poolRelay) []byte {
	t.Helper()
	i := slices.Index(r.proc.cmd.Args, "-secret-file")
	raw, err := os.ReadFile(r.proc.cmd.Args[i+1])
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.TrimSpace(string(raw)))
}

// relayOnlySession runs a -relay-only technician and an agent on Xvfb
// that the customer allows: the link comes up relayed.
func relayOnlySession(t *testing.T, b netlab.Binaries, srvURL, ca, user, password string) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (scripts/install-deps.sh installs it)")
	}
	pw := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pw, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	display := xvfb.Start(t, 1024, 768)
	tech := start(t, b["technician"], nil, "-headless", "-server", srvURL, "-ca", ca, "-user", user,
		"-password-file", pw, "-json", "-mode", "view", "-relay-only")
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, b["agent"], nil, "-keep", "-server", srvURL, "-ca", ca, "-code", code, "-json", "-display", display)
	answer(t, agent, display, "allow")
	if c := tech.next(t, "connected"); c["path"] != "relayed" {
		t.Errorf("technician with -relay-only connected %v, want relayed", c)
	}
	(&session{tech: tech, agent: agent, display: display}).end(t)
}
