package viewer

import (
	"image/color"
	"testing"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/link/input"
)

// TestFiles: the Files button opens the pane; a path typed there asks to
// send that file on Enter, and one typed in the other field asks to fetch
// it with the button, without a key reaching the customer's machine; a
// transfer's progress shows as a bar that fills as far as it got.
func TestFiles(t *testing.T) {
	r := openPattern(t, 1280, 720)
	xdotool(t, "windowfocus", "--sync", r.id)
	r.click(t, btnFiles)
	waitFor(t, "the files pane", func() bool { return !r.info().files.Empty() })

	typeInto := func(field, text string, keys ...string) {
		r.click(t, field)
		waitFor(t, "the field to take the keyboard", func() bool { return r.info().Editing == field })
		xdotool(t, "type", text)
		xdotool(t, append([]string{"key"}, keys...)...)
	}
	typeInto(fileSendPath, "/tmp/report 1.pdf", "Return")
	if a := r.action(t); a.Kind != ActionSendFile || a.Text != "/tmp/report 1.pdf" {
		t.Fatalf("send: got %+v, want the typed path", a)
	}
	typeInto(fileFetchPath, "/home/c/notes.txt", "End")
	r.click(t, fileFetch)
	if a := r.action(t); a.Kind != ActionFetchFile || a.Text != "/home/c/notes.txt" {
		t.Fatalf("fetch: got %+v, want the typed path", a)
	}
	for len(r.v.Input()) > 0 {
		if ev := <-r.v.Input(); ev.Type != input.PointerMove { // moves are fine
			t.Fatalf("typing a path sent %s to the customer", describe(ev))
		}
	}

	r.v.SetTransfer(Transfer{Progress: filexfer.Progress{ID: 7, Name: "notes.txt", Done: 3 << 20, Total: 4 << 20, Incoming: true}})
	waitFor(t, "the transfer's line", func() bool { _, ok := r.info().Rects[fileTransferRow(0)]; return ok })
	row := r.info().Rects[fileTransferRow(0)]
	// The bar is the line's lower part: filled (btnOnBg) over about three
	// quarters of its width, the rest is track (btnBg).
	filled := func() float64 {
		shot := screenshot(t)
		y := r.win.Min.Y + row.Max.Y - 2
		n := 0
		for x := row.Min.X; x < row.Max.X; x++ {
			c := shot.RGBAAt(r.win.Min.X+x, y)
			if near(c, color.RGBA{R: pal.Accent.R, G: pal.Accent.G, B: pal.Accent.B, A: 0xff}, 8) {
				n++
			}
		}
		return float64(n) / float64(row.Dx())
	}
	if f := filled(); f < 0.6 || f > 0.9 {
		t.Fatalf("the bar is %.0f %% filled at 3 of 4 MiB, want about 75 %% (row %v)", 100*f, row)
	}
	r.v.SetTransfer(Transfer{Progress: filexfer.Progress{ID: 7, Name: "notes.txt", Done: 4 << 20, Total: 4 << 20, Incoming: true}, Ended: true})
	waitFor(t, "the bar to fill", func() bool { return filled() > 0.95 })
}
