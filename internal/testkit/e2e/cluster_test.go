package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/relayfeed"
	"github.com/tandem-remote/tandem/internal/server/sessionfeed"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/server/store/pgtest"
	"github.com/tandem-remote/tandem/internal/testkit/netlab"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
	"github.com/tandem-remote/tandem/internal/wire/proto"
	"github.com/tandem-remote/tandem/internal/wire/stamp"
)

// clusterNode is one signaling process of a cluster.
type clusterNode struct {
	proc      *proc
	url, data string
	healthz   string // the metrics listener's /healthz
}

// signalingCluster is n signaling processes on one throwaway PostgreSQL
// database, their embedded NATS servers routed to each other over TLS on
// loopback, and the first administrator, made with the setup token the
// first node printed, the only one printed.
type signalingCluster struct {
	pg    *pgtest.Cluster // its database is "tandem"
	nodes []clusterNode
	ca    string
	roots *x509.CertPool
	admin *signalingtest.Admin
}

// startCluster starts the nodes the way an administrator would: the first
// one creates the certificate, secrets and grant key, which are copied to
// the others' data directories; every node gets the same route list.
// relayArgs (-turn-url and the like) replace the default relay URL on
// every node.
func startCluster(t testing.TB, b netlab.Binaries, n int, relayArgs ...string) *signalingCluster {
	t.Helper()
	return startClusterPG(t, b, n, pgtest.Options{}, relayArgs...)
}

// startClusterPG is startCluster on a PostgreSQL cluster started with o
// (Durable for figures comparable with a production server's).
func startClusterPG(t testing.TB, b netlab.Binaries, n int, o pgtest.Options, relayArgs ...string) *signalingCluster {
	t.Helper()
	if len(relayArgs) == 0 {
		// A relay URL, so that session ends are recorded for relays;
		// nothing answers there (the discard port).
		relayArgs = []string{"-turn-url", "turn:127.0.0.1:9?transport=udp"}
	}
	pg, err := pgtest.Start(context.Background(), o)
	if errors.Is(err, pgtest.ErrNoBinaries) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Stop() })
	if err := pg.CreateDatabase(context.Background(), "tandem"); err != nil {
		t.Fatal(err)
	}
	var routes []string
	for range n {
		routes = append(routes, "127.0.0.1:"+freePort(t))
	}
	c := &signalingCluster{pg: pg}
	var setupToken string
	for i := range n {
		data := t.TempDir()
		if i > 0 {
			shareFiles(t, c.nodes[0].data, data)
		}
		addr := "127.0.0.1:" + freePort(t)
		args := append(pg.Flags("tandem"), "-cluster-listen", routes[i], "-cluster-routes", strings.Join(routes, ","),
			"-node-name", "node"+string(rune('1'+i)), "-new-conns-burst", "10000", "-agent-binary", b["agent"])
		args = append(args, relayArgs...)
		p, summary := serveOn(t, b, addr, data, args...)
		c.nodes = append(c.nodes, clusterNode{proc: p, url: "https://" + addr, data: data, healthz: healthzURL(t, summary)})
		if i == 0 {
			c.ca = filepath.Join(data, "cert.pem")
			if c.roots, err = certs.Pool(c.ca); err != nil {
				t.Fatal(err)
			}
			tok, ok := signalingtest.SetupToken(summary)
			if !ok {
				t.Fatalf("the first node printed no setup token:\n%s", summary)
			}
			setupToken = tok
		} else if tok, ok := signalingtest.SetupToken(summary); ok || !strings.Contains(summary, "node node1 printed the one-time setup token") {
			// The store keeps one token: a second would void the first.
			t.Errorf("node %d printed setup token %q, want only the first node's named:\n%s", i+1, tok, summary)
		}
	}
	c.admin = signalingtest.Setup(t, c.nodes[0].url, c.roots, setupToken)
	for _, nd := range c.nodes {
		waitRoutes(t, nd, n-1)
	}
	return c
}

