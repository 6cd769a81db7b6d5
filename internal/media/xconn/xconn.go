// Package xconn opens connections to an X display for every Tandem part
// that speaks X11 (capture, input, clipboard, test support).
//
// It exists for one process-wide setting: xgb logs through a package-wide
// logger, printing "Could not get authority info" on every connection to a
// display without an Xauthority file (normal, not news) and repeating
// errors that reach callers as return values anyway. Silencing it once,
// here, before the first connection, keeps that write from racing with the
// reader goroutines of connections other packages already opened.
package xconn

import (
	"io"
	"log"
	"sync"

	"github.com/jezek/xgb"
)

var quiet sync.Once

// Quiet silences xgb's package-wide logger; Dial calls it.
func Quiet() {
	quiet.Do(func() { xgb.Logger = log.New(io.Discard, "", 0) })
}

// Dial connects to display (":0"; "" means $DISPLAY).
func Dial(display string) (*xgb.Conn, error) {
	Quiet()
	return xgb.NewConnDisplay(display)
}
