package session

import (
	"encoding/json"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/link/chat"
	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// Reporter prints a session's events: one JSON object per line with -json
// (for scripts and tests), or short sentences for people.
type Reporter struct {
	mu      sync.Mutex
	w       io.Writer
	json    bool
	browser bool // the peer's hello came from the browser console
}

// NewReporter returns a reporter writing to w.
func NewReporter(w io.Writer, jsonLines bool) *Reporter {
	return &Reporter{w: w, json: jsonLines}
}

func (r *Reporter) emit(event any, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.json {
		b, _ := json.Marshal(event)
		fmt.Fprintf(r.w, "%s\n", b)
		return
	}
	if text != "" {
		fmt.Fprintln(r.w, text)
	}
}

// Code reports the session code to give the customer.
func (r *Reporter) Code(code string, expires time.Time) {
	r.emit(struct {
		Event   string    `json:"event"`
		Code    string    `json:"code"`
		Expires time.Time `json:"expires"`
	}{"code", code, expires},
		fmt.Sprintf("Session code: %s  (give it to the customer; valid until %s)", groupDigits(code), expires.Local().Format("15:04")))
}

// ConsoleVersionPrefix starts the hello version the browser console
// sends (docs/wire.md section 6.1).
const ConsoleVersionPrefix = "console/"

// PeerHello reports the other side's hello: its version, and whether it is
// the browser console, which OperatorInBrowser then tells.
func (r *Reporter) PeerHello(version string) {
	if r == nil {
		return
	}
	browser := strings.HasPrefix(version, ConsoleVersionPrefix)
	r.mu.Lock()
	r.browser = browser
	r.mu.Unlock()
	r.emit(struct {
		Event   string `json:"event"`
		Version string `json:"version"`
		Browser bool   `json:"browser,omitempty"`
	}{"peer", version, browser}, "")
}

// OperatorInBrowser reports whether the other side said it is the browser
// console (the agent's questions say so).
func (r *Reporter) OperatorInBrowser() bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.browser
}

// Signaling reports the signaling connection's state while the session
// lives: "lost" (reconnecting), "resumed" (after attempts redials),
// "gone" (given up: the session goes on over its link), "peer-resumed"
// (the other side's connection came back), "ice-restarted" (the restart
// after a resume was answered).
func (r *Reporter) Signaling(state string, attempts int) {
	if r == nil {
		return
	}
	text := map[string]string{
		"lost":          "Connection to the server lost; the session goes on; reconnecting…",
		"resumed":       "Connection to the server back.",
		"gone":          "Connection to the server lost for good; the session goes on while its link holds.",
		"peer-resumed":  "The other side's connection to the server is back.",
		"ice-restarted": "Network path renegotiated through the server.",
	}[state]
	r.emit(struct {
		Event    string `json:"event"`
		State    string `json:"state"`
		Attempts int    `json:"attempts,omitempty"`
	}{"signaling", state, attempts}, text)
}

// Waiting reports that the code was accepted and the peer is awaited.
func (r *Reporter) Joined() {
	r.emit(struct {
		Event string `json:"event"`
	}{"joined"}, "Joined; connecting…")
}

// PeerJoined reports, on the technician's side, that the customer's agent
// joined, with its computer's identity (package agentid) when it sent
// one: what an operator blocks that computer by.
func (r *Reporter) PeerJoined(agent string) {
	text := "Joined; connecting…"
	if agent != "" {
		text = "Joined (the customer's computer: " + agent + "); connecting…"
	}
	r.emit(struct {
		Event string `json:"event"`
		Agent string `json:"agent,omitempty"`
	}{"joined", agent}, text)
}

// Connected reports the link's path once the control handshake has made a
// round trip over it.
func (r *Reporter) Connected(p peer.Path, rtt time.Duration) {
	ms := float64(rtt.Microseconds()) / 1000
	r.emit(struct {
		peer.ConnectedEvent
		RTTms float64 `json:"rtt_ms"`
	}{p.Event(), ms},
		fmt.Sprintf("Connected: %s over %s (%s ↔ %s), round trip %.1f ms, %s / %s",
			p.Kind(), p.Protocol, p.Local, p.Remote, ms, p.DTLSCipher, p.SRTPProfile))
}

