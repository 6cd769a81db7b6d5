//go:build windows

package agentui

// windowDisplay is "" on Windows: the window opens on the interactive
// desktop, and Options.Display is not used.
func windowDisplay(Options) (string, error) { return "", nil }
