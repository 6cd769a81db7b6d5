package agentui

import (
	"testing"
	"time"
)

func TestScreenshots(t *testing.T) {
	o := openUI(t)
	got := o.ask(ana)
	info := o.waitDrawn(t, "an armed question", func(i layoutInfo) bool { return i.prompt != 0 && i.armed })
	b := o.u.Bounds()[0]
	t.Logf("prompt window at %v, drawn %v", b, info.size)
	img := o.x.Screenshot()
	savePNG(t, "prompt.png", img, b)
	if n := inked(img, info.rects[nAsks].Add(b.Min)); n < 100 {
		t.Errorf("the line naming the operator has %d inked pixels, want text", n)
	}
	o.click(t, nDeny)
	if a := answerOf(t, got); a != Deny {
		t.Fatalf("answer %v, want deny", a)
	}
	o.u.SetStatus(Status{Operator: "Ana Lopez", Organisation: "Acme IT", Mode: ModeControl,
		Transfers: []Transfer{{Name: "report.pdf", Done: 300_000, Total: 1_200_000, Incoming: true}}})
	o.u.AddChat("Ana Lopez", "Hello, I am looking at your printer settings.", time.Now())
	o.u.SetAppWindows([]AppWindow{{ID: 1, Title: "Invoice.ods", Program: "LibreOffice Calc"}, {ID: 2, Title: "Inbox", Program: "Thunderbird"}})
	info = o.waitDrawn(t, "the panel with the chat", func(i layoutInfo) bool { _, ok := i.rects[nChatLast]; return ok && i.prompt == 0 })
	o.click(t, nApps)
	info = o.waitDrawn(t, "the apps chooser", func(i layoutInfo) bool { _, ok := i.rects[nShare]; return ok })
	o.click(t, nFiles)
	time.Sleep(500 * time.Millisecond)
	b = o.u.Bounds()[0]
	img = o.x.Screenshot()
	savePNG(t, "panel.png", img, b)
	t.Logf("panel at %v", b)
}
