package filexfer

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

// links connects two peer links in this process over loopback, signals
// passed directly, and closes them at cleanup.
func links(t testing.TB) (off, ans *peer.Link) {
	t.Helper()
	ctx := testContext(t, 30*time.Second)
	var to [2]atomic.Pointer[peer.Link]
	mk := func(role peer.Role, other int) *peer.Link {
		l, err := peer.New(peer.Config{Role: role, IncludeLoopback: true, Send: func(s peer.Signal) error {
			return to[other].Load().HandleSignal(ctx, s)
		}})
		check(t, err)
		t.Cleanup(func() { _ = l.Close() })
		return l
	}
	ans = mk(peer.Answerer, 0)
	to[1].Store(ans)
	off = mk(peer.Offerer, 1)
	to[0].Store(off)
	check(t, ans.Start(ctx))
	check(t, off.Start(ctx))
	_, err := off.WaitConnected(ctx)
	check(t, err)
	_, err = ans.WaitConnected(ctx)
	check(t, err)
	return off, ans
}

// side is one Endpoint running on a Conn, with its own folder.
type side struct {
	ep       *Endpoint
	dir      string
	asked    atomic.Int32
	mu       sync.Mutex
	progress []Progress
	runErr   chan error
}

// accept and refuse are Decide hooks.
func accept(context.Context, Ask) bool { return true }
func refuse(context.Context, Ask) bool { return false }

// start runs an Endpoint on conn until cleanup. decide may be nil.
func start(t testing.TB, conn Conn, cfg Config, decide func(context.Context, Ask) bool) *side {
	t.Helper()
	s := &side{dir: cfg.Dir, runErr: make(chan error, 1)}
	if s.dir == "" {
		s.dir = t.TempDir()
		cfg.Dir = s.dir
	}
	if decide != nil {
		cfg.Decide = func(ctx context.Context, a Ask) bool {
			s.asked.Add(1)
			return decide(ctx, a)
		}
	}
	cfg.Progress = s.record
	cfg.Logger = testLogger(t)
	var err error
	s.ep, err = New(conn, cfg)
	check(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { s.runErr <- s.ep.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-s.ep.Done()
	})
	return s
}

func (s *side) record(p Progress) {
	s.mu.Lock()
	s.progress = append(s.progress, p)
	s.mu.Unlock()
}

// lastProgress returns the last progress event reported for id.
func (s *side) lastProgress(id uint32) (Progress, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var last Progress
	n := 0
	for _, p := range s.progress {
		if p.ID == id {
			if p.Done < last.Done {
				panic("progress went backwards")
			}
			last = p
			n++
		}
	}
	return last, n
}

// pairOver starts two Endpoints on the two ends of a fresh link's file
// channel.
func pairOver(t testing.TB, cfgA, cfgB Config, decideA, decideB func(context.Context, Ask) bool) (a, b *side) {
	t.Helper()
	off, ans := links(t)
	a = start(t, off.Channel(peer.ChannelFile), cfgA, decideA)
	b = start(t, ans.Channel(peer.ChannelFile), cfgB, decideB)
	return a, b
}

// listing returns the names in dir, sorted.
func listing(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	check(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// randomFile writes n random bytes to a new file called name in a fresh
// folder and returns its path and content.
func randomFile(t testing.TB, name string, n int) (string, []byte) {
	t.Helper()
	data := make([]byte, n)
	_, _ = rand.Read(data)
	path := filepath.Join(t.TempDir(), name)
	check(t, os.WriteFile(path, data, 0o600))
	return path, data
}

func sameContent(t testing.TB, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	check(t, err)
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes differ from the %d sent", path, len(got), len(want))
	}
}

func wantErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

func checkLeaks(t *testing.T) { leakcheck.Check(t) }

func testContext(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("FILEXFER_DEBUG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sha(p []byte) []byte {
	s := sha256.Sum256(p)
	return s[:]
}
