//go:build !windows

package agentui

import (
	"errors"
	"fmt"
	"os"
)

// windowDisplay is the X display the window opens on: Gio's, $DISPLAY.
func windowDisplay(o Options) (string, error) {
	display := os.Getenv("DISPLAY")
	if o.Display != "" && o.Display != display {
		return "", fmt.Errorf("agentui: display %q requested but Gio opens $DISPLAY (%q): set DISPLAY instead", o.Display, display)
	}
	if display == "" {
		return "", errors.New("agentui: no X display: set DISPLAY")
	}
	return display, nil
}
