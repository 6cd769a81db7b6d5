package e2e

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestViewerShowsRemoteDesktop: the technician's viewer window, on its own
// X display, shows the customer's desktop: a screenshot of the technician's
// screen holds the customer's red window, scaled into the viewer.
func TestViewerShowsRemoteDesktop(t *testing.T) {
	b := binaries(t)
	customer := xvfb.Start(t, 1280, 720)
	xvfb.Connect(t, customer).Window(image.Rect(320, 180, 960, 540), 0xd02020) // the middle quarter
	technician := xvfb.Start(t, 1600, 1000)
	tx := xvfb.Connect(t, technician)

	srv := server(t, b)
	url, ca := srv.url, srv.ca
	user, pw := srv.operator(t)
	tech := start(t, b["technician"], []string{"DISPLAY=" + technician, "LIBGL_ALWAYS_SOFTWARE=1"},
		"-server", url, "-ca", ca, "-user", user, "-password-file", pw, "-json", "-end-after", "6s")
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, b["agent"], nil, "-keep", "-server", url, "-ca", ca, "-code", code, "-json", "-display", customer)
	answer(t, agent, customer, "allow") // the customer allows, with a real click
	tech.next(t, "connected")

	// Wait until the picture is in the window, then look at the screen.
	var shot *image.RGBA
	var reds int
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		shot = tx.Screenshot()
		if reds = countRed(shot); reds > 20000 {
			break
		}
	}
	out := filepath.Join(t.TempDir(), "viewer.png")
	if f, err := os.Create(out); err == nil {
		png.Encode(f, shot)
		f.Close()
	}
	if reds <= 20000 {
		t.Fatalf("the viewer shows %d red pixels, want the customer's red window (screenshot %s)\n%s", reds, out, tech.stderr.String())
	}
	if st := tech.wait(t, 30*time.Second); st != 0 {
		t.Fatalf("technician exit %d\n%s", st, tech.stderr.String())
	}
}

func countRed(img *image.RGBA) int {
	n := 0
	for i := 0; i < len(img.Pix); i += 4 {
		r, g, b := img.Pix[i], img.Pix[i+1], img.Pix[i+2]
		if r > 170 && g < 70 && b < 70 {
			n++
		}
	}
	return n
}
