package e2e

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
	"github.com/tandem-remote/tandem/internal/testkit/netlab"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// stampServer runs the signaling binary offering the built agent for
// download (-agent-binary), with extra flags.
func stampServer(t *testing.T, b netlab.Binaries, args ...string) *sigServer {
	t.Helper()
	data := t.TempDir()
	addr := "127.0.0.1:" + freePort(t)
	_, out := serveOn(t, b, addr, data, append([]string{"-agent-binary", b["agent"]}, args...)...)
	if !strings.Contains(out, "Agent download: "+b["agent"]) {
		t.Fatalf("the summary does not name the agent download:\n%s", out)
	}
	tok, _ := signalingtest.SetupToken(out)
	return &sigServer{url: "https://" + addr, data: data, ca: filepath.Join(data, "cert.pem"), setupToken: tok}
}

// download POSTs code to the agent route as the help page's form does and
// saves the answer as tandem-agent in a fresh directory, made executable
// as the page tells the customer to. It returns the status, the body when
// it is not a download, and the file's directory and path.
func download(t *testing.T, srv *sigServer, code string) (status int, text, dir, path string) {
	t.Helper()
	roots, err := certs.Pool(srv.ca)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	resp, err := hc.PostForm(srv.url+"/v1/agent/linux-amd64", url.Values{"code": {code}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), "", ""
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="tandem-agent"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	dir = t.TempDir()
	path = filepath.Join(dir, "tandem-agent")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Chmod(path, 0o755); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, "", dir, path
}

func mustDownload(t *testing.T, srv *sigServer, code string) (dir, path string) {
	t.Helper()
	status, text, dir, path := download(t, srv, code)
	if status != http.StatusOK {
		t.Fatalf("download: %d %s", status, text)
	}
	return dir, path
}

// copyTo copies the file at path into a fresh directory.
func copyTo(t *testing.T, path string) (dir, dst string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	dst = filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, dst
}

// emptyDir fails unless dir holds nothing: the agent removed itself.
func emptyDir(t *testing.T, dir string) {
	t.Helper()
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("left in the download's directory: %v", left)
	}
}

// waitWindow waits for a window titled title on display.
func waitWindow(t *testing.T, display, title string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		cmd := exec.Command("xdotool", "search", "--name", "^"+title+"$")
		cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
		if out, err := cmd.Output(); err == nil && strings.TrimSpace(string(out)) != "" {
			return
		}
	}
	t.Fatalf("no window titled %q on %s", title, display)
}

