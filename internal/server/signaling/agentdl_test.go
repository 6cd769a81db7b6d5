package signaling

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/proto"
	"github.com/tandem-remote/tandem/internal/wire/stamp"
)

var testPin = func() []byte { s := sha256.Sum256([]byte("test spki")); return s[:] }()

// agentFixture is a server with an agent to offer and an audit log.
type agentFixture struct {
	*fixture
	bin   []byte
	key   ed25519.PrivateKey
	audit *audit.Log
}

func newAgentFixture(t *testing.T) *agentFixture {
	t.Helper()
	return newAgentFixtureWith(t, func(*Config) {})
}

// newAgentFixtureWith is newAgentFixture with mutate applied to its Config.
func newAgentFixtureWith(t *testing.T, mutate func(*Config)) *agentFixture {
	t.Helper()
	a := &agentFixture{bin: make([]byte, 3<<20)}
	rand.Read(a.bin)
	path := filepath.Join(t.TempDir(), "agent")
	if err := os.WriteFile(path, a.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	_, a.key, _ = ed25519.GenerateKey(rand.Reader)
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a.audit = audit.New(st, nil, nil)
	a.fixture = newFixture(t, func(c *Config) {
		c.AgentBinary, c.PublicURL, c.GrantKey, c.Audit = path, "https://support.example.com", a.key, a.audit
		c.CertPin = func() ([]byte, error) { return testPin, nil }
		mutate(c)
	})
	return a
}

// download POSTs code to the agent route for platform.
func (f *fixture) download(t *testing.T, platform, code string) (*http.Response, []byte) {
	t.Helper()
	resp, err := f.http.Client().PostForm(f.url+"/v1/agent/"+platform, url.Values{"code": {code}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestAgentDownload(t *testing.T) {
	f := newAgentFixture(t)
	tech, opened := openSession(t, f.fixture)
	resp, body := f.download(t, AgentPlatform, opened.Code[:3]+" "+opened.Code[3:])
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	for k, want := range map[string]string{
		"Content-Type":        "application/octet-stream",
		"Content-Disposition": `attachment; filename="tandem-agent"`,
		"Cache-Control":       "no-store",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if resp.ContentLength != int64(len(body)) || !bytes.HasPrefix(body, f.bin) {
		t.Fatalf("body of %d bytes (Content-Length %d) does not start with the %d-byte agent", len(body), resp.ContentLength, len(f.bin))
	}
	p, err := stamp.Decode(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Session != opened.Session || p.Server != "https://support.example.com" || !bytes.Equal(p.Pin, testPin) ||
		!p.Expires.Equal(opened.Expires) || !bytes.Equal(p.Key, f.key.Public().(ed25519.PublicKey)) {
		t.Errorf("stamp %+v for session %s", p, opened.Session)
	}
	if _, err := f.dial(t).JoinTicket(ctxT(t), p.Ticket); err != nil {
		t.Fatalf("join with the stamped ticket: %v", err)
	}
	expectType(t, ctxT(t), tech, proto.TypePeerJoined)
	// The session has started: another download is refused as gone.
	if resp, body := f.download(t, AgentPlatform, opened.Code); resp.StatusCode != http.StatusGone {
		t.Errorf("download after the join: %d %s, want 410", resp.StatusCode, body)
	}
	entries, err := f.audit.List(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || (e.Kind == "agent.download" && e.Subject == opened.Session && e.Actor == "tech")
	}
	if !found {
		t.Errorf("no agent.download audit entry for the session in %+v", entries)
	}
}

func TestAgentDownloadRefusals(t *testing.T) {
	f := newAgentFixture(t)
	_, opened := openSession(t, f.fixture)
	get, err := f.http.Client().Get(f.url + "/v1/agent/" + AgentPlatform)
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	if get.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", get.StatusCode)
	}
	for _, c := range []struct {
		name, platform, code string
		status               int
		says                 string
	}{
		{"windows", "windows-amd64", opened.Code, http.StatusNotFound, "not available yet"},
		{"wrong code", AgentPlatform, "000000000", http.StatusNotFound, "no session has this code"},
		{"not a code", AgentPlatform, "hello", http.StatusNotFound, "no session has this code"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := f.download(t, c.platform, c.code)
			if resp.StatusCode != c.status || !strings.Contains(string(body), c.says) {
				t.Errorf("%d %q, want %d saying %q", resp.StatusCode, body, c.status, c.says)
			}
			if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/octet-stream") {
				t.Error("a refusal served the binary")
			}
		})
	}
	// Two wrong codes above and three more: the address is throttled.
	for range 3 {
		f.download(t, AgentPlatform, "000000001")
	}
	if resp, body := f.download(t, AgentPlatform, opened.Code); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right code while throttled: %d %s, want 429", resp.StatusCode, body)
	}
}

func TestAgentDownloadExpired(t *testing.T) {
	f := newAgentFixture(t)
	_, opened := openSession(t, f.fixture)
	if resp, body := f.download(t, AgentPlatform, opened.Code); resp.StatusCode != http.StatusOK {
		t.Fatalf("first download: %d %s", resp.StatusCode, body)
	}
	f.clock.add(10*time.Minute + time.Second)
	f.srv.sweep(ctxT(t))
	resp, body := f.download(t, AgentPlatform, opened.Code)
	if resp.StatusCode != http.StatusGone || !strings.Contains(string(body), "expired") {
		t.Errorf("download after the code expired: %d %q, want 410", resp.StatusCode, body)
	}
}

func TestAgentDownloadUnconfigured(t *testing.T) {
	f := newFixture(t)
	_, opened := openSession(t, f)
	resp, body := f.download(t, AgentPlatform, opened.Code)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "-agent-binary") {
		t.Errorf("%d %q, want 503 naming -agent-binary", resp.StatusCode, body)
	}
	// Nothing was looked up: the code still works.
	if _, err := f.srv.LookupCode(opened.Code, customerAddr); err != nil {
		t.Errorf("code after a refused download: %v", err)
	}
}

// TestAgentDownloadStreams: serving a download holds no copy of the
// binary: what one download allocates is a small fraction of its size.
func TestAgentDownloadStreams(t *testing.T) {
	f := newAgentFixture(t)
	_, opened := openSession(t, f.fixture)
	req := httptest.NewRequest(http.MethodPost, "/v1/agent/"+AgentPlatform, strings.NewReader("code="+opened.Code))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := &countingWriter{header: http.Header{}}
	h := f.srv.Handler()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	h.ServeHTTP(w, req)
	runtime.ReadMemStats(&after)
	if w.status != http.StatusOK || w.n <= int64(len(f.bin)) {
		t.Fatalf("status %d, %d bytes", w.status, w.n)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(len(f.bin))/4 {
		t.Errorf("one download allocated %d bytes for a %d-byte agent", grew, len(f.bin))
	}
}

// countingWriter is a ResponseWriter that counts the body and keeps
// nothing of it.
type countingWriter struct {
	header http.Header
	status int
	n      int64
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(s int)   { w.status = s }
func (w *countingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += int64(len(b))
	return len(b), nil
}
