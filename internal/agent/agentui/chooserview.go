package agentui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"gioui.org/io/key"
	"gioui.org/layout"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/tandem-remote/tandem/internal/media/giowin"
)

// Names of the chooser's parts, as layoutInfo records them.
const (
	nSendFile      = "send-file"     // the Files pane's "Send a file…"
	nChooserPath   = "chooser-path"  // the path field
	nChooserSend   = "chooser-send"  // sends the file in the field (as Enter does)
	nChooserClose  = "chooser-close" // closes the chooser
	nSentNote      = "sent-note"     // how the last file sent ended
	nSentCancel    = "sent-cancel"   // withdraws the file waiting for an answer
	nChooserListed = "chooser-list"  // the first line under the shortcuts
)

// chooserEntry names the chooser's button for the i-th entry listed.
func chooserEntry(i int) string { return fmt.Sprintf("chooser-entry-%d", i) }

// chooserShortcut names the button of the i-th folder shortcut.
func chooserShortcut(i int) string { return fmt.Sprintf("chooser-shortcut-%d", i) }

// chooserView is the chooser's state in the window goroutine.
type chooserView struct {
	open      bool
	ed        widget.Editor
	list      listing
	note      msg // why Enter did nothing; 0: nothing to say
	entries   []*widget.Clickable
	shortcuts []shortcut
	shortBtns []*widget.Clickable
	send, cls widget.Clickable
	dialog    atomic.Bool // the system's file dialog is open (Windows)
	noDialog  atomic.Bool // it failed once: the window's chooser serves
}

func newChooserView() chooserView {
	return chooserView{ed: widget.Editor{SingleLine: true, Submit: true}}
}

// handleChooser opens the chooser on "Send a file…", closes it once the
// customer can no longer send, and acts on its field and buttons.
func (v *view) handleChooser(gtx layout.Context, st Status) {
	c := &v.pick
	if v.buttons[nSentCancel].Clicked(gtx) && st.Sent != nil && st.Sent.Outcome == SendWaiting {
		v.u.act(Action{Kind: CancelSend})
	}
	if v.buttons[nSendFile].Clicked(gtx) && st.CanSend && !v.nativeChooser() {
		if c.open = !c.open; c.open {
			v.openChooser(gtx)
		}
	}
	if !st.CanSend || c.cls.Clicked(gtx) {
		c.open = false
	}
	if !c.open {
		return
	}
	enter := c.send.Clicked(gtx)
	for {
		e, ok := c.ed.Update(gtx)
		if !ok {
			break
		}
		switch e.(type) {
		case widget.SubmitEvent:
			enter = true
		case widget.ChangeEvent:
			c.relist()
		}
	}
	v.handleChooserButtons(gtx)
	if enter {
		v.enterPath(gtx)
	}
}

// handleChooserButtons acts on the shortcuts and the listed entries: a
// folder opens; a file goes into the field, for Enter or Send.
func (v *view) handleChooserButtons(gtx layout.Context) {
	c := &v.pick
	for i, b := range c.shortBtns {
		if b.Clicked(gtx) && i < len(c.shortcuts) {
			c.setPath(gtx, withSeparator(c.shortcuts[i].dir))
		}
	}
	for i, b := range c.entries {
		if !b.Clicked(gtx) || i >= len(c.list.Entries) {
			continue
		}
		e := c.list.Entries[i]
		p := filepath.Join(c.list.Dir, e.Name)
		if e.Dir {
			p = withSeparator(p)
		}
		c.setPath(gtx, p)
	}
}

// openChooser starts the chooser at the home folder, the keyboard in
// its field.
func (v *view) openChooser(gtx layout.Context) {
	home, err := os.UserHomeDir()
	if err != nil {
		home = string(filepath.Separator)
	}
	c := &v.pick
	c.shortcuts = shortcuts(home)
	for len(c.shortBtns) < len(c.shortcuts) {
		c.shortBtns = append(c.shortBtns, new(widget.Clickable))
	}
	c.setPath(gtx, withSeparator(home))
}

