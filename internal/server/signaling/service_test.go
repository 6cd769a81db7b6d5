package signaling

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
)

func prepare(t *testing.T, dir string, out io.Writer) *Service {
	t.Helper()
	svc, err := Prepare(Options{
		Addr: "127.0.0.1:0", DataDir: dir, PublicURL: "https://127.0.0.1",
		Relay: true, RelayUDP: "127.0.0.1:0", RelayTCP: "127.0.0.1:0", RelayTLS: "127.0.0.1:0",
		MetricsAddr: "127.0.0.1:0", Out: out,
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestServiceFirstStart checks what an operator sees on first start and
// after a restart: the data directory's files, their modes, a stable
// certificate and TURN secret, and a summary naming what clients need:
// how to add an operator, the technician's login, the agent's command.
func TestServiceFirstStart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var out bytes.Buffer
	svc := prepare(t, dir, &out)
	svc.ln.Close()
	svc.Close()
	for name, mode := range map[string]os.FileMode{"cert.pem": 0o644, "key.pem": 0o600, "turn-secret": 0o600, "grant-key": 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s mode %v, want %v", name, fi.Mode().Perm(), mode)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "technician-token")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("technician-token: %v, want no such file (operators log in)", err)
	}
	summary := out.String()
	cert, _, _, err := certs.LoadOrCreate(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), nil)
	if err != nil {
		t.Fatal(err)
	}
	admin := "signaling admin -data " + dir
	for _, want := range []string{certs.Fingerprint(cert), "NO ADMINISTRATOR YET", admin + " user add -admin ID",
		admin + " user add -name", admin + " perm set account ID remote-control observe demonstrate file-transfer chat clipboard",
		"technician -server https://127.0.0.1 -ca " + filepath.Join(dir, "cert.pem") + " -user ID",
		"turn:127.0.0.1:", "?transport=udp", "?transport=tcp", "turns:127.0.0.1:", "agent -server https://127.0.0.1",
		"Metrics: http://127.0.0.1:", "at most 100 WebSockets, 20 new a second after 200"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	if strings.Contains(summary, "token-file") {
		t.Errorf("summary still names -token-file:\n%s", summary)
	}
	secret, _ := os.ReadFile(filepath.Join(dir, "turn-secret"))

	// A restart keeps the certificate and the secret. A technician-token
	// file left by an earlier version is named in a warning, not read.
	os.WriteFile(filepath.Join(dir, "technician-token"), []byte("5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e\n"), 0o600)
	out.Reset()
	var logs bytes.Buffer
	svc, err = Prepare(Options{Addr: "127.0.0.1:0", DataDir: dir, PublicURL: "https://127.0.0.1", Out: &out,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	svc.ln.Close()
	svc.Close()
	if !strings.Contains(out.String(), certs.Fingerprint(cert)) || !strings.Contains(out.String(), "kept in") {
		t.Errorf("certificate changed across restart:\n%s", out.String())
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "turn-secret")); !bytes.Equal(again, secret) {
		t.Error("TURN secret changed across restart")
	}
	if !strings.Contains(logs.String(), "technician -user ID") || !strings.Contains(logs.String(), filepath.Join(dir, "technician-token")) {
		t.Errorf("no warning about the unused technician-token file:\n%s", logs.String())
	}
}

func TestServiceServes(t *testing.T) {
	dir := t.TempDir()
	svc := prepare(t, dir, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	pool, err := certs.Pool(filepath.Join(dir, "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	public := "https://" + svc.ln.Addr().String()
	metrics := "http://" + svc.metrics.Addr().String()
	for _, tc := range []struct {
		url    string
		status int
		want   string
	}{
		{public + "/healthz", 200, "ok"},
		{public + "/metrics", 404, ""}, // they tell when codes are live
		{public + "/metrics/", 404, ""},
		{metrics + "/metrics", 200, "tandem_signaling_sessions"},
		{metrics + "/metrics", 200, "relay"}, // the embedded relay's too
		{metrics + "/healthz", 200, "ok"},
	} {
		resp, err := client.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %.200s, want %d with %q", tc.url, resp.StatusCode, body, tc.status, tc.want)
		}
		if hsts := resp.Header.Get("Strict-Transport-Security"); strings.HasPrefix(tc.url, public) && hsts == "" {
			t.Errorf("%s: no HSTS header", tc.url)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestPrepareErrors(t *testing.T) {
	dir := t.TempDir()
	for name, o := range map[string]Options{
		"bad public URL":    {Addr: "127.0.0.1:0", DataDir: dir, PublicURL: "http://plain.example"},
		"missing secret":    {Addr: "127.0.0.1:0", DataDir: dir, TURNSecretFile: filepath.Join(dir, "nope")},
		"missing cert file": {Addr: "127.0.0.1:0", DataDir: dir, CertFile: filepath.Join(dir, "c.pem"), KeyFile: filepath.Join(dir, "k.pem")},
		"bad addr":          {Addr: "nonsense", DataDir: dir},
	} {
		if svc, err := Prepare(o); err == nil {
			svc.Close()
			t.Errorf("%s: accepted", name)
		} else if name == "missing secret" && !strings.Contains(err.Error(), "/dev/urandom") {
			t.Errorf("%s: message does not say how to fix it: %v", name, err)
		}
	}
}
