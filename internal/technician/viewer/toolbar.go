package viewer

import (
	"cmp"
	"fmt"
	"image"
	"image/color"
	"strings"

	"gioui.org/io/clipboard"
	"gioui.org/layout"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/media/giowin"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// ActionKind says what the technician asked for on the toolbar.
type ActionKind int

// Toolbar actions.
const (
	// ActionSelectMonitor asks to watch Action.Monitor instead: a monitor
	// ID of the agent's ScreenInfo, 0 for all of them.
	ActionSelectMonitor ActionKind = iota + 1
	// ActionViewOnly reports that the technician switched view-only mode
	// to Action.ViewOnly; the viewer has already stopped (or resumed)
	// sending input.
	ActionViewOnly
	// ActionSendClipboard carries the technician's clipboard text, to be
	// put on the customer's clipboard.
	ActionSendClipboard
	// ActionGetClipboard asks for the customer's clipboard text; answer
	// with SetClipboard.
	ActionGetClipboard
	// ActionDisconnect asks to end the session; the caller then cancels
	// Run's context.
	ActionDisconnect
	// ActionChat carries a chat message the technician typed (Text).
	ActionChat
	// ActionSendFile asks to send the file at Text (a path on the
	// technician's computer) to the customer.
	ActionSendFile
	// ActionFetchFile asks for the file at Text (a path on the customer's
	// computer).
	ActionFetchFile
	// ActionAcceptFile accepts the customer's offer Action.Offer (an
	// Offer's ID); ActionDeclineFile declines it.
	ActionAcceptFile
	ActionDeclineFile
)

// Action is one toolbar request. Only the fields of its Kind are set.
type Action struct {
	Kind     ActionKind
	Monitor  int
	ViewOnly bool
	Text     string
	Offer    uint32
}

func (k ActionKind) String() string {
	switch k {
	case ActionSelectMonitor:
		return "select-monitor"
	case ActionViewOnly:
		return "view-only"
	case ActionSendClipboard:
		return "send-clipboard"
	case ActionGetClipboard:
		return "get-clipboard"
	case ActionDisconnect:
		return "disconnect"
	case ActionChat:
		return "chat"
	case ActionSendFile:
		return "send-file"
	case ActionFetchFile:
		return "fetch-file"
	case ActionAcceptFile:
		return "accept-file"
	case ActionDeclineFile:
		return "decline-file"
	}
	return fmt.Sprintf("ActionKind(%d)", int(k))
}

// Button names, as layoutInfo records them.
const (
	btnMode       = "mode"
	btnViewOnly   = "view-only"
	btnCtrlAltDel = "ctrl-alt-del"
	btnAltTab     = "alt-tab"
	btnSuper      = "super"
	btnPrint      = "print-screen"
	btnSendClip   = "send-clipboard"
	btnGetClip    = "get-clipboard"
	btnDisconnect = "disconnect"
	btnChat       = "chat"
	btnFiles      = "files"
)

// btnMonitor names the button of the agent's monitor id (0: all).
func btnMonitor(id int) string { return fmt.Sprintf("monitor-%d", id) }

// monitorButton is one monitor button: the agent's monitor ID (0: all of
// them) and the label.
type monitorButton struct {
	id    int
	label string
}

// monitorButtons lists the monitor buttons for the agent's screen: all of
// it (the monitors' union) first, then each monitor; none before the agent
// has described its screen.
func monitorButtons(s proto.ScreenInfo) []monitorButton {
	if len(s.Monitors) == 0 {
		return nil
	}
	out := []monitorButton{{}}
	var all image.Rectangle
	for _, m := range s.Monitors {
		r := image.Rect(m.X, m.Y, m.X+m.Width, m.Y+m.Height)
		all = all.Union(r)
		out = append(out, monitorButton{m.ID, monitorLabel(cmp.Or(m.Name, fmt.Sprintf("Monitor %d", m.ID)), r)})
	}
	out[0].label = monitorLabel("All", all)
	return out
}

func monitorLabel(name string, r image.Rectangle) string {
	return fmt.Sprintf("%s %d×%d", name, r.Dx(), r.Dy())
}

// chords are the special keys' key combinations, pressed in order and
// released in reverse. They go out as input events, so a view-only session
// cannot send them.
var chords = map[string][]string{
	btnCtrlAltDel: {"ControlLeft", "AltLeft", "Delete"},
	btnAltTab:     {"AltLeft", "Tab"},
	btnSuper:      {"MetaLeft"},
	btnPrint:      {"PrintScreen"},
}

// chordEvents returns the key events that press and release a chord (its
// names are the table's above, all known).
func chordEvents(names []string) []input.Event {
	evs, _ := input.Chord(names...)
	return evs
}

// toolbar is the row of buttons above the remote screen.
type toolbar struct {
	th       *material.Theme
	buttons  map[string]*widget.Clickable
	monitors []*widget.Clickable
}

func newToolbar(th *material.Theme) *toolbar {
	tb := &toolbar{th: th, buttons: make(map[string]*widget.Clickable)}
	for _, n := range []string{btnMode, btnViewOnly, btnCtrlAltDel, btnAltTab, btnSuper, btnPrint, btnSendClip, btnGetClip, btnChat, btnFiles, btnDisconnect} {
		tb.buttons[n] = new(widget.Clickable)
	}
	return tb
}

// item is one button as drawn this frame.
type item struct {
	name, label string
	click       *widget.Clickable
	on          bool // drawn highlighted: the current monitor, view-only
}

// items lists the buttons to draw for this state.
func (tb *toolbar) items(st Status, mode Mode, viewOnly, chatOpen, filesOpen bool) []item {
	mons := monitorButtons(st.Screen)
	for len(tb.monitors) < len(mons) {
		tb.monitors = append(tb.monitors, new(widget.Clickable))
	}
	var its []item
	for i, m := range mons {
		its = append(its, item{btnMonitor(m.id), m.label, tb.monitors[i], m.id == st.Screen.Current})
	}
	modeLabel := "Fit"
	if mode == ModeActual {
		modeLabel = "1:1"
	}
	b := tb.buttons
	return append(its,
		item{btnMode, modeLabel, b[btnMode], false},
		item{btnViewOnly, "View only", b[btnViewOnly], viewOnly},
		item{btnCtrlAltDel, "Ctrl-Alt-Del", b[btnCtrlAltDel], false},
		item{btnAltTab, "Alt-Tab", b[btnAltTab], false},
		item{btnSuper, "Super", b[btnSuper], false},
		item{btnPrint, "PrtSc", b[btnPrint], false},
		item{btnSendClip, "Send clipboard", b[btnSendClip], false},
		item{btnGetClip, "Get clipboard", b[btnGetClip], false},
		item{btnChat, "Chat", b[btnChat], chatOpen},
		item{btnFiles, "Files", b[btnFiles], filesOpen},
		item{btnDisconnect, "Disconnect", b[btnDisconnect], false},
	)
}

// pal is the viewer's palette, the agent's window's too; the viewer adds
// its own colours for what only it draws.
var pal = giowin.Dark

var (
	failedFg = color.NRGBA{R: 0xd9, G: 0x3b, B: 0x2e, A: 0xff}
	screenBg = color.NRGBA{A: 0xff}
)

// layout draws the buttons in a row, wrapping to more rows if the window
// is narrow, and records each button's rectangle (the toolbar is at the
// window's top left).
func (tb *toolbar) layout(gtx layout.Context, rec *giowin.Record, its []item) layout.Dimensions {
	gap := gtx.Dp(unit.Dp(4))
	c := &giowin.Column{Gtx: gtx, Theme: tb.th, Rec: rec, Pad: gap, Y: gap, Gap: gap}
	items := make([]giowin.Item, len(its))
	for i, it := range its {
		items[i] = giowin.Item{Name: it.name, Text: it.label, Widget: func(gtx layout.Context) layout.Dimensions {
			return tb.button(gtx, it)
		}}
	}
	c.Row(items...)
	return layout.Dimensions{Size: image.Pt(gtx.Constraints.Max.X, c.Y)}
}

func (tb *toolbar) button(gtx layout.Context, it item) layout.Dimensions {
	gtx.Constraints.Min = image.Point{}
	b := material.Button(tb.th, it.click, it.label)
	b.TextSize = unit.Sp(13)
	b.Inset = layout.Inset{Top: 5, Bottom: 5, Left: 9, Right: 9}
	b.CornerRadius = 3
	b.Color = pal.Fg
	b.Background = pal.Surface
	if it.on {
		b.Background = pal.Accent
	}
	return b.Layout(gtx)
}

// statusText is the status line.
func statusText(st Status, viewOnly bool) string {
	parts := make([]string, 0, 6)
	if st.Peer != "" {
		parts = append(parts, st.Peer)
	}
	path := st.Path
	if path == "" {
		path = "connecting…"
	}
	parts = append(parts, path,
		fmt.Sprintf("RTT %.0f ms", st.RTTms),
		fmt.Sprintf("%.0f fps", st.FPS),
		fmt.Sprintf("%.0f kbit/s", st.Kbps))
	if viewOnly {
		parts = append(parts, "view only")
	} else {
		parts = append(parts, "control")
	}
	if st.Customer != "" {
		parts = append(parts, st.Customer)
	}
	return strings.Join(parts, " · ")
}

// handleToolbar acts on the buttons clicked since the last frame.
func (u *ui) handleToolbar(gtx layout.Context, st Status) {
	mons := monitorButtons(st.Screen)
	for i, c := range u.tb.monitors {
		if c.Clicked(gtx) && i < len(mons) {
			u.act(Action{Kind: ActionSelectMonitor, Monitor: mons[i].id})
		}
	}
	b := u.tb.buttons
	if b[btnMode].Clicked(gtx) {
		u.mode = 1 - u.mode
	}
	if b[btnViewOnly].Clicked(gtx) {
		u.toggleViewOnly()
	}
	for name, keys := range chords {
		if b[name].Clicked(gtx) {
			for _, ev := range chordEvents(keys) {
				u.send(ev)
			}
		}
	}
	if b[btnSendClip].Clicked(gtx) {
		gtx.Execute(clipboard.ReadCmd{Tag: u.tag})
	}
	if b[btnGetClip].Clicked(gtx) {
		u.act(Action{Kind: ActionGetClipboard})
	}
	if b[btnDisconnect].Clicked(gtx) {
		u.act(Action{Kind: ActionDisconnect})
	}
}

// toggleViewOnly flips view-only mode at once (so no input slips out while
// the session catches up) and reports it.
func (u *ui) toggleViewOnly() {
	on := !u.viewOnly
	u.v.mu.Lock()
	u.v.viewOnly = on
	u.v.mu.Unlock()
	u.setViewOnly(on)
	u.act(Action{Kind: ActionViewOnly, ViewOnly: on})
}
