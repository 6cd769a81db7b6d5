package agentui

import (
	"errors"
	"fmt"
	"image"
	"log/slog"
	"time"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
)

// Kind says what a Request asks for.
type Kind int

// Request kinds. The zero Kind is invalid.
const (
	// KindSession is the first question: may the operator connect, in
	// Request.Mode, with Request.Functions?
	KindSession Kind = iota + 1
	// KindMode asks to switch the running session to Request.Mode.
	KindMode
	// KindFileIn asks whether to accept the file Request.File.
	KindFileIn
	// KindFileOut asks whether the operator may download Request.File.
	KindFileOut
)

func (k Kind) String() string {
	switch k {
	case KindSession:
		return "session"
	case KindMode:
		return "mode"
	case KindFileIn:
		return "file-in"
	case KindFileOut:
		return "file-out"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Session modes, as Request.Mode and Status.Mode name them.
const (
	ModeView        = "view"        // the operator sees the customer's screen
	ModeControl     = "control"     // ... and drives its keyboard and mouse
	ModeDemonstrate = "demonstrate" // the customer sees the operator's screen
)

// DefaultTimeout is how long a question waits when Request.Timeout is 0.
const DefaultTimeout = 60 * time.Second

// Request is one question for the customer.
type Request struct {
	Kind         Kind
	Operator     string // the operator's name, from the signed grant
	Organisation string // the operator's organisation, from the signed grant
	// Mode is "view", "control" or "demonstrate" (KindSession, KindMode).
	Mode string
	// Functions are the other things asked for at session start, e.g.
	// "files", "chat", "clipboard".
	Functions []string
	// File is the file's name, already sanitized; Size its length in bytes
	// (negative: unknown).
	File string
	Size int64
	// Dir is the full path of the folder a download would read File from
	// (KindFileOut), links resolved: shown under the question. OutsideHome
	// and Hidden add a warning each: the file is outside the customer's
	// home folder, or it or a folder on its way is hidden.
	Dir                 string
	OutsideHome, Hidden bool
	// Browser says the operator uses the web console in a browser (what
	// the operator's side said in its hello): a line under the session
	// and mode questions tells the customer.
	Browser bool
	// Timeout is how long the customer has to answer; 0 means
	// DefaultTimeout. No answer is a Deny.
	Timeout time.Duration
	// Ready, if set, is called once, from another goroutine, when this
	// question is on screen and accepts an Allow: drawn for armDelay, the
	// window at the size of what it drew and in the same place for two
	// looks in a row. It gets the Allow and Deny buttons' rectangles on
	// the root window, for automation (end-to-end tests, accessibility
	// tools). It is not called for a question answered or withdrawn first.
	Ready func(allow, deny image.Rectangle)
}

// validate says what is wrong with a request, if anything.
func (r Request) validate() error {
	switch r.Kind {
	case KindSession, KindMode:
		if r.Mode != ModeView && r.Mode != ModeControl && r.Mode != ModeDemonstrate {
			return fmt.Errorf("agentui: %s request with mode %q: use view, control or demonstrate", r.Kind, r.Mode)
		}
	case KindFileIn, KindFileOut:
		if r.File == "" {
			return fmt.Errorf("agentui: %s request without a file name", r.Kind)
		}
	default:
		return fmt.Errorf("agentui: unknown request kind %d", int(r.Kind))
	}
	if r.Timeout < 0 {
		return fmt.Errorf("agentui: negative timeout %v", r.Timeout)
	}
	return nil
}

// Answer is the customer's answer to a Request.
type Answer int

// Answers. Deny is the zero value, so that an answer lost on the way
// refuses rather than allows.
const (
	Deny Answer = iota
	Allow
	// Timeout means nobody answered in time; treat it as Deny.
	Timeout
)

func (a Answer) String() string {
	switch a {
	case Deny:
		return "deny"
	case Allow:
		return "allow"
	case Timeout:
		return "timeout"
	}
	return fmt.Sprintf("Answer(%d)", int(a))
}

// Status is what the session panel shows.
type Status struct {
	Operator     string // empty: no session yet
	Organisation string
	Mode         string // "view", "control" or "demonstrate"
	// Paused is true while the customer has paused sharing.
	Paused bool
	// InputSuspended is true while the customer has taken back control.
	InputSuspended bool
	// Transfers are the file transfers in progress (Incoming: to the
	// customer's machine). The panel offers Cancel for those with an ID
	// (filexfer never gives 0).
	Transfers []filexfer.Progress
	// CanSend shows "Send a file…" in the Files pane: a mode is in force
	// and the operator's grant includes file transfer.
	CanSend bool
	// Sent says how the last file the customer sent ended (nil: none
	// yet, or one is on its way).
	Sent *SentFile
}

// SentFile is how a file the customer sent ended.
type SentFile struct {
	Name    string
	Outcome SendOutcome
	Detail  string // SendFailed: why, in the session's words
}

// SendOutcome is how a file the customer sent ended.
type SendOutcome int

// Send outcomes.
const (
	SendDone     SendOutcome = iota + 1 // the technician has it, its SHA-256 checked
	SendDeclined                        // the technician declined it, or did not answer
	SendCanceled                        // the customer or the technician canceled it
	SendFailed                          // anything else (Detail says what)
	SendWaiting                         // offered: waiting for the technician's answer
)

// ActionKind says what the customer asked for on the panel.
type ActionKind int

// Panel actions.
const (
	// Stop ends the session (also sent when the customer closes the window).
	Stop ActionKind = iota + 1
	// Pause stops sharing the screen until Resume.
	Pause
	Resume
	// TakeBack suspends the operator's input until GiveBack.
	TakeBack
	GiveBack
	// ChatSend carries Action.Text to the operator.
	ChatSend
	// ChooseApps shares only Action.Windows, or everything when
	// Action.WholeScreen.
	ChooseApps
	// CancelTransfer stops the transfer whose ID is Action.Transfer.
	CancelTransfer
	// SendFile offers the file at Action.Path (chosen in the window's
	// chooser: absolute, a regular file) to the operator.
	SendFile
	// CancelSend withdraws the file sent last while it still waits for
	// the operator's answer (once it runs, CancelTransfer stops it).
	CancelSend
)

func (k ActionKind) String() string {
	names := [...]string{Stop: "stop", Pause: "pause", Resume: "resume", TakeBack: "take-back",
		GiveBack: "give-back", ChatSend: "chat-send", ChooseApps: "choose-apps",
		CancelTransfer: "cancel-transfer", SendFile: "send-file", CancelSend: "cancel-send"}
	if k > 0 && int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("ActionKind(%d)", int(k))
}

// Action is one request from the customer. Only the fields of its Kind are
// set.
type Action struct {
	Kind        ActionKind
	Text        string   // ChatSend
	Windows     []uint32 // ChooseApps: X IDs of the windows to share
	WholeScreen bool     // ChooseApps
	Transfer    uint32   // CancelTransfer: the transfer's filexfer ID
	Path        string   // SendFile
}

// AppWindow is one application window the customer may share.
type AppWindow struct {
	ID       uint32 // X window ID
	Title    string
	Program  string
	Selected bool // shared now
}

// Options configure Open.
type Options struct {
	// Display is the X display; "" means $DISPLAY. Gio always opens
	// $DISPLAY, so any other value is refused.
	Display string
	Title   string       // window title; "" means "Tandem"
	Logger  *slog.Logger // nil discards
	// Lang is "en" or "fr"; "" picks from LC_ALL, LC_MESSAGES and LANG.
	Lang string
}

// Errors Ask returns.
var (
	// ErrClosed means the window was closed (by Close, or by the
	// customer) before the question was answered; treat it as Deny.
	ErrClosed = errors.New("agentui: window closed")
)
