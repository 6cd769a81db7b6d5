package netlab

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestFileTransferSurvivesCut: a file goes from the technician to the
// customer across two NATs; halfway the customer's router drops every
// packet for a few seconds, as a flaky uplink does. The transfer resumes
// when the path comes back, and the file lands whole (same SHA-256) with
// no partial left beside it. The customer's consent is a real click on
// the agent's window on an Xvfb.
func TestFileTransferSurvivesCut(t *testing.T) {
	Require(t)
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("netlab: xdotool not installed (scripts/install-deps.sh installs it)")
	}
	bins := tandem.get(t, "signaling", "agent", "technician", "turnrelay")
	lab := New(t)
	d := Deploy(t, lab, bins, OurRelay)
	techNS, _ := lab.Router("ra", PublicA, LANA, Cone).Host("tech")
	siteB := lab.Router("rb", PublicB, LANB, Cone)
	agentNS, _ := siteB.Host("agent")
	display := xvfb.Start(t, 1280, 800)

	src := filepath.Join(t.TempDir(), "big.bin")
	data := make([]byte, 96<<20)
	rand.Read(data)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	into := t.TempDir()
	common := []string{"-server", d.ServerURL, "-ca", d.CA, "-json"}
	tech := techNS.Start("technician", bins["technician"], append([]string{"-headless", "-user", d.User,
		"-password-file", d.PasswordFile, "-mode", "view", "-send", src, "-end-after", "120s"}, common...)...)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	code, err := tech.WaitEvent(ctx, "code")
	if err != nil {
		t.Fatal(err)
	}
	agent := agentNS.Start("agent", bins["agent"], append([]string{"-keep", "-code", code.Str("code"),
		"-display", display, "-download-dir", into}, common...)...)
	dump := func() string { return tech.Output() + "\n" + agent.Output() }
	click := func(n int, what string) {
		q := nthEvent(ctx, t, agent, "question", n)
		r, _ := q["allow"].(map[string]any)
		x, y := int(r["x"].(float64)+r["w"].(float64)/2), int(r["y"].(float64)+r["h"].(float64)/2)
		cmd := exec.Command("xdotool", "mousemove", "--sync", fmt.Sprint(x), fmt.Sprint(y), "click", "1")
		cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("allow %s: %v\n%s", what, err, out)
		}
	}
	click(1, "the session")
	click(2, "the file")

	// Cut once a tenth of the file is across, for four seconds.
	for {
		p := lastEvent(tech, "transfer")
		if done, _ := p.Num("done"); done > float64(len(data))/10 {
			break
		}
		if ctx.Err() != nil || tech.Exited() {
			t.Fatalf("the transfer did not start\n%s", dump())
		}
		time.Sleep(20 * time.Millisecond)
	}
	siteB.Router.IPTables("-I", "FORWARD", "1", "-j", "DROP")
	cutAt := lastEvent(tech, "transfer")
	time.Sleep(4 * time.Second)
	siteB.Router.IPTables("-D", "FORWARD", "1")
	t.Logf("cut at %v of %d bytes for 4 s", cutAt["done"], len(data))

	end, err := tech.WaitEvent(ctx, "transfer-done")
	if err != nil {
		t.Fatalf("no transfer-done: %v\n%s", err, dump())
	}
	if end.Str("sha256") != hex.EncodeToString(sum[:]) {
		t.Fatalf("transfer ended %v, want sha256 %x", end, sum)
	}
	left, _ := os.ReadDir(into)
	if len(left) != 1 || left[0].Name() != "big.bin" {
		t.Fatalf("customer's folder holds %v, want big.bin alone", left)
	}
	got, _ := os.ReadFile(filepath.Join(into, "big.bin"))
	if sha256.Sum256(got) != sum {
		t.Fatal("the landed file differs from the one sent")
	}
	tech.Stop()
	agent.Stop()
}

// nthEvent waits for the n-th (1-based) event called name.
func nthEvent(ctx context.Context, t *testing.T, p *Proc, name string, n int) Event {
	t.Helper()
	for {
		if es := p.Events(name); len(es) >= n {
			return es[n-1]
		}
		if ctx.Err() != nil || p.Exited() {
			t.Fatalf("%s: no %s event #%d\n%s", p.Name, name, n, p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lastEvent is the latest event called name, or an empty one.
func lastEvent(p *Proc, name string) Event {
	es := p.Events(name)
	if len(es) == 0 {
		return Event{}
	}
	return es[len(es)-1]
}
