package input

import (
	"errors"
	"log/slog"
)

// MaxClipboard is the default limit on clipboard text, in bytes, either
// way (every system's clipboard, and the technician's viewer).
const MaxClipboard = 1 << 20

// Clipboard errors.
var (
	ErrTooLarge = errors.New("clipboard text is over the size limit")
	ErrNoText   = errors.New("the clipboard holds no text")
)

// ClipboardOptions configures NewX11Clipboard and NewWindowsClipboard.
type ClipboardOptions struct {
	Display  string       // X display; empty means $DISPLAY (X11 only)
	MaxBytes int          // limit on text either way; 0 means MaxClipboard
	Logger   *slog.Logger // nil discards
}