// Stats are the figures of the received screen stream.
type Stats struct {
	FPS        float64 `json:"fps"`
	Kbps       float64 `json:"kbps"`
	RTTms      float64 `json:"rtt_ms"`
	Frames     int64   `json:"frames_decoded"`
	Dropped    int64   `json:"frames_dropped"`
	Rebuilt    int64   `json:"packets_rebuilt"` // from parity, so far
	LatencyP50 float64 `json:"latency_p50_ms"`
	LatencyP95 float64 `json:"latency_p95_ms"`
	Samples    int     `json:"latency_samples"`
}

// Stats reports the screen stream's figures.
func (r *Reporter) Stats(s Stats) {
	r.emit(struct {
		Event string `json:"event"`
		Stats
	}{"stats", s}, fmt.Sprintf("Screen: %.0f fps, %.0f kbit/s, round trip %.1f ms, %d frames, latency p50 %.1f ms p95 %.1f ms",
		s.FPS, s.Kbps, s.RTTms, s.Frames, s.LatencyP50, s.LatencyP95))
}

// Screen reports the agent's monitors.
func (r *Reporter) Screen(info proto.ScreenInfo) {
	text := fmt.Sprintf("Remote screen: %d monitor(s), sharing %d", len(info.Monitors), info.Current)
	r.emit(struct {
		Event string `json:"event"`
		proto.ScreenInfo
	}{"screen", info}, text)
}

// Clipboard reports the agent's clipboard text.
func (r *Reporter) Clipboard(text string) {
	r.emit(struct {
		Event string `json:"event"`
		Text  string `json:"text"`
	}{"clipboard", text}, fmt.Sprintf("Remote clipboard: %d bytes", len(text)))
}

// Sent reports scripted input sent to the agent.
func (r *Reporter) Sent(events int) {
	r.emit(struct {
		Event  string `json:"event"`
		Events int    `json:"events"`
	}{"input-sent", events}, fmt.Sprintf("Sent %d input events", events))
}

// Mode reports the state in force on the agent: after the customer
// answered a request, or acted on their own.
func (r *Reporter) Mode(s proto.ModeState) {
	text := "Mode: " + describeMode(s)
	if s.Answer != "" {
		text += " (request " + s.Answer + ")"
	}
	r.emit(struct {
		Event string `json:"event"`
		proto.ModeState
	}{"mode", s}, text)
}

func describeMode(s proto.ModeState) string {
	var text string
	switch s.Mode {
	case proto.ModeNone:
		text = "nothing shared"
	case proto.ModeView:
		text = "viewing"
	case proto.ModeControl:
		text = "controlling"
	case proto.ModeDemonstrate:
		text = "demonstrating"
	}
	if s.Paused {
		text += ", paused by the customer"
	}
	if s.InputSuspended {
		text += ", input suspended (the customer took back control)"
	}
	if s.AppsOnly {
		text += ", chosen applications only"
	}
	return text
}

// Question reports a question shown to the customer and ready for an
// answer, with where its Allow and Deny buttons are on the screen.
func (r *Reporter) Question(q Question, allow, deny image.Rectangle) {
	kinds := map[QuestionKind]string{AskSession: "session", AskMode: "mode", AskFileIn: "file-in", AskFileOut: "file-out"}
	r.emit(struct {
		Event string `json:"event"`
		Kind  string `json:"kind"`
		Mode  string `json:"mode,omitempty"`
		File  string `json:"file,omitempty"`
		Dir   string `json:"dir,omitempty"`
		Allow rect   `json:"allow"`
		Deny  rect   `json:"deny"`
	}{"question", kinds[q.Kind], string(q.Mode), q.File, q.Dir, toRect(allow), toRect(deny)},
		"Asking you: "+kinds[q.Kind]+" "+string(q.Mode)+filepath.Join(q.Dir, q.File))
}

// Panel reports where the agent panel's controls are on the screen.
func (r *Reporter) Panel(controls map[string]image.Rectangle) {
	out := make(map[string]rect, len(controls))
	for name, c := range controls {
		out[name] = toRect(c)
	}
	r.emit(struct {
		Event    string          `json:"event"`
		Controls map[string]rect `json:"controls"`
	}{"panel", out}, "")
}

