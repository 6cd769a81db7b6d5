package viewer

import (
	"context"
	"image"
	"image/color"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/media/giowin"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

// TestWaitingShowsCode drives the real window while the session waits for
// its customer: it shows the code in groups, the link, and the time left
// counting down; the copy button puts the link on the clipboard; the card
// goes when the caller clears it and when the first picture comes.
func TestWaitingShowsCode(t *testing.T) {
	leakcheck.Check(t)
	startXvfb(t)
	r := open(t, Config{Title: title}, Frame{})
	w := NewWaiting("https://help.example.com", "123456789", time.Now().Add(10*time.Minute))
	r.v.SetWaiting(w)
	card := func() bool { _, ok := r.info().Rects[giowin.NameCode]; return ok }
	waitFor(t, "the code card", card)
	texts := r.v.Texts()
	for _, want := range []string{"123 456 789", "https://help.example.com/s/123456789", "Copy link", "waiting for the customer to join…"} {
		if !slices.Contains(texts, want) {
			t.Errorf("%q not drawn; drawn: %q", want, texts)
		}
	}
	shot := screenshot(t)
	t.Logf("screenshot: %s", savePNG(t, "viewer-waiting.png", shot))
	if n := inked(shot, r.info().Rects[giowin.NameCode].Add(r.win.Min)); n < 200 {
		t.Errorf("the code has %d inked pixels on the screen, want its digits", n)
	}

	first := expiresText(t, r)
	waitFor(t, "the time left to count down from "+first.String(), func() bool { return expiresText(t, r) < first })

	clip := x11Clipboard(t)
	r.click(t, giowin.NameCopy)
	waitFor(t, "the link on the clipboard", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s, _ := clip.Get(ctx)
		return s == w.Link
	})
	waitFor(t, "the button to say it copied", func() bool { return slices.Contains(r.v.Texts(), "Copied") })
	if n := len(r.v.Input()); n != 0 {
		t.Errorf("pointing at the code card sent %d input events towards a customer not there yet, first %s", n, describe(<-r.v.Input()))
	}

	r.v.SetWaiting(Waiting{})
	waitFor(t, "the card to go when cleared", func() bool { return !card() })
	r.v.SetWaiting(w)
	waitFor(t, "the code card again", card)
	r.v.Show(Frame{Image: pattern(640, 480)})
	waitFor(t, "the card to go with the first picture", func() bool { return !card() && r.v.Stats().Drawn >= 1 })
	if texts := r.v.Texts(); slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, "123 456 789") }) {
		t.Errorf("the code is still drawn over the picture: %q", texts)
	}
}

// expiresText is the card's time left, as last drawn ("Expires in 9:41").
func expiresText(t *testing.T, r *running) time.Duration {
	t.Helper()
	for _, s := range r.v.Texts() {
		if rest, ok := strings.CutPrefix(s, "Expires in "); ok {
			m, sec, _ := strings.Cut(rest, ":")
			d, err := time.ParseDuration(m + "m" + sec + "s")
			if err != nil {
				t.Fatalf("time left %q: %v", s, err)
			}
			return d
		}
	}
	t.Fatalf("no time left drawn: %q", r.v.Texts())
	return 0
}

// inked counts the pixels of r (screen coordinates) that stand out from
// the code card's background: text drawn there.
func inked(img *image.RGBA, r image.Rectangle) int {
	bg := color.RGBA(pal.Surface)
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !near(img.RGBAAt(x, y), bg, 40) {
				n++
			}
		}
	}
	return n
}
