package agentui

import (
	"slices"
	"strings"
	"testing"
)

// TestDownloadQuestion: a download question names the file on its own bold
// line and draws the whole folder it would be read from under it, with the
// warning for a hidden file, however long the folder's path.
func TestDownloadQuestion(t *testing.T) {
	o := openUI(t)
	dir := "/home/c/Documents/" + strings.Repeat("Archives/", 12) + ".ssh"
	got := o.ask(Request{Kind: KindFileOut, Operator: "Ana", File: "id_ed25519", Size: 411, Dir: dir, Hidden: true})
	info := o.waitDrawn(t, "the download question", func(i layoutInfo) bool { return i.prompt != 0 && i.armed })
	for _, want := range []string{
		"Ana asks to download “id_ed25519” (411 bytes) from your computer.",
		"From the folder " + dir,
		table["en"][mHiddenFile],
	} {
		if !slices.Contains(info.Texts, want) {
			t.Errorf("%q not drawn; drawn: %q", want, info.Texts)
		}
	}
	b := o.u.Bounds()[0]
	img := o.x.Screenshot()
	savePNG(t, "download.png", img, b)
	if n := inked(img, info.Rects[nAsks].Add(b.Min)); n < 200 {
		t.Errorf("the line naming the file has %d inked pixels, want text", n)
	}
	if w := info.size.X; w > 1280 {
		t.Errorf("the question is %d pixels wide, wider than the screen", w)
	}
	o.click(t, nDeny)
	if a := answerOf(t, got); a != Deny {
		t.Fatalf("answer %v, want deny", a)
	}
}
