package agentui

import (
	"slices"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
)

// TestScreenshots draws a question and the panel with every pane open,
// checks that the texts that matter have ink on the real screen, and saves
// both pictures (under testdata with -update).
func TestScreenshots(t *testing.T) {
	o := openUI(t)
	got := o.ask(ana)
	info := o.waitDrawn(t, "an armed question", func(i layoutInfo) bool { return i.prompt != 0 && i.armed })
	b := o.u.Bounds()[0]
	img := o.x.Screenshot()
	savePNG(t, "prompt.png", img, b)
	if n := inked(img, info.Rects[nAsks].Add(b.Min)); n < 200 {
		t.Errorf("the line naming the operator has %d inked pixels, want text", n)
	}
	if n := inked(img, b); n == 0 {
		t.Error("the question's window is blank")
	}
	if !slices.Contains(info.Texts, "Also asks to: send and receive files, chat.") {
		t.Errorf("the extra functions are not in plain words; drawn: %q", info.Texts)
	}
	o.click(t, nDeny)
	if a := answerOf(t, got); a != Deny {
		t.Fatalf("answer %v, want deny", a)
	}

	o.u.SetStatus(Status{Operator: "Ana Lopez", Organisation: "Acme IT", Mode: ModeControl,
		Transfers: []filexfer.Progress{{Name: "report.pdf", Done: 300_000, Total: 1_200_000, Incoming: true}}})
	o.u.AddChat("Ana Lopez", "Hello, I am looking at your printer settings.", time.Now())
	o.u.SetAppWindows([]AppWindow{{ID: 1, Title: "Invoice.ods", Program: "LibreOffice Calc"}, {ID: 2, Title: "Inbox", Program: "Thunderbird"}})
	o.waitDrawn(t, "the panel with the chat", has(nChatLast))
	o.click(t, nApps)
	o.waitDrawn(t, "the apps chooser", has(nShare))
	o.click(t, nFiles)
	info = o.waitDrawn(t, "the transfers", has(nTransfers))
	b = o.u.Bounds()[0]
	img = o.x.Screenshot()
	savePNG(t, "panel.png", img, b)
	for _, name := range []string{nStatus, nChatLast, nTransfers} {
		if n := inked(img, info.Rects[name].Add(b.Min)); n < 100 {
			t.Errorf("%s: %d inked pixels, want text", name, n)
		}
	}
	if !slices.Contains(info.Texts, "Ana Lopez (Acme IT) is controlling your screen.") {
		t.Errorf("status line not drawn; drawn: %q", info.Texts)
	}
}

// has is true of a frame that drew the named thing, and no question.
func has(name string) func(layoutInfo) bool {
	return func(i layoutInfo) bool {
		_, ok := i.Rects[name]
		return ok && i.prompt == 0
	}
}