// shareFiles copies what every node must hold alike.
func shareFiles(t testing.TB, from, to string) {
	t.Helper()
	for _, name := range []string{"cert.pem", "key.pem", "turn-secret", "grant-key", "cluster-secret"} {
		b, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// healthzURL is the metrics listener's /healthz, from a start-up summary.
func healthzURL(t testing.TB, summary string) string {
	t.Helper()
	_, rest, ok := strings.Cut(summary, "Metrics: http://")
	addr, _, ok2 := strings.Cut(rest, "/metrics")
	if !ok || !ok2 {
		t.Fatalf("no metrics address in the summary:\n%s", summary)
	}
	return "http://" + addr + "/healthz"
}

// health returns the node's /healthz status and text.
func health(t testing.TB, nd clusterNode) (int, string) {
	t.Helper()
	resp, err := http.Get(nd.healthz)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitRoutes waits until node's /healthz says it is ready with routes to
// the n other nodes.
func waitRoutes(t testing.TB, nd clusterNode, n int) {
	t.Helper()
	want := fmt.Sprintf("routes up to %d other node(s)", n)
	var text string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var status int
		if status, text = health(t, nd); status == http.StatusOK && strings.Contains(text, want) {
			return
		}
	}
	t.Fatalf("%s never routed to the other nodes: /healthz %q\n%s", nd.url, text, nd.proc.stderr.String())
}

// TestThreeNodes: a technician on node 1 and a customer's agent joining
// with the code on node 3 are paired through the session's lease in
// PostgreSQL; their offer, answer and candidates cross between the nodes
// over NATS, the peer link comes up, and a chat line typed by the customer
// reaches the technician. Pairing latency across nodes and on one node,
// and session setups a second over one, two and three nodes, measured in
// the same run, are logged.
func TestThreeNodes(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (scripts/install-deps.sh installs it)")
	}
	b := binaries(t)
	c := startCluster(t, b, 3)
	op := c.admin.AddOperator("tech")
	t.Run("latency", func(t *testing.T) { logPairingLatency(t, c, op.Token) })
	t.Run("setups per second", func(t *testing.T) { logSetupRate(t, c, op.Token) })
	t.Run("download on node 2, join on node 1", func(t *testing.T) { ticketAcrossNodes(t, c, op.Token) })
	t.Run("session end in every node's relay feed", func(t *testing.T) { endsAcrossNodes(t, c, op.Token) })

	pw := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pw, []byte(op.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	display := xvfb.Start(t, 1280, 800)
	tech := start(t, b["technician"], nil, "-headless", "-server", c.nodes[0].url, "-ca", c.ca, "-user", op.ID,
		"-password-file", pw, "-json", "-mode", "view", "-say", "Bonjour depuis le nœud 1")
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, b["agent"], nil, "-keep", "-server", c.nodes[2].url, "-ca", c.ca, "-code", code, "-json", "-display", display)
	answer(t, agent, display, "allow")
	s := &session{tech: tech, agent: agent, display: display}
	if m := tech.next(t, "chat"); m["from"] != "technician" {
		t.Fatalf("first chat event %v", m)
	}
	clickControl(t, display, s.control(t, "chat-input"))
	xdo(t, display, "type", "Recu sur le noeud 3")
	xdo(t, display, "key", "Return")
	if m := tech.next(t, "chat"); m["from"] != "customer" || m["text"] != "Recu sur le noeud 3" {
		t.Fatalf("technician heard %v, want the customer's line", m)
	}
	s.end(t)
	if !strings.Contains(c.nodes[2].proc.stderr.String(), "session joined across nodes") {
		t.Errorf("node 3 did not pair across nodes:\n%s", c.nodes[2].proc.stderr.String())
	}
	// Last: it throttles this test's own address.
	t.Run("guesses spread over the nodes", func(t *testing.T) { sprayGuesses(t, c) })
	t.Run("audit", func(t *testing.T) { checkClusterAudit(t, c) })
	t.Run("not ready without the database", func(t *testing.T) {
		if err := c.pg.Stop(); err != nil {
			t.Fatal(err)
		}
		if status, text := health(t, c.nodes[1]); status != http.StatusServiceUnavailable {
			t.Errorf("/healthz with PostgreSQL stopped: %d %q, want 503", status, text)
		}
	})
}

// checkClusterAudit: the nodes wrote one audit chain, and it verifies;
// every session opened was ended once and joined at most once, whichever
// nodes held its sides.
func checkClusterAudit(t *testing.T, c *signalingCluster) {
	ctx := context.Background()
	st, err := store.Open(ctx, c.pg.URL("tandem"), c.pg.PasswordFile())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	res, err := audit.New(st, nil, nil).Verify(ctx)
	if err != nil || res.Broken != nil {
		t.Fatalf("audit chain: %+v, %v", res, err)
	}
	recs, err := st.AuditRecords(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]map[string]int{} // session → kind → entries
	for _, r := range recs {
		if !strings.HasPrefix(r.Kind, "session.") {
			continue
		}
		if count[r.Subject] == nil {
			count[r.Subject] = map[string]int{}
		}
		count[r.Subject][r.Kind]++
	}
	if len(count) < 300 {
		t.Fatalf("%d sessions in the audit log, want every one this test opened", len(count))
	}
	for id, kinds := range count {
		if kinds["session.open"] != 1 || kinds["session.join"] > 1 || kinds["session.end"] != 1 {
			t.Errorf("session %s audited %v, want one open and end, and at most one join", id, kinds)
		}
	}
}

// sprayGuesses: wrong codes sent to the nodes in turn are counted as one
// source's, so the join burst (5) is spent after five of them in all, not
// five on each node, and every node then refuses the source.
func sprayGuesses(t *testing.T, c *signalingCluster) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	join := func(node int) error {
		ac, err := sigclient.Dial(ctx, c.nodes[node].url, c.roots)
		if err != nil {
			t.Fatal(err)
		}
		defer ac.Close()
		_, err = ac.Join(ctx, "000000000")
		return err
	}
	for i := range 5 {
		n := i % len(c.nodes)
		if err := join(n); !errors.Is(err, proto.ErrInvalidCode) {
			t.Fatalf("guess %d on node %d: %v, want invalid code", i+1, n+1, err)
		}
	}
	for node := range c.nodes {
		if err := join(node); !errors.Is(err, proto.ErrThrottled) {
			t.Errorf("node %d after five guesses spread over the nodes: %v, want throttled", node+1, err)
		}
	}
}

