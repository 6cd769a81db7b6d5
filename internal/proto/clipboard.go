package proto

// Clipboard messages travel on the control channel between the peers:
// either side sends Clipboard when its clipboard changes (or when asked);
// the technician asks for the agent's with ClipboardGet.
const (
	TypeClipboard    Type = "clipboard"     // either way
	TypeClipboardGet Type = "clipboard-get" // technician → agent
)

// MaxClipboard bounds clipboard text carried in one message, so that the
// encoded envelope stays within MaxMessageSize whatever the text holds.
const MaxClipboard = 8 << 10

// Clipboard carries clipboard text.
type Clipboard struct {
	Text string `json:"text"`
}

// ClipboardGet asks for the other side's clipboard.
type ClipboardGet struct{}
