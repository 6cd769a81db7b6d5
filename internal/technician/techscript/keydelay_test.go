package techscript

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/media/vpx"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
)

// TestKeyDelay: a press counts as shown at the first picture that changes
// like a typed glyph, not at one that only carries coding noise; pictures
// that change nothing do not hold the next press back; and a press that
// never shows is written down as not shown.
func TestKeyDelay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	synctest.Test(t, func(t *testing.T) {
		d := New(Script{KeyDelay: path}, session.NewReporter(&bytes.Buffer{}, true), nil)
		events := d.Events(nil)
		stop := d.Start(techsession.New(techsession.TechnicianConfig{}))
		still := grey(64, 32, 200)
		events(techsession.FrameEvent{Pic: still})
		time.Sleep(time.Second) // quiet: the first press went and waits
		noisy := grey(64, 32, 180)
		events(techsession.FrameEvent{Pic: noisy})
		time.Sleep(100 * time.Millisecond)
		typed := grey(64, 32, 180)
		for i := range 40 { // a glyph's worth of dark pixels
			typed.Y[i*3] = 10
		}
		events(techsession.FrameEvent{Pic: typed})
		typedAt := time.Now()
		for range 20 { // the same picture again and again (a window redrawn)
			time.Sleep(100 * time.Millisecond)
			events(techsession.FrameEvent{Pic: typed})
		}
		time.Sleep(1700 * time.Millisecond) // the second press timed out
		stop()
		got := readKeyDelays(t, path)
		if len(got) != 2 {
			t.Fatalf("got %d presses, want 2: %+v", len(got), got)
		}
		want := float64(typedAt.Sub(got[0].Sent).Microseconds()) / 1000
		if !got[0].Shown || got[0].DelayMS != want || got[0].Pixels != 40 {
			t.Errorf("first press %+v, want shown after %.1f ms with 40 pixels", got[0], want)
		}
		if got[1].Shown || got[1].Key != 2 || got[1].Sent.After(typedAt.Add(time.Second)) {
			t.Errorf("second press %+v, want key 2 sent within a second of the first showing, not shown", got[1])
		}
	})
}

// grey is a w×h picture of luma y.
func grey(w, h int, y byte) *vpx.I420 {
	p := vpx.NewI420(w, h)
	for i := range p.Y {
		p.Y[i] = y
	}
	return p
}

func readKeyDelays(t *testing.T, path string) []KeyDelay {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []KeyDelay
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var d KeyDelay
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, d)
	}
	return out
}