// logSetupRate logs session setups a second (open, join, peer-joined, a
// signal, goodbye) from 16 clients at once, with each session's
// technician and agent on different nodes among the first k, for k = 1
// (one node) to all, in the same run. On this machine every node shares
// the same cores with PostgreSQL and the clients: the ratio says what
// crossing costs, not what more machines would give.
func logSetupRate(t *testing.T, c *signalingCluster, token string) {
	const sessions, workers = 240, 16
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var base float64
	for k := 1; k <= len(c.nodes); k++ {
		start := time.Now()
		if err := setupRound(ctx, c, k, sessions, workers, token); err != nil {
			t.Fatalf("%d node(s): %v", k, err)
		}
		rate := float64(sessions) / time.Since(start).Seconds()
		if k == 1 {
			base = rate
		}
		t.Logf("%d node(s): %.0f session setups a second (%.2f× one node)", k, rate, rate/base)
	}
}

// endsAcrossNodes: a session held wholly on node 1 ends there, and node
// 3's feed for standalone relays lists its end too (after the end grace),
// so a relay polling any node refuses the session's credential.
func endsAcrossNodes(t *testing.T, c *signalingCluster, token string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tc, err := sigclient.Dial(ctx, c.nodes[0].url, c.roots)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	opened, err := tc.Open(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	tc.Send(ctx, proto.TypeBye, proto.Bye{Reason: "done"})
	secret, err := os.ReadFile(filepath.Join(c.nodes[0].data, "turn-secret"))
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.roots}}}
	var list sessionfeed.List
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		req, _ := http.NewRequest("GET", c.nodes[2].url+sessionfeed.Path, nil)
		req.Header.Set("Authorization", relayfeed.Authorization([]byte(strings.TrimSpace(string(secret))), sessionfeed.Path, time.Now()))
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("node 3's session feed: %d %v", resp.StatusCode, err)
		}
		for _, e := range list.Ended {
			if e.Session == opened.Session {
				return
			}
		}
	}
	t.Fatalf("node 3's session feed never listed the session node 1 ended: %+v", list)
}

