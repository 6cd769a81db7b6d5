package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// BenchmarkSignalingScale holds N live sessions on the real signaling
// binary — N technicians with an open session and N agents joined to
// them, each side keeping its WebSocket as during support — and prints
// what IT sizes a node by: session setups per second (open, join, the
// technician told, one offer relayed), the server's memory per live
// session, and its CPU while they idle. The baseline, in the same run, is
// the floor any WebSocket server pays: the same number of TLS WebSocket
// pairs to a bare echo server (this test binary re-run as one), each
// connected and one message echoed. N is $TANDEM_SCALE_SESSIONS (default
// 10000, the bar: 10 000 idle agents on one 2-core node); the open-files
// limit is raised for both processes (root), or the benchmark is skipped.
func BenchmarkSignalingScale(b *testing.B) {
	n := 10000
	if s := os.Getenv("TANDEM_SCALE_SESSIONS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("TANDEM_SCALE_SESSIONS=%q: want a positive number", s)
		}
	}
	if fit := fitOpenFiles(b, n); fit < n {
		b.Logf("%d sessions asked, %d fit this machine's open-files limit (each side holds two sockets a session)", n, fit)
		n = fit
	}
	bins := binaries(b)
	ours := measureSignaling(b, bins["signaling"], n)
	base := measureBaseline(b, n)
	b.ReportMetric(float64(n), "sessions")
	b.ReportMetric(ours.setupsPerSec, "setups/s")
	b.ReportMetric(base.setupsPerSec, "baseline-pairs/s")
	b.ReportMetric(ours.setupsPerSec/base.setupsPerSec, "x-setup-rate")
	b.ReportMetric(ours.kbPerSession, "server-KB/session")
	b.ReportMetric(base.kbPerSession, "baseline-KB/pair")
	b.ReportMetric(ours.kbPerSession/base.kbPerSession, "x-memory")
	b.ReportMetric(ours.cpuMsPerSetup, "server-cpu-ms/setup")
	b.ReportMetric(base.cpuMsPerSetup, "baseline-cpu-ms/pair")
	b.ReportMetric(ours.idleCPU, "idle-cpu-%")
}

// scaleResult is one server's figures.
type scaleResult struct {
	setupsPerSec, kbPerSession, cpuMsPerSetup, idleCPU float64
}

// fitOpenFiles raises this process's open-files limit as far as it may
// (children inherit it) and returns how many of n sessions fit: the
// server and this process each hold two sockets a session. Raising the
// hard limit needs CAP_SYS_RESOURCE, which a container's root may lack.
func fitOpenFiles(b *testing.B, n int) int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		b.Skipf("open-files limit: %v", err)
	}
	want := uint64(2*n + 1024)
	r.Cur = max(r.Cur, min(want, r.Max))
	if want > r.Max {
		raised := r
		raised.Cur, raised.Max = want, want
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			return n
		}
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		b.Skipf("open-files limit: %v", err)
	}
	fit := int((r.Cur - 1024) / 2)
	if fit < 100 {
		b.Skipf("the open-files limit (%d) holds fewer than 100 sessions", r.Cur)
	}
	return min(n, fit)
}

func measureSignaling(b *testing.B, bin string, n int) scaleResult {
	data := b.TempDir()
	addr := "127.0.0.1:" + freePort(b)
	// One loopback address plays every technician and customer: the
	// per-source bounds are lifted to the whole.
	all := strconv.Itoa(2*n + 64)
	cmd := exec.Command(bin, "-addr", addr, "-data", data, "-relay=false", "-max-conns", all, "-log-level", "error",
		"-max-conns-per-source", all, "-new-conns-per-source", "1e6", "-new-conns-burst", all, "-metrics-addr", "")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	token := readSetupToken(b, out)
	url := "https://" + addr
	roots, err := certs.Pool(filepath.Join(data, "cert.pem"))
	if err != nil {
		b.Fatal(err)
	}
	waitListening(b, addr)
	op := signalingtest.Setup(b, url, roots, token).AddOperator("tech")
	pid := cmd.Process.Pid
	rss0, cpu0, t0 := rssKB(b, pid), cpuTime(b, pid), time.Now()
	conns := make([]*sigclient.Conn, 0, 2*n)
	var mu sync.Mutex
	run(b, n, func(ctx context.Context) error {
		tech, agent, err := setupSession(ctx, url, roots, op.Token)
		mu.Lock()
		conns = append(conns, tech, agent)
		mu.Unlock()
		return err
	})
	elapsed, cpu := time.Since(t0), cpuTime(b, pid)-cpu0
	idleCPU := idle(b, pid)
	rss := rssKB(b, pid) - rss0
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
	return scaleResult{setupsPerSec: float64(n) / elapsed.Seconds(), kbPerSession: float64(rss) / float64(n),
		cpuMsPerSetup: float64(cpu.Milliseconds()) / float64(n), idleCPU: idleCPU}
}

