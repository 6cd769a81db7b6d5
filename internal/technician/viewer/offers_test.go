package viewer

import (
	"testing"

	"github.com/tandem-remote/tandem/internal/link/input"
)

// TestFileOffers: a file the customer offers opens the files pane with
// its name, size and Accept / Decline; Accept asks to accept that offer
// and takes the line off; a second offer is declined from the keyboard
// alone once the technician is in the pane (Tab from a path field, then
// Enter), with no key reaching the customer's machine.
func TestFileOffers(t *testing.T) {
	r := openPattern(t, 1280, 720)
	xdotool(t, "windowfocus", "--sync", r.id)
	r.v.AddOffer(Offer{ID: 1<<31 | 5, Name: "scan.pdf", Size: 2_500_000})
	waitFor(t, "the offer's Accept", func() bool { _, ok := r.info().Rects[offerAccept(0)]; return ok })
	if _, ok := r.info().Rects[offerRow(0)]; !ok {
		t.Error("no line for the offer")
	}
	if got := offerText(Offer{Name: "scan.pdf", Size: 2_500_000}); got != "scan.pdf (2.5 MB) from the customer" {
		t.Errorf("the offer's line says %q, want its name, size and sender", got)
	}
	r.click(t, offerAccept(0))
	if a := r.action(t); a.Kind != ActionAcceptFile || a.Offer != 1<<31|5 {
		t.Fatalf("Accept: got %+v, want accept-file of the offer", a)
	}
	waitFor(t, "the answered offer to leave", func() bool { _, ok := r.info().Rects[offerAccept(0)]; return !ok })

	r.v.AddOffer(Offer{ID: 1<<31 | 6, Name: "log.txt", Size: 900})
	waitFor(t, "the second offer", func() bool { _, ok := r.info().Rects[offerDecline(0)]; return ok })
	r.click(t, fileSendPath)
	waitFor(t, "the path field to take the keyboard", func() bool { return r.info().Editing == fileSendPath })
	for range 8 { // the offer's buttons come before the path fields
		was := r.info().Editing
		if was == offerDecline(0) {
			break
		}
		xdotool(t, "key", "shift+Tab")
		waitFor(t, "the focus to move", func() bool { return r.info().Editing != was })
	}
	if got := r.info().Editing; got != offerDecline(0) {
		t.Fatalf("Shift-Tab from the path field reached %q, want the offer's Decline", got)
	}
	xdotool(t, "key", "Return")
	if a := r.action(t); a.Kind != ActionDeclineFile || a.Offer != 1<<31|6 {
		t.Fatalf("Enter on Decline: got %+v, want decline-file of the offer", a)
	}
	for len(r.v.Input()) > 0 {
		if ev := <-r.v.Input(); ev.Type != input.PointerMove {
			t.Fatalf("answering from the keyboard sent %s to the customer", describe(ev))
		}
	}
}
