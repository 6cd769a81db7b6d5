package viewer

import (
	"fmt"
	"image"
	"slices"

	"gioui.org/layout"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/media/giowin"
)

// filesShown is how many transfers the files pane lists, newest first.
const filesShown = 4

// Transfer is one file transfer as the files pane shows it: filexfer's
// progress report (Total negative: not known yet; Incoming: from the
// customer) and, once it is over, how it ended.
type Transfer struct {
	filexfer.Progress
	// Ended is set once the transfer is over; Err then says why it
	// failed ("" for a file that arrived whole).
	Ended bool
	Err   string
}

// SetTransfer shows a transfer's progress in the files pane (by ID,
// replacing what was shown for it); the pane opens for a new one.
func (v *Viewer) SetTransfer(t Transfer) {
	v.mu.Lock()
	i := slices.IndexFunc(v.transfers, func(o Transfer) bool { return o.ID == t.ID })
	if i < 0 {
		v.transfers = append(v.transfers, t)
		if len(v.transfers) > filesShown {
			v.transfers = v.transfers[len(v.transfers)-filesShown:]
		}
		v.filesSeq++
	} else {
		v.transfers[i] = t
	}
	v.mu.Unlock()
	v.invalidate()
}

// Names of the files pane's parts in layoutInfo's Rects.
const (
	fileSendPath  = "file-send-path"  // text field: a file on this computer
	fileSend      = "file-send"       // button
	fileFetchPath = "file-fetch-path" // text field: a path on the customer's computer
	fileFetch     = "file-fetch"      // button
)

// fileTransferRow names the pane's line for the i-th transfer shown.
func fileTransferRow(i int) string { return fmt.Sprintf("file-transfer-%d", i) }

// filesPane sends a file to the customer or fetches one from their
// computer, and shows the transfers' progress.
type filesPane struct {
	open            bool
	seq             uint64 // new transfers seen
	sendEd, fetchEd widget.Editor
	sendBtn, getBtn widget.Clickable
	offers          []Offer // the customer's offers shown this frame
	offerBtns       []*offerButtons
}

func newFilesPane() filesPane {
	return filesPane{sendEd: widget.Editor{SingleLine: true, Submit: true}, fetchEd: widget.Editor{SingleLine: true, Submit: true}}
}

// handleFiles opens the pane for a new transfer, toggles it with the
// Files button, and asks for a transfer on Enter or a button.
func (u *ui) handleFiles(gtx layout.Context, seq uint64) {
	f := &u.files
	if seq != f.seq {
		f.seq, f.open = seq, true
	}
	if u.tb.buttons[btnFiles].Clicked(gtx) {
		f.open = !f.open
	}
	submit := func(ed *widget.Editor, clicked bool, kind ActionKind) {
		asked := clicked
		for {
			e, ok := ed.Update(gtx)
			if !ok {
				break
			}
			if _, ok := e.(widget.SubmitEvent); ok {
				asked = true
			}
		}
		if path := ed.Text(); asked && path != "" {
			u.act(Action{Kind: kind, Text: path})
			ed.SetText("")
		}
	}
	submit(&f.sendEd, f.sendBtn.Clicked(gtx), ActionSendFile)
	submit(&f.fetchEd, f.getBtn.Clicked(gtx), ActionFetchFile)
	u.handleOffers(gtx)
}

// filesFocused reports whether the technician is typing a path: keys then
// go there, not to the customer's machine.
func (u *ui) filesFocused(gtx layout.Context) bool {
	return u.files.open && (gtx.Focused(&u.files.sendEd) || gtx.Focused(&u.files.fetchEd) || u.offerFocused(gtx) != "")
}

// editing names the text field that has the keyboard, if any.
func (u *ui) editing(gtx layout.Context) string {
	switch {
	case u.chatFocused(gtx):
		return "chat"
	case !u.files.open:
		return ""
	case gtx.Focused(&u.files.sendEd):
		return fileSendPath
	case gtx.Focused(&u.files.fetchEd):
		return fileFetchPath
	}
	return u.offerFocused(gtx)
}