// setupSession is one support session's signaling: the technician opens,
// the agent joins with the code, the technician hears it, and the agent's
// offer reaches the technician.
func setupSession(ctx context.Context, url string, roots *x509.CertPool, token string) (tech, agent *sigclient.Conn, err error) {
	if tech, err = sigclient.Dial(ctx, url, roots); err != nil {
		return nil, nil, err
	}
	opened, err := tech.Open(ctx, token)
	if err != nil {
		return tech, nil, err
	}
	if agent, err = sigclient.Dial(ctx, url, roots); err != nil {
		return tech, nil, err
	}
	if _, err = agent.Join(ctx, opened.Code); err != nil {
		return tech, agent, err
	}
	if err = expectType(ctx, tech, proto.TypePeerJoined); err != nil {
		return tech, agent, err
	}
	if err = agent.Send(ctx, proto.TypeSignal, proto.Signal{Data: json.RawMessage(`{"type":"offer","sdp":"v=0"}`)}); err != nil {
		return tech, agent, err
	}
	return tech, agent, expectType(ctx, tech, proto.TypeSignal)
}

func expectType(ctx context.Context, c *sigclient.Conn, t proto.Type) error {
	env, err := c.Recv(ctx)
	if err == nil && env.Type != t {
		err = fmt.Errorf("got %s, want %s", env.Type, t)
	}
	return err
}

// run calls setup n times from 32 workers; the first failure fails b.
func run(b *testing.B, n int, setup func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				if err := setup(ctx); err != nil {
					select {
					case errc <- fmt.Errorf("setup %d: %w", next.Load(), err):
					default:
					}
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		b.Fatal(err)
	default:
	}
}

// idle returns the process's CPU use, in % of one core, over 5 s.
func idle(b *testing.B, pid int) float64 {
	cpu0, t0 := cpuTime(b, pid), time.Now()
	time.Sleep(5 * time.Second)
	return 100 * (cpuTime(b, pid) - cpu0).Seconds() / time.Since(t0).Seconds()
}

// rssKB reads a process's resident memory.
func rssKB(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// cpuTime reads a process's user and system time (clock ticks of 10 ms).
func cpuTime(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func readSetupToken(b *testing.B, out interface{ Read([]byte) (int, error) }) string {
	sc := bufio.NewScanner(out)
	var summary strings.Builder
	for sc.Scan() {
		summary.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "Customer:") {
			go func() { // keep draining
				for sc.Scan() {
				}
			}()
			tok, ok := signalingtest.SetupToken(summary.String())
			if !ok {
				b.Fatalf("no setup token in\n%s", summary.String())
			}
			return tok
		}
	}
	b.Fatalf("signaling exited:\n%s", summary.String())
	return ""
}

func waitListening(b *testing.B, addr string) {
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	b.Fatalf("nothing listens on %s", addr)
}

// The baseline: a bare TLS WebSocket echo server, this test binary run
// with baselineEnv set (see TestMain), with a certificate like the
// signaling server's.
const baselineEnv = "TANDEM_E2E_BASELINE_WS"

func measureBaseline(b *testing.B, n int) scaleResult {
	dir := b.TempDir()
	addr := "127.0.0.1:" + freePort(b)
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), baselineEnv+"="+addr+","+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	waitListening(b, addr)
	roots, err := certs.Pool(filepath.Join(dir, "cert.pem"))
	if err != nil {
		b.Fatal(err)
	}
	pid := cmd.Process.Pid
	rss0, cpu0, t0 := rssKB(b, pid), cpuTime(b, pid), time.Now()
	var mu sync.Mutex
	var conns []*websocket.Conn
	run(b, n, func(ctx context.Context) error {
		for range 2 { // a pair, as a session's technician and agent
			c, err := echoOnce(ctx, "wss://"+addr+"/", roots)
			if err != nil {
				return err
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
		return nil
	})
	elapsed, cpu := time.Since(t0), cpuTime(b, pid)-cpu0
	rss := rssKB(b, pid) - rss0
	for _, c := range conns {
		c.CloseNow()
	}
	return scaleResult{setupsPerSec: float64(n) / elapsed.Seconds(), kbPerSession: float64(rss) / float64(n),
		cpuMsPerSetup: float64(cpu.Milliseconds()) / float64(n)}
}

func echoOnce(ctx context.Context, url string, roots *x509.CertPool) (*websocket.Conn, error) {
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return nil, err
	}
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"v":1,"type":"hello"}`)); err != nil {
		return c, err
	}
	_, _, err = c.Read(ctx)
	return c, err
}

// serveBaseline is the baseline's process: TLS (the same policy as
// signaling's) and a WebSocket that echoes each message, until killed.
func serveBaseline(spec string) {
	addr, dir, _ := strings.Cut(spec, ",")
	cert, _, _, err := certs.LoadOrCreate(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), []string{"127.0.0.1"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
	ln, err := tls.Listen("tcp", addr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
	srv := &http.Server{ErrorLog: log.New(io.Discard, "", 0)} // the readiness probe's bare TCP connect
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if c.Write(r.Context(), typ, msg) != nil {
				return
			}
		}
	})
	srv.Serve(ln)
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(baselineEnv); spec != "" {
		serveBaseline(spec)
		return
	}
	code := m.Run()
	builtDirs.removeAll()
	os.Exit(code)
}
