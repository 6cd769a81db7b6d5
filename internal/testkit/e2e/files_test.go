package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// randomFile writes n random bytes to dir/name and returns its SHA-256.
func randomFile(t *testing.T, dir, name string, n int) (path, sum string) {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	path = filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return path, hex.EncodeToString(s[:])
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestFileTransfer: files go both ways over the session's link, each one
// asked of the customer in the agent's window (real clicks): an accepted
// upload lands whole in the customer's folder, a refused one writes
// nothing, a download the customer allows arrives with the same SHA-256,
// and a hostile name is refused with a clear message without asking. A
// fetch path with ".." is refused without asking; one through a link to
// the customer's .ssh is asked as the key in .ssh that it really reads.
func TestFileTransfer(t *testing.T) {
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	for _, c := range []struct {
		name  string
		file  string // name of the file the technician offers
		fetch bool   // the technician downloads instead
		click string // the customer's answer; "" = not asked
	}{
		{"upload accepted", "report 1.bin", false, "allow"},
		{"upload refused", "report 2.bin", false, "deny"},
		{"download accepted", "notes.bin", true, "allow"},
		{"hostile name", "CON", false, ""},
		{"fetch dot dot", "Documents/Invoices/../../.ssh/id_ed25519", true, ""},
		{"fetch through a link", "Documents/keys/id_ed25519", true, "deny"},
	} {
		t.Run(c.name, func(t *testing.T) {
			display := xvfb.Start(t, 1280, 800)
			techDir, custDir, custFiles := t.TempDir(), t.TempDir(), t.TempDir()
			var src, sum string
			var fileArg, agentEnv []string
			switch {
			case strings.HasPrefix(c.file, "Documents/"):
				agentEnv = []string{"HOME=" + customerHome(t, custFiles)}
				fileArg = []string{"-fetch", c.file}
			case c.fetch:
				src, sum = randomFile(t, custFiles, c.file, 3<<20+17)
				fileArg = []string{"-fetch", src}
			default:
				src, sum = randomFile(t, techDir, c.file, 3<<20+17)
				fileArg = []string{"-send", src}
			}
			args := append([]string{"-headless", "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw,
				"-json", "-mode", "view", "-download-dir", techDir + "/in", "-end-after", "60s"}, fileArg...)
			os.Mkdir(techDir+"/in", 0o700)
			tech := start(t, b["technician"], nil, args...)
			code := tech.next(t, "code")["code"].(string)
			agent := start(t, b["agent"], agentEnv, "-keep", "-server", srv.url, "-ca", srv.ca, "-code", code, "-json",
				"-display", display, "-download-dir", custDir)
			answer(t, agent, display, "allow")
			if c.click != "" {
				q := answer(t, agent, display, c.click)
				want := map[bool]string{false: "file-in", true: "file-out"}[c.fetch]
				if q["kind"] != want {
					t.Errorf("question %v, want %s", q, want)
				}
				if home, _ := filepath.EvalSymlinks(custFiles); c.name == "fetch through a link" &&
					(q["file"] != "id_ed25519" || q["dir"] != filepath.Join(home, ".ssh")) {
					t.Errorf("question %v, want id_ed25519 in %s", q, filepath.Join(home, ".ssh"))
				}
			}
			end := tech.nextOf(t, "transfer-done", "transfer-failed")
			tech.cmd.Process.Signal(os.Interrupt)
			tech.wait(t, 20*time.Second)
			agent.wait(t, 20*time.Second)
			landed, _ := os.ReadDir(custDir)
			switch c.name {
			case "upload accepted":
				if end["event"] != "transfer-done" || end["sha256"] != sum {
					t.Fatalf("technician saw %v, want done with sha256 %s", end, sum)
				}
				if len(landed) != 1 || landed[0].Name() != c.file || fileSum(t, filepath.Join(custDir, c.file)) != sum {
					t.Fatalf("customer's folder holds %v, want exactly %q with the same SHA-256", landed, c.file)
				}
			case "upload refused":
				if end["event"] != "transfer-failed" || !strings.Contains(end["error"].(string), "refused") {
					t.Fatalf("technician saw %v, want a refusal", end)
				}
				if len(landed) != 0 {
					t.Fatalf("a refused file left %v in the customer's folder", landed)
				}
			case "download accepted":
				if end["event"] != "transfer-done" || end["sha256"] != sum || fileSum(t, filepath.Join(techDir, "in", c.file)) != sum {
					t.Fatalf("technician saw %v, want the file with sha256 %s in its folder", end, sum)
				}
			case "fetch dot dot":
				msg, _ := end["error"].(string)
				if end["event"] != "transfer-failed" || !strings.Contains(msg, `".."`) {
					t.Fatalf("technician saw %v, want a refusal that names the \"..\"", end)
				}
				if q := agent.last("question"); q["kind"] != "session" {
					t.Fatalf("the customer was asked %v about a path with ..", q)
				}
			case "fetch through a link":
				if end["event"] != "transfer-failed" || !strings.Contains(end["error"].(string), "refused") {
					t.Fatalf("technician saw %v, want a refusal", end)
				}
			case "hostile name":
				msg, _ := end["error"].(string)
				if end["event"] != "transfer-failed" || !strings.Contains(msg, "reserved") {
					t.Fatalf("technician saw %v, want a refusal that names the reserved name", end)
				}
				if q := agent.last("question"); len(landed) != 0 || q["kind"] != "session" {
					t.Fatalf("hostile name: folder %v, last question %v (want only the session's)", landed, q)
				}
			}
		})
	}
}

// customerHome makes home a customer's home folder holding an SSH key and
// a link in Documents that leads to it, and returns home with its links
// resolved.
func customerHome(t *testing.T, home string) string {
	t.Helper()
	home, err := filepath.EvalSymlinks(home)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{".ssh", "Documents/Invoices"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	randomFile(t, filepath.Join(home, ".ssh"), "id_ed25519", 411)
	if err := os.Symlink("../.ssh", filepath.Join(home, "Documents", "keys")); err != nil {
		t.Fatal(err)
	}
	return home
}
