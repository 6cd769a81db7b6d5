package agentui

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestSendFileChooser: "Send a file…" opens the chooser at the home
// folder, its field holding the keyboard; typing narrows the listing,
// Enter on a folder opens it, Enter on a file sends it; the button goes
// once the customer can no longer send (no mode in force).
func TestSendFileChooser(t *testing.T) {
	home := tree(t)
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	o := openUI(t)
	o.u.SetStatus(Status{Operator: "Ana Lopez", Mode: ModeControl, CanSend: true})
	o.waitDrawn(t, "the panel", has(nFiles))
	o.click(t, nFiles)
	o.waitDrawn(t, "Send a file…", has(nSendFile))
	o.click(t, nSendFile)
	info := o.waitDrawn(t, "the chooser at the home folder", func(i layoutInfo) bool {
		return slices.Contains(i.Texts, "Documents/") && slices.Contains(i.Texts, "notes.txt")
	})
	for _, s := range []string{"Home", "Desktop", "Documents"} {
		if !slices.Contains(info.Texts, s) {
			t.Errorf("no %s shortcut; drawn %q", s, info.Texts)
		}
	}
	xdotool(t, "type", "--delay", "20", "Doc")
	o.waitDrawn(t, "the listing narrowed to Documents/", func(i layoutInfo) bool {
		return slices.Contains(i.Texts, "Documents/") && !slices.Contains(i.Texts, "notes.txt")
	})
	xdotool(t, "type", "--delay", "20", "uments")
	o.key(t, "Return")
	o.waitDrawn(t, "the Documents folder listed", func(i layoutInfo) bool { return slices.Contains(i.Texts, "report.pdf") })
	b := o.u.Bounds()[0]
	savePNG(t, "chooser.png", o.x.Screenshot(), b)
	xdotool(t, "type", "--delay", "20", "rep")
	o.key(t, "Return")
	if a := o.action(t); a.Kind != SendFile || a.Path != filepath.Join(home, "Documents", "report.pdf") {
		t.Fatalf("got %+v, want SendFile of Documents/report.pdf", a)
	}

	o.u.SetStatus(Status{Operator: "Ana Lopez", Mode: ModeView})
	o.waitDrawn(t, "the panel without Send a file…", func(i layoutInfo) bool {
		_, send := i.Rects[nSendFile]
		_, field := i.Rects[nChooserPath]
		return !send && !field && i.prompt == 0
	})
}