// enterPath does what Enter on the field does: open a folder, or send a
// file and close the chooser. The start of a name that only one entry
// has stands for that entry.
func (v *view) enterPath(gtx layout.Context) {
	c := &v.pick
	path := c.ed.Text()
	if l := c.list; l.Err == nil && len(l.Entries) == 1 && l.More == 0 {
		if _, _, err := choose(path); errors.Is(err, errNoSuchPath) {
			path = filepath.Join(l.Dir, l.Entries[0].Name)
		}
	}
	open, send, err := choose(path)
	switch {
	case errors.Is(err, errNotPlain):
		c.note = mNotPlain
	case err != nil:
		c.note = mNoSuchPath
	case open != "":
		c.setPath(gtx, withSeparator(open))
	default:
		c.open = false
		v.u.act(Action{Kind: SendFile, Path: send})
	}
}

// setPath puts p in the field, the caret at its end and the keyboard
// there, and lists what it names.
func (c *chooserView) setPath(gtx layout.Context, p string) {
	c.ed.SetText(p)
	c.ed.SetCaret(len([]rune(p)), len([]rune(p)))
	gtx.Execute(key.FocusCmd{Tag: &c.ed})
	c.relist()
}

func (c *chooserView) relist() {
	c.note = 0
	c.list = listFolder(c.ed.Text())
	for len(c.entries) < len(c.list.Entries) {
		c.entries = append(c.entries, new(widget.Clickable))
	}
}

// drawSend draws "Send a file…", the chooser when open, and how the last
// file sent ended.
func (v *view) drawSend(c *giowin.Column, st Status) {
	if st.Sent != nil {
		c.Text(nSentNote, v.t.sentText(*st.Sent), unit.Sp(13), pal.Fg)
		if st.Sent.Outcome == SendWaiting {
			row(c, []button{{nSentCancel, v.t[mCancel], v.buttons[nSentCancel], pal.Surface}})
		}
	}
	if !st.CanSend {
		return
	}
	b := button{nSendFile, v.t[mSendFile], v.buttons[nSendFile], pal.Surface}
	if v.pick.open {
		b.bg = pal.Accent
	}
	row(c, []button{b})
	if v.pick.open {
		v.drawChooser(c)
	}
}

// drawChooser draws the path field, the shortcuts, the listing and the
// Send and Close buttons.
func (v *view) drawChooser(c *giowin.Column) {
	p, t := &v.pick, v.t
	c.Add(nChooserPath, func(gtx layout.Context) layout.Dimensions { return hintedField(gtx, v.th, &p.ed, t[mChooserHint]) })
	var bs []button
	for i, s := range p.shortcuts {
		bs = append(bs, button{chooserShortcut(i), t[s.label], p.shortBtns[i], pal.Surface})
	}
	row(c, bs)
	bs = bs[:0]
	for i, e := range p.list.Entries {
		label := e.Name
		if e.Dir {
			label += string(filepath.Separator)
		}
		bs = append(bs, button{chooserEntry(i), label, p.entries[i], pal.Field})
	}
	switch {
	case p.list.Err != nil || len(bs) == 0:
		c.Text(nChooserListed, t[mChooserEmpty], unit.Sp(13), pal.Muted)
	default:
		row(c, bs)
	}
	if p.list.More > 0 {
		c.Text("", t.f(mChooserMore, p.list.More), unit.Sp(12), pal.Muted)
	}
	if p.note != 0 {
		c.Text("", t[p.note], unit.Sp(13), pal.Fg)
	}
	row(c, []button{{nChooserSend, t[mSend], &p.send, pal.Accent}, {nChooserClose, t[mClose], &p.cls, pal.Surface}})
}

// hintedField is field with a hint shown while it is empty.
func hintedField(gtx layout.Context, th *material.Theme, ed *widget.Editor, hint string) layout.Dimensions {
	if ed.Len() > 0 {
		return field(gtx, th, ed)
	}
	gtx.Constraints.Min.X = gtx.Constraints.Max.X
	e := material.Editor(th, ed, hint)
	e.Color, e.HintColor, e.TextSize = pal.Fg, pal.Muted, unit.Sp(14)
	return layout.UniformInset(6).Layout(gtx, e.Layout)
}

// sentText says how a file the customer sent ended.
func (t *texts) sentText(s SentFile) string {
	switch s.Outcome {
	case SendDone:
		return t.f(mSentOK, s.Name)
	case SendDeclined:
		return t.f(mSentDeclined, s.Name)
	case SendCanceled:
		return t.f(mSentCanceled, s.Name)
	case SendWaiting:
		return t.f(mSentWaiting, s.Name)
	}
	return t.f(mSentFailed, s.Name, s.Detail)
}