// Viewer reports where the technician's viewer window draws its controls
// (window pixels) and which text field has the keyboard: for automation,
// with -json only, as the agent's panel event.
func (r *Reporter) Viewer(controls map[string]image.Rectangle, editing string) {
	if !r.json {
		return
	}
	out := make(map[string]rect, len(controls))
	for name, c := range controls {
		out[name] = toRect(c)
	}
	r.emit(struct {
		Event    string          `json:"event"`
		Controls map[string]rect `json:"controls"`
		Editing  string          `json:"editing,omitempty"`
	}{"viewer", out, editing}, "")
}

// JSON reports whether events go out as JSON lines (for automation).
func (r *Reporter) JSON() bool { return r != nil && r.json }

// rect is a screen rectangle in JSON events.
type rect struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

func toRect(r image.Rectangle) rect { return rect{r.Min.X, r.Min.Y, r.Dx(), r.Dy()} }

// Transfer reports a file transfer's progress.
func (r *Reporter) Transfer(p filexfer.Progress) {
	dir := "to the customer"
	if p.Incoming {
		dir = "from the customer"
	}
	r.emit(struct {
		Event    string `json:"event"`
		ID       uint32 `json:"id"`
		Name     string `json:"name"`
		Done     int64  `json:"done"`
		Total    int64  `json:"total"`
		Incoming bool   `json:"incoming,omitempty"`
	}{"transfer", p.ID, p.Name, p.Done, p.Total, p.Incoming}, fmt.Sprintf("File %s %s: %d of %d bytes", p.Name, dir, p.Done, p.Total))
}

// TransferEnd reports how a file transfer ended: with the file's final
// name and SHA-256, or why it failed.
func (r *Reporter) TransferEnd(path string, res filexfer.Result, err error) {
	ev := struct {
		Event   string `json:"event"`
		File    string `json:"file"`
		Name    string `json:"name,omitempty"`
		Path    string `json:"path,omitempty"`
		Bytes   int64  `json:"bytes"`
		SHA256  string `json:"sha256,omitempty"`
		Resumed int64  `json:"resumed,omitempty"`
		Error   string `json:"error,omitempty"`
	}{Event: "transfer-done", File: path, Name: res.Name, Path: res.Path, Bytes: res.Size, Resumed: res.Resumed}
	text := fmt.Sprintf("File %s: done (%d bytes)", path, res.Size)
	if err != nil {
		ev.Event, ev.Error = "transfer-failed", TransferError(err)
		text = fmt.Sprintf("File %s: not transferred: %s", path, ev.Error)
	} else {
		ev.SHA256 = sha(res.SHA256)
	}
	r.emit(ev, text)
}

// Chat reports a chat message, sent or received.
func (r *Reporter) Chat(m chat.Message) {
	r.emit(struct {
		Event string `json:"event"`
		chat.Message
	}{"chat", m}, m.From+": "+m.Text)
}

// Ended reports the end of the session and why.
func (r *Reporter) Ended(reason string) {
	r.emit(struct {
		Event  string `json:"event"`
		Reason string `json:"reason"`
	}{"ended", reason}, "Session ended: "+describe(reason))
}

// Failed reports an error that ends the program.
func (r *Reporter) Failed(err error) {
	r.emit(struct {
		Event string `json:"event"`
		Error string `json:"error"`
	}{"error", err.Error()}, "Error: "+err.Error())
}

func groupDigits(code string) string {
	if len(code) != 9 {
		return code
	}
	return code[:3] + " " + code[3:6] + " " + code[6:]
}

func describe(reason string) string {
	switch reason {
	case ReasonHangup:
		return "the technician hung up"
	case ReasonStopped:
		return "the customer stopped it"
	case ReasonInterrupted:
		return "interrupted"
	case ReasonLinkLost:
		return "the connection was lost"
	case ReasonPeerGone:
		return "the other side left before connecting"
	case ReasonCodeExpired:
		return "the code expired before the customer joined"
	case ReasonSessionExpired:
		return "the session reached its maximum length"
	case ReasonRefused:
		return "the customer did not allow it"
	}
	return reason
}
