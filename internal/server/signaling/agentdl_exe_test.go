package signaling

import (
	"bytes"
	"context"
	"debug/pe"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/wintest"
	"github.com/tandem-remote/tandem/internal/wire/stamp"
)

// windowsUAs are how the help page's visitors on Windows show up: the
// user agent, or Chromium's platform client hint with a user agent that
// names no system (the page's script reads either).
var windowsUAs = []struct{ name, ua, platformHint string }{
	{"user agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", ""},
	{"client hint", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", `"Windows"`},
}

// agentExe is a real Windows agent to stamp: the repository's bin/agent.exe
// (make agent-windows), or else ./agent cross-built here with mingw-w64
// (make windows-deps). Stamping does not depend on how fresh it is; the
// test checks the PE image survives the stamp and the reader finds it.
func agentExe(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "bin", "agent.exe"))
	if errors.Is(err, os.ErrNotExist) {
		return buildAgentExe(t)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// buildAgentExe cross-builds ./agent for Windows as make agent-windows
// does, or skips saying what is missing.
func buildAgentExe(t *testing.T) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no bin/agent.exe, and cross-building one takes minutes")
	}
	if _, err := exec.LookPath("x86_64-w64-mingw32-gcc"); err != nil {
		t.Skip("no bin/agent.exe and no mingw-w64 to build one: run `make windows-deps agent-windows` to test the stamp on a real PE")
	}
	env := append(append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=1"), wintest.MingwEnv(t)...)
	exe := filepath.Join(t.TempDir(), "agent.exe")
	build := exec.Command("go", "build", "-ldflags", "-s -w -H windowsgui", "-o", exe, "./agent")
	build.Dir, build.Env = wintest.RepoRoot(), env
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cross-build ./agent for Windows: %v\n%s", err, b)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newWindowsFixture is newAgentFixture with the real agent.exe offered too.
func newWindowsFixture(t *testing.T) (*agentFixture, []byte) {
	t.Helper()
	exe := agentExe(t)
	path := filepath.Join(t.TempDir(), "agent.exe")
	if err := os.WriteFile(path, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	f := newAgentFixtureWith(t, func(c *Config) { c.AgentBinaryWindows = path })
	return f, exe
}

// postAs POSTs code to platform's route as a browser with user agent ua
// and platform client hint (empty: none).
func (f *fixture) postAs(t *testing.T, platform, code, ua, hint string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.url+"/v1/agent/"+platform, strings.NewReader(url.Values{"code": {code}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", ua)
	if hint != "" {
		req.Header.Set("Sec-CH-UA-Platform", hint)
	}
	resp, err := f.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := new(bytes.Buffer)
	if _, err := body.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp, body.Bytes()
}

// TestAgentDownloadWindows: the Windows route serves agent.exe with its
// stamp appended, under tandem-agent.exe; the stamped file is still a PE
// image whose sections end before the stamp and that carries no
// Authenticode signature (which the stamp would break), and the reader the
// agent shares with Linux finds the stamp and refuses a flipped byte in it.
func TestAgentDownloadWindows(t *testing.T) {
	f, exe := newWindowsFixture(t)
	for _, c := range windowsUAs {
		t.Run(c.name, func(t *testing.T) {
			_, opened := openSession(t, f.fixture)
			resp, body := f.postAs(t, AgentPlatformWindows, opened.Code, c.ua, c.platformHint)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %.200s", resp.StatusCode, body)
			}
			if got, want := resp.Header.Get("Content-Disposition"), `attachment; filename="tandem-agent.exe"`; got != want {
				t.Errorf("Content-Disposition %q, want %q", got, want)
			}
			if !bytes.HasPrefix(body, exe) || len(body) == len(exe) {
				t.Fatalf("body of %d bytes is not the %d-byte agent.exe and a stamp", len(body), len(exe))
			}
			checkPE(t, body, len(exe))
			p, err := stamp.Decode(bytes.NewReader(body), int64(len(body)))
			if err != nil || p.Session != opened.Session {
				t.Fatalf("stamp %+v, %v; want session %s", p, err, opened.Session)
			}
			checkFlips(t, body, len(exe))
		})
	}
	entries, err := f.audit.List(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Kind == "agent.download" && e.Detail["platform"] == AgentPlatformWindows {
			n++
		}
	}
	if n != len(windowsUAs) {
		t.Errorf("%d agent.download audit entries for windows-amd64, want %d", n, len(windowsUAs))
	}
}

// checkPE: the stamped file parses as a PE whose last section ends within
// the image (the stamp is trailing data the loader never maps) and has no
// certificate table.
func checkPE(t *testing.T, stamped []byte, imageSize int) {
	t.Helper()
	img, err := pe.NewFile(bytes.NewReader(stamped))
	if err != nil {
		t.Fatalf("the stamped agent.exe no longer parses as PE: %v", err)
	}
	defer img.Close()
	for _, s := range img.Sections {
		if end := int(s.Offset) + int(s.Size); end > imageSize {
			t.Errorf("section %s ends at %d, past the %d-byte image", s.Name, end, imageSize)
		}
	}
	oh, ok := img.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		t.Fatalf("optional header %T, want PE32+ (x86-64)", img.OptionalHeader)
	}
	if sec := oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_SECURITY]; sec.Size != 0 {
		t.Errorf("agent.exe carries a certificate table (%d bytes): a signed file's stamp would fail its signature", sec.Size)
	}
}

// checkFlips: one flipped byte anywhere in the stamp (payload, signature,
// length, magic) is refused as damaged; one in the image is not the
// stamp's to catch — it signs its payload only, and the download's HTTPS
// vouches for the rest (package stamp) — so the stamp still reads.
func checkFlips(t *testing.T, stamped []byte, imageSize int) {
	t.Helper()
	for _, at := range []int{imageSize, imageSize + 40, len(stamped) - 90, len(stamped) - 18, len(stamped) - 3} {
		b := bytes.Clone(stamped)
		b[at] ^= 0x01
		if _, err := stamp.Decode(bytes.NewReader(b), int64(len(b))); !errors.Is(err, stamp.ErrDamaged) {
			t.Errorf("flipped byte %d of the stamp: %v, want ErrDamaged", at-imageSize, err)
		}
	}
	b := bytes.Clone(stamped)
	b[imageSize/2] ^= 0x01
	if _, err := stamp.Decode(bytes.NewReader(b), int64(len(b))); err != nil {
		t.Errorf("flipped byte in the image: %v, want the stamp still read (it covers its payload only)", err)
	}
}

// TestAgentDownloadWindowsUnconfigured: with no Windows agent configured,
// a Windows visitor is told it is not available yet, and the code is not
// spent.
func TestAgentDownloadWindowsUnconfigured(t *testing.T) {
	f := newAgentFixture(t)
	_, opened := openSession(t, f.fixture)
	resp, body := f.postAs(t, AgentPlatformWindows, opened.Code, windowsUAs[0].ua, "")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "not available yet") ||
		strings.Contains(string(body), AgentPlatformWindows) {
		t.Errorf("%d %q, want 404 not available yet, offering Linux only", resp.StatusCode, body)
	}
	if _, err := f.srv.LookupCode(opened.Code, customerAddr); err != nil {
		t.Errorf("code after a refused download: %v", err)
	}
}

// TestAgentWindowsOption: -agent-windows takes a plain agent.exe and
// refuses a stamped download, naming its own flag.
func TestAgentWindowsOption(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "agent.exe")
	os.WriteFile(plain, []byte("MZ plain agent"), 0o755)
	svc := &Service{opts: Options{AgentWindows: plain}}
	if got, err := svc.agentWindows(); got != plain || err != nil {
		t.Errorf("agentWindows() = %q, %v; want %q", got, err, plain)
	}
	if len(svc.summary) != 1 || !strings.Contains(svc.summary[0], AgentPlatformWindows) {
		t.Errorf("summary %q: want one line naming %s", svc.summary, AgentPlatformWindows)
	}
	svc = &Service{opts: Options{AgentWindows: filepath.Join(dir, "nope.exe")}}
	if _, err := svc.agentWindows(); err == nil || !strings.Contains(err.Error(), "-agent-windows") || !strings.Contains(err.Error(), "make agent-windows") {
		t.Errorf("missing file: %v, want an error naming -agent-windows and how to build it", err)
	}
}
