package e2e

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestRemoteScreenAndInput: a customer's two-monitor desktop with a red
// window on monitor 1 and an xterm on monitor 2. The technician must see
// the red window in its saved frame, and its pointer move on monitor 2 and
// its typing (capitals, punctuation, a Cyrillic letter) must reach the
// xterm, which writes what it receives to a file.
func TestRemoteScreenAndInput(t *testing.T) {
	if _, err := exec.LookPath("xterm"); err != nil {
		t.Skip("xterm not installed (scripts/install-deps.sh installs it)")
	}
	b := binaries(t)
	display := xvfb.Start(t, 1280, 800)
	x := xvfb.Connect(t, display)
	x.Monitors(image.Rect(0, 0, 640, 800), image.Rect(640, 0, 1280, 800))
	red := image.Rect(100, 300, 400, 500)
	x.Window(red, 0xd02020)

	dir := t.TempDir()
	typed := filepath.Join(dir, "typed.txt")
	start(t, "xterm", []string{"DISPLAY=" + display, "LANG=C.UTF-8"},
		"-geometry", "60x8+700+100", "-fa", "", "-e", "sh", "-c", "cat > "+typed)
	waitFile(t, typed)

	srv := server(t, b)
	url, ca := srv.url, srv.ca
	user, pw := srv.operator(t)
	frames := filepath.Join(dir, "frames")
	const text = "Hello, World! #42 (ok)? Ж\n"
	tech := start(t, b["technician"], nil, "-headless", "-server", url, "-ca", ca, "-user", user, "-password-file", pw, "-json",
		"-frames", frames, "-monitor", "0", "-move", "2:100,150", "-type", text, "-end-after", "4s")
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, b["agent"], nil, "-keep", "-server", url, "-ca", ca, "-code", code, "-json", "-display", display)
	answer(t, agent, display, "allow") // the customer allows, with a real click

	if st := tech.wait(t, 40*time.Second); st != 0 {
		t.Fatalf("technician exit %d\n%s", st, tech.stderr.String())
	}
	if st := agent.wait(t, 10*time.Second); st != 0 {
		t.Fatalf("agent exit %d\n%s", st, agent.stderr.String())
	}

	if got, _ := os.ReadFile(typed); string(got) != text {
		t.Errorf("xterm received %q, want %q", got, text)
	}
	if c := tech.last("connected"); c["lane"] != true {
		t.Errorf("connected %v: want the express lane (the agent and technician of one build)", c)
	}
	if p := x.Pointer(); p != image.Pt(740, 150) {
		t.Errorf("pointer at %v, want (740,150): monitor 2 starts at x=640", p)
	}
	screen := tech.last("screen")
	if mons, _ := screen["monitors"].([]any); len(mons) != 2 {
		t.Errorf("agent described %v, want two monitors", screen)
	}
	stats := tech.last("stats")
	if n, _ := stats["frames_decoded"].(float64); n < 2 {
		t.Errorf("stats %v: want frames for the first picture and the typing", stats)
	}

	// The technician asked for all monitors: 1280×800, the red window on
	// monitor 1 and the xterm's white background on monitor 2.
	img := readPNG(t, filepath.Join(frames, "last.png"))
	if img.Bounds().Dx() != 1280 || img.Bounds().Dy() != 800 {
		t.Fatalf("frame is %v, want the whole 1280x800 screen", img.Bounds())
	}
	expectColour(t, img, image.Pt(1000, 200), 0xff, 0xff, 0xff) // xterm, below its text
	expectColour(t, img, image.Pt(250, 400), 0xd0, 0x20, 0x20)  // inside the red window
	expectColour(t, img, image.Pt(50, 50), 0, 0, 0)             // black root
	expectColour(t, img, image.Pt(red.Max.X+20, 400), 0, 0, 0)  // right of the window
}

// TestIdleScreenSendsNothing: once the first picture is out, a still
// screen produces no more frames.
func TestIdleScreenSendsNothing(t *testing.T) {
	b := binaries(t)
	display := xvfb.Start(t, 800, 600)
	xvfb.Connect(t, display).Window(image.Rect(10, 10, 200, 200), 0x20d020)
	srv := server(t, b)
	url, ca := srv.url, srv.ca
	user, pw := srv.operator(t)
	tech := start(t, b["technician"], nil, "-headless", "-server", url, "-ca", ca, "-user", user, "-password-file", pw, "-json", "-end-after", "6s")
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, b["agent"], nil, "-keep", "-server", url, "-ca", ca, "-code", code, "-json", "-display", display)
	answer(t, agent, display, "allow") // the customer allows, with a real click
	// The agent's window changes from the question to the panel on the
	// shared screen; once it is steady, the screen is still.
	agent.next(t, "panel")
	tech.next(t, "stats")
	still := tech.next(t, "stats")
	if st := tech.wait(t, 30*time.Second); st != 0 {
		t.Fatalf("technician exit %d\n%s", st, tech.stderr.String())
	}
	agent.wait(t, 10*time.Second)
	before, _ := still["frames_decoded"].(float64)
	stats := tech.last("stats")
	if n, _ := stats["frames_decoded"].(float64); before < 1 || n != before {
		t.Fatalf("idle screen: %v frames decoded by the time it was still, %v at the end; want at least one, then none (stats %v)", before, n, stats)
	}
}

func waitFile(t *testing.T, name string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(name); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", name)
}

func readPNG(t *testing.T, name string) image.Image {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return img
}

// expectColour checks a pixel within a tolerance a lossy codec meets (a
// wrong picture is off by far more).
func expectColour(t *testing.T, img image.Image, p image.Point, r, g, b uint8) {
	t.Helper()
	cr, cg, cb, _ := img.At(p.X, p.Y).RGBA()
	diff := func(a uint32, want uint8) int {
		d := int(a>>8) - int(want)
		if d < 0 {
			d = -d
		}
		return d
	}
	if diff(cr, r) > 24 || diff(cg, g) > 24 || diff(cb, b) > 24 {
		t.Errorf("pixel %v is (%d,%d,%d), want about (%d,%d,%d)", p, cr>>8, cg>>8, cb>>8, r, g, b)
	}
}