// drawFiles draws the customer's offers, the two request lines and the
// transfers, newest first, and records where each part is, in pane
// pixels.
func (u *ui) drawFiles(gtx layout.Context, ts []Transfer) (layout.Dimensions, giowin.Record) {
	f := &u.files
	var rec giowin.Record
	c := &giowin.Column{Gtx: gtx, Theme: u.th, Rec: &rec, Pad: gtx.Dp(unit.Dp(8)), Y: gtx.Dp(unit.Dp(4)), Gap: gtx.Dp(unit.Dp(3))}
	row := func(ed *widget.Editor, btn *widget.Clickable, hint, label, edName, btnName string) {
		at := image.Pt(c.Pad, c.Y)
		c.Add("", func(gtx layout.Context) layout.Dimensions {
			var edW, btnW int
			d := layout.Flex{Alignment: layout.Middle}.Layout(gtx,
				layout.Flexed(1, func(gtx layout.Context) layout.Dimensions {
					e := material.Editor(u.th, ed, hint)
					e.Color, e.HintColor, e.TextSize = pal.Fg, pal.Surface, unit.Sp(13)
					d := e.Layout(gtx)
					edW = gtx.Constraints.Max.X
					return layout.Dimensions{Size: image.Pt(edW, d.Size.Y)}
				}),
				layout.Rigid(func(gtx layout.Context) layout.Dimensions {
					d := u.tb.button(gtx, item{label: label, click: btn})
					btnW = d.Size.X
					return d
				}),
			)
			rec.Place(edName, image.Rect(0, 0, edW, d.Size.Y).Add(at))
			rec.Place(btnName, image.Rect(d.Size.X-btnW, 0, d.Size.X, d.Size.Y).Add(at))
			return d
		})
	}
	u.drawOffers(c)
	row(&f.sendEd, &f.sendBtn, "File on this computer to send to the customer (path; Enter sends)", "Send file", fileSendPath, fileSend)
	row(&f.fetchEd, &f.getBtn, "File on the customer's computer to fetch (path; Enter asks)", "Fetch file", fileFetchPath, fileFetch)
	for i := range ts {
		t := ts[len(ts)-1-i] // newest first
		c.Add(fileTransferRow(i), func(gtx layout.Context) layout.Dimensions { return u.drawTransfer(gtx, t) })
	}
	return layout.Dimensions{Size: image.Pt(gtx.Constraints.Max.X, c.Y+gtx.Dp(unit.Dp(2)))}, rec
}

// drawTransfer draws one transfer: what, which way, how far, and a bar.
func (u *ui) drawTransfer(gtx layout.Context, t Transfer) layout.Dimensions {
	lbl := material.Label(u.th, unit.Sp(12), transferText(t))
	lbl.Color = pal.Fg
	lbl.MaxLines = 1
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(lbl.Layout),
		layout.Rigid(func(gtx layout.Context) layout.Dimensions {
			bar := material.ProgressBar(u.th, transferFraction(t))
			bar.TrackColor, bar.Color = pal.Surface, pal.Accent
			if t.Ended && t.Err != "" {
				bar.Color = failedFg
			}
			return bar.Layout(gtx)
		}),
	)
}

// transferFraction is how far a transfer is, from 0 to 1.
func transferFraction(t Transfer) float32 {
	switch {
	case t.Ended && t.Err == "":
		return 1
	case t.Total <= 0:
		return 0
	}
	return float32(float64(t.Done) / float64(t.Total))
}

// transferText is a transfer's line: "↑ report.pdf 45 % (1.2 of 2.6 MB)".
func transferText(t Transfer) string {
	arrow := "↑ to the customer"
	if t.Incoming {
		arrow = "↓ from the customer"
	}
	switch {
	case t.Ended && t.Err != "":
		return fmt.Sprintf("%s %s: not transferred: %s", arrow, t.Name, t.Err)
	case t.Ended:
		return fmt.Sprintf("%s %s: done (%s)", arrow, t.Name, megabytes(t.Total))
	case t.Total < 0:
		return fmt.Sprintf("%s %s: waiting for the customer…", arrow, t.Name)
	}
	return fmt.Sprintf("%s %s: %.0f %% (%s of %s)", arrow, t.Name, 100*transferFraction(t), megabytes(t.Done), megabytes(t.Total))
}

func megabytes(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
