package viewer

import (
	"testing"

	"github.com/tandem-remote/tandem/internal/leakcheck"
)

func TestOpen(t *testing.T) {
	leakcheck.Check(t)
	startXvfb(t)
	r := open(t, Config{Title: "tandem-viewer-test"}, Frame{Image: pattern(1280, 720)})
	t.Logf("window %v, opened in %v, layout %+v", r.win, r.v.Stats().Opened, r.info())
	savePNG(t, "open.png", screenshot(t))
}