// ticketAcrossNodes: the help page's download on node 2 for a code opened
// on node 1 is stamped for that session, and its ticket joins on node 1
// (a load balancer sends the agent anywhere).
func ticketAcrossNodes(t *testing.T, c *signalingCluster, token string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tc, err := sigclient.Dial(ctx, c.nodes[0].url, c.roots)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	opened, err := tc.Open(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	status, text, _, path := download(t, &sigServer{url: c.nodes[1].url, ca: c.ca}, opened.Code)
	if status != http.StatusOK {
		t.Fatalf("download on node 2: %d %s", status, text)
	}
	p, err := stamp.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Session != opened.Session {
		t.Fatalf("stamp names session %q, want %q", p.Session, opened.Session)
	}
	ac, err := sigclient.Dial(ctx, c.nodes[0].url, c.roots)
	if err != nil {
		t.Fatal(err)
	}
	defer ac.Close()
	if _, err := ac.JoinTicket(ctx, p.Ticket); err != nil {
		t.Fatalf("join on node 1 with node 2's ticket: %v", err)
	}
	mustGet(t, ctx, tc, proto.TypePeerJoined)
}

// logPairingLatency opens sessions on node 1 and joins them on node 1 and
// on node 2 in turn, with the signaling protocol itself, and logs how long
// the join takes to reach the technician (PeerJoined) and a signal the
// agent sends to arrive, p50 and p99 of each.
func logPairingLatency(t *testing.T, c *signalingCluster, token string) {
	const rounds = 40
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	joins := map[string][]time.Duration{}
	signals := map[string][]time.Duration{}
	for i := range 2 * rounds {
		where, agentURL := "same node", c.nodes[0].url
		if i%2 == 1 {
			where, agentURL = "across nodes", c.nodes[2].url
		}
		j, s := pairOnce(t, ctx, c, c.nodes[0].url, agentURL, token)
		joins[where] = append(joins[where], j)
		signals[where] = append(signals[where], s)
	}
	for _, where := range []string{"same node", "across nodes"} {
		t.Logf("%-12s join→peer-joined p50 %v p99 %v; signal p50 %v p99 %v (%d sessions)", where,
			pct(joins[where], 50), pct(joins[where], 99), pct(signals[where], 50), pct(signals[where], 99), rounds)
	}
}

func pairOnce(t *testing.T, ctx context.Context, c *signalingCluster, techURL, agentURL, token string) (join, signal time.Duration) {
	t.Helper()
	join, signal, err := pair(ctx, c, techURL, agentURL, token)
	if err != nil {
		t.Fatal(err)
	}
	return join, signal
}

// pair opens a session on techURL and joins it on agentURL with the
// signaling protocol: how long the join takes to reach the technician,
// and a signal from the agent; then the technician says goodbye.
func pair(ctx context.Context, c *signalingCluster, techURL, agentURL, token string) (join, signal time.Duration, err error) {
	tc, err := sigclient.Dial(ctx, techURL, c.roots)
	if err != nil {
		return 0, 0, err
	}
	defer tc.Close()
	opened, err := tc.Open(ctx, token)
	if err != nil {
		return 0, 0, fmt.Errorf("open on %s: %w", techURL, err)
	}
	ac, err := sigclient.Dial(ctx, agentURL, c.roots)
	if err != nil {
		return 0, 0, err
	}
	defer ac.Close()
	start := time.Now()
	if _, err := ac.Join(ctx, opened.Code); err != nil {
		return 0, 0, fmt.Errorf("join on %s: %w", agentURL, err)
	}
	if err := expectType(ctx, tc, proto.TypePeerJoined); err != nil {
		return 0, 0, err
	}
	join = time.Since(start)
	start = time.Now()
	if err := ac.Send(ctx, proto.TypeSignal, proto.Signal{Data: []byte(`{"candidate":"probe"}`)}); err != nil {
		return 0, 0, err
	}
	if err := expectType(ctx, tc, proto.TypeSignal); err != nil {
		return 0, 0, err
	}
	signal = time.Since(start)
	tc.Send(ctx, proto.TypeBye, proto.Bye{Reason: "done"})
	return join, signal, expectType(ctx, ac, proto.TypeBye)
}

func mustGet(t *testing.T, ctx context.Context, c *sigclient.Conn, want proto.Type) {
	t.Helper()
	if err := expectType(ctx, c, want); err != nil {
		t.Fatalf("waiting for %s: %v", want, err)
	}
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)*p/100].Round(10 * time.Microsecond)
}