// TestStampedAgent: the agent downloaded from the server, saved into a
// fresh directory and run with no arguments, joins the session it was
// downloaded for — the consent window appears on the customer's display
// and the technician hears the peer join — and removes itself at the end.
// With -json (still no -server or -code) Allow is clicked and frames
// flow. A second copy of a used download, a download with one byte of
// its stamp flipped, and a download after the code expired are refused
// with words that say what to do.
func TestStampedAgent(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (scripts/install-deps.sh installs it)")
	}
	b := binaries(t)
	srv := stampServer(t, b)
	user, pw := srv.operator(t)
	technician := func(t *testing.T, args ...string) (*proc, string) {
		tech := start(t, b["technician"], nil, append([]string{"-headless", "-server", srv.url, "-ca", srv.ca,
			"-user", user, "-password-file", pw, "-json"}, args...)...)
		return tech, tech.next(t, "code")["code"].(string)
	}

	t.Run("no arguments", func(t *testing.T) {
		display := xvfb.Start(t, 1280, 800)
		tech, code := technician(t)
		dir, path := mustDownload(t, srv, code)
		agent := startIn(t, dir, path, []string{"DISPLAY=" + display})
		tech.next(t, "joined")
		waitWindow(t, display, "Tandem")
		tech.next(t, "connected")
		tech.cmd.Process.Signal(syscall.SIGINT) // the technician hangs up
		if st := agent.wait(t, 60*time.Second); st != 0 {
			t.Errorf("agent exit %d\n%s", st, agent.stderr.String())
		}
		emptyDir(t, dir)
	})

	t.Run("allowed, then the copy refused", func(t *testing.T) {
		display := xvfb.Start(t, 1280, 800)
		tech, code := technician(t, "-end-after", "6s")
		dir, path := mustDownload(t, srv, code)
		copyDir, copyPath := copyTo(t, path)
		agent := startIn(t, dir, path, []string{"DISPLAY=" + display}, "-json")
		answer(t, agent, display, "allow")
		if mode := tech.next(t, "mode"); mode["answer"] != "allowed" {
			t.Errorf("technician heard %v, want allowed", mode)
		}
		// The same download again, while the session runs: its ticket is
		// spent.
		again := startIn(t, copyDir, copyPath, []string{"DISPLAY="})
		if st := again.wait(t, 30*time.Second); st != 1 ||
			!strings.Contains(again.stderr.String(), "ended or was already used; ask your technician for a new link") {
			t.Errorf("second run of the download: exit %d\n%s", st, again.stderr.String())
		}
		if st := tech.wait(t, 60*time.Second); st != 0 {
			t.Fatalf("technician exit %d\n%s", st, tech.stderr.String())
		}
		if st := agent.wait(t, 30*time.Second); st != 0 {
			t.Errorf("agent exit %d\n%s", st, agent.stderr.String())
		}
		if frames, _ := tech.last("stats")["frames_decoded"].(float64); frames == 0 {
			t.Error("the technician decoded no frame")
		}
		emptyDir(t, dir)
	})

	t.Run("a flipped byte", func(t *testing.T) {
		tech, code := technician(t)
		dir, path := mustDownload(t, srv, code)
		bin, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Inside the stamp's payload: the end marker (16), length (4) and
		// signature (64) come after it.
		bin[len(bin)-16-4-64-20] ^= 0x04
		if err := os.WriteFile(path, bin, 0o755); err != nil {
			t.Fatal(err)
		}
		agent := startIn(t, dir, path, []string{"DISPLAY="})
		if st := agent.wait(t, 30*time.Second); st != 1 ||
			!strings.Contains(agent.stderr.String(), "damaged or was altered: download the agent again") {
			t.Errorf("tampered download: exit %d\n%s", st, agent.stderr.String())
		}
		// It did not connect: the code is still unused and downloads again.
		if status, text, _, _ := download(t, srv, code); status != http.StatusOK {
			t.Errorf("download after the tampered run: %d %s", status, text)
		}
		tech.cmd.Process.Signal(syscall.SIGINT)
	})
}

// TestStampedAgentExpired: once the session's code has expired, a new
// download is refused (410), and a download made before runs into its own
// expiry without connecting.
func TestStampedAgentExpired(t *testing.T) {
	b := binaries(t)
	srv := stampServer(t, b, "-code-ttl", "4s")
	user, pw := srv.operator(t)
	tech := start(t, b["technician"], nil, "-headless", "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw, "-json")
	ev := tech.next(t, "code")
	code := ev["code"].(string)
	expires, err := time.Parse(time.RFC3339Nano, ev["expires"].(string))
	if err != nil {
		t.Fatal(err)
	}
	dir, path := mustDownload(t, srv, code)
	time.Sleep(time.Until(expires) + time.Second) // the server's real clock decides
	status, text, _, _ := download(t, srv, code)
	if status != http.StatusGone || !strings.Contains(text, "expired") {
		t.Errorf("download after expiry: %d %q, want 410 saying expired", status, text)
	}
	agent := startIn(t, dir, path, []string{"DISPLAY="})
	if st := agent.wait(t, 30*time.Second); st != 1 || !strings.Contains(agent.stderr.String(), "has expired: ask your technician for a new link") {
		t.Errorf("expired download: exit %d\n%s", st, agent.stderr.String())
	}
}
