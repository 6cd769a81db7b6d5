//go:build !windows

package agentui

// nativeChooser: no system file dialog here (Gio has none that works
// without a desktop portal), so the window shows its own chooser.
func (v *view) nativeChooser() bool { return false }
