package viewer

import (
	"fmt"
	"slices"

	"gioui.org/layout"
	"gioui.org/unit"
	"gioui.org/widget"

	"github.com/tandem-remote/tandem/internal/media/giowin"
)

// offersShown is how many of the customer's offers the files pane lists
// at once (the oldest first: they time out first).
const offersShown = 3

// Offer is a file the customer sends on their own, waiting for the
// technician's Accept or Decline (ActionAcceptFile, ActionDeclineFile).
type Offer struct {
	ID   uint32
	Name string
	Size int64
}

// AddOffer shows the customer's offer in the files pane, which opens,
// until EndOffer.
func (v *Viewer) AddOffer(o Offer) {
	v.mu.Lock()
	if !slices.ContainsFunc(v.offers, func(x Offer) bool { return x.ID == o.ID }) {
		v.offers = append(v.offers, o)
		v.filesSeq++
	}
	v.mu.Unlock()
	v.invalidate()
}

// EndOffer takes offer id off the pane: it was answered, timed out or
// withdrawn.
func (v *Viewer) EndOffer(id uint32) {
	v.mu.Lock()
	v.offers = slices.DeleteFunc(v.offers, func(x Offer) bool { return x.ID == id })
	v.mu.Unlock()
	v.invalidate()
}

func (v *Viewer) offersNow() []Offer {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.offers[:min(len(v.offers), offersShown)])
}

// offerAccept and offerDecline name the buttons of the i-th offer shown;
// offerRow its line.
func offerAccept(i int) string  { return fmt.Sprintf("file-offer-accept-%d", i) }
func offerDecline(i int) string { return fmt.Sprintf("file-offer-decline-%d", i) }
func offerRow(i int) string     { return fmt.Sprintf("file-offer-%d", i) }

// offerButtons are one shown offer's buttons. They take the keyboard
// (Tab from the pane's path fields, Enter or Space presses), and while
// one has it no key goes to the customer's machine.
type offerButtons struct {
	accept, decline widget.Clickable
}

// handleOffers turns the offer buttons' clicks into actions. An offer
// answered here leaves the pane at once, before the session confirms.
func (u *ui) handleOffers(gtx layout.Context) {
	f := &u.files
	f.offers = u.v.offersNow()
	for len(f.offerBtns) < len(f.offers) {
		f.offerBtns = append(f.offerBtns, new(offerButtons))
	}
	for i, o := range f.offers {
		b := f.offerBtns[i]
		switch {
		case b.accept.Clicked(gtx):
			u.answerOffer(o.ID, ActionAcceptFile)
		case b.decline.Clicked(gtx):
			u.answerOffer(o.ID, ActionDeclineFile)
		}
	}
}

func (u *ui) answerOffer(id uint32, kind ActionKind) {
	u.act(Action{Kind: kind, Offer: id})
	u.v.EndOffer(id)
}

// offerFocused names the offer button that has the keyboard, if any.
func (u *ui) offerFocused(gtx layout.Context) string {
	for i := range u.files.offers {
		b := u.files.offerBtns[i]
		switch {
		case gtx.Focused(&b.accept):
			return offerAccept(i)
		case gtx.Focused(&b.decline):
			return offerDecline(i)
		}
	}
	return ""
}

// drawOffers draws one line per offer: what comes, then Accept and
// Decline.
func (u *ui) drawOffers(c *giowin.Column) {
	for i, o := range u.files.offers {
		b := u.files.offerBtns[i]
		c.Text(offerRow(i), offerText(o), unit.Sp(13), pal.Fg)
		c.Row(
			giowin.Item{Name: offerAccept(i), Text: "Accept", Widget: func(gtx layout.Context) layout.Dimensions {
				return u.tb.button(gtx, item{label: "Accept", click: &b.accept, on: true})
			}},
			giowin.Item{Name: offerDecline(i), Text: "Decline", Widget: func(gtx layout.Context) layout.Dimensions {
				return u.tb.button(gtx, item{label: "Decline", click: &b.decline})
			}},
		)
	}
}

// offerText is an offer's line: "report.pdf (1.2 MB) from the customer".
func offerText(o Offer) string {
	return fmt.Sprintf("%s (%s) from the customer", o.Name, megabytes(o.Size))
}
