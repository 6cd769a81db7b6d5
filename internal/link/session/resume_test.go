package session

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/server/signaling"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TestResumeAfterBreak: two real runs, linked over loopback through an
// in-process signaling server; the technician's signaling connection
// (through a cuttable front) breaks. The technician reports it lost,
// resumes on a new connection (its first server refusing, on the next), restarts ICE and reports the restart's
// answer, which came back through the server; the agent reports that the
// technician resumed. Both links stay up throughout. The technician's
// goodbye then ends its pump without any attempt to resume.
func TestResumeAfterBreak(t *testing.T) {
	srv := signalingtest.Start(t, signaling.Config{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	fr := newCutter(t, strings.TrimPrefix(srv.URL, "https://"))
	dialSrv := func(ctx context.Context) (*sigclient.Conn, error) { return sigclient.Dial(ctx, srv.URL, srv.Roots) }
	// The technician resumes on its -server (a dead node) or, in turn, on
	// its -more-servers.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead.Close()
	servers := Common{Server: "https://" + dead.Addr().String(), More: []string{srv.URL}}.Servers()
	dialAny := func(ctx context.Context) (*sigclient.Conn, error) { return sigclient.DialAny(ctx, servers, srv.Roots) }

	tsc, err := sigclient.Dial(ctx, "https://"+fr.addr(), srv.Roots)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := tsc.Open(ctx, srv.Operator.Token)
	if err != nil {
		t.Fatal(err)
	}
	asc, err := dialSrv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	joined, err := asc.Join(ctx, opened.Code)
	if err != nil {
		t.Fatal(err)
	}
	if env, err := tsc.Recv(ctx); err != nil || env.Type != proto.TypePeerJoined {
		t.Fatalf("technician got %v, %v; want peer-joined", env.Type, err)
	}

	var techOut, agentOut lockedBuffer
	tech := startRun(t, tsc, peer.Offerer, &techOut, Resume{Session: opened.Session, Role: proto.RoleTechnician, Dial: dialAny})
	agent := startRun(t, asc, peer.Answerer, &agentOut, Resume{Session: joined.Session, Role: proto.RoleAgent, Dial: dialSrv})
	if err := tech.Link().Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Run{tech, agent} {
		if reason, err := r.WaitConnected(ctx); reason != "" || err != nil {
			t.Fatalf("link: %s, %v", reason, err)
		}
	}

	fr.cut()
	for _, state := range []string{`"lost"`, `"resumed"`, `"ice-restarted"`} {
		waitFor(t, &techOut, `"state":`+state)
	}
	waitFor(t, &agentOut, `"state":"peer-resumed"`)
	for _, r := range []*Run{tech, agent} {
		select {
		case <-r.Link().Done():
			t.Fatalf("a link ended: %v", r.Link().Err())
		default:
		}
	}

	// A goodbye's closed connection is no break: the pump stops.
	tech.Bye(ReasonHangup)
	select {
	case <-tech.pumpDone:
	case <-time.After(30 * time.Second): // a hang guard
		t.Fatal("the technician's pump still runs after its goodbye")
	}
	if n := strings.Count(techOut.String(), `"state":"lost"`); n != 1 {
		t.Fatalf("%d lost connections reported, want 1 (the cut):\n%s", n, techOut.String())
	}
}

// startRun makes a run on sc with its link, resumable with rs, its events
// in out; the test's end closes it.
func startRun(t *testing.T, sc *sigclient.Conn, role peer.Role, out io.Writer, rs Resume) *Run {
	t.Helper()
	r := NewRun(Common{Report: NewReporter(out, true)}, sc)
	r.SetResume(rs)
	pumpCtx, cancelPump := context.WithCancel(context.Background())
	if err := r.StartLink(pumpCtx, LinkConfig{Role: role, Video: peer.VideoNone, ICEServers: []proto.ICEServer{}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(cancelPump) })
	return r
}

// waitFor waits (30 s at most, a hang guard) until b holds want.
func waitFor(t *testing.T, b *lockedBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(b.String(), want) {
			return
		}
	}
	t.Fatalf("no %s in:\n%s", want, b.String())
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// cutter is a TCP proxy on loopback whose connections cut closes, as a
// dying server node closes them.
type cutter struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newCutter(t *testing.T, target string) *cutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln, target: target}
	c.wg.Go(c.serve)
	t.Cleanup(func() {
		ln.Close()
		c.cut()
		c.wg.Wait()
	})
	return c
}

func (c *cutter) addr() string { return c.ln.Addr().String() }

func (c *cutter) serve() {
	for {
		in, err := c.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", c.target)
		if err != nil {
			in.Close()
			continue
		}
		c.mu.Lock()
		c.conns = append(c.conns, in, out)
		c.mu.Unlock()
		c.wg.Go(func() { io.Copy(out, in); out.Close() })
		c.wg.Go(func() { io.Copy(in, out); in.Close() })
	}
}

// cut closes every connection made so far.
func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}
