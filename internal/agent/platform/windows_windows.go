//go:build windows

package platform

import (
	"context"
	"fmt"
	"image"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
	"github.com/tandem-remote/tandem/internal/agent/localinput"
	"github.com/tandem-remote/tandem/internal/agent/selfremove"
	"github.com/tandem-remote/tandem/internal/agent/winapps"
	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/media/capture"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// Native returns the Windows platform of the interactive desktop.
func Native(cfg Config) Platform {
	return &Windows{cfg: cfg, logoff: newLogoff(cfg), profile: startProfile(cfg.Logger)}
}

// Guardian runs this process as the self-removal guardian when it was
// started as one (see selfremove.RunGuardian), and then never returns.
// Nothing outside the file system needs undoing on Windows (keys are never
// remapped: characters the layout lacks are typed as Unicode).
func Guardian() { selfremove.RunGuardian(nil) }

// Windows is the agent's platform on the Windows desktop: GDI capture,
// SendInput, the Unicode clipboard, GetLastInputInfo for the customer's
// own input, the agent's Gio window, and the application windows the
// customer may share instead of the whole screen (package winapps).
type Windows struct {
	cfg     Config
	logoff  *logoff     // the Windows session's end (logoff_windows.go)
	profile *cpuProfile // TANDEM_CPUPROFILE's, until Remove

	mu  sync.Mutex
	scr *capture.GDI // the screen opened last, woken by injected input
}

// OpenWindow opens the agent's window when the config asks for one.
func (w *Windows) OpenWindow(ctx context.Context) (Window, error) {
	if !w.cfg.Window {
		return nil, nil
	}
	octx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	ui, err := agentui.Open(octx, agentui.Options{Logger: w.cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("open the agent's window: %w", err)
	}
	return w.logoff.window(ui), nil
}

// OpenScreen captures the desktop with GDI.
func (w *Windows) OpenScreen(ctx context.Context, o ScreenOptions) (Screen, error) {
	scr, err := capture.OpenGDI(ctx, capture.Options{Logger: w.cfg.Logger, Mark: o.Mark})
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.scr = scr
	w.mu.Unlock()
	return scr, nil
}

// OpenApps follows the top-level windows (EnumWindows, polled: see
// package winapps) for the customer's choice of what to share.
func (w *Windows) OpenApps(_ context.Context, o AppsOptions) (Apps, error) {
	t, err := winapps.New(winapps.Options{List: winapps.NewLister(), Exclude: o.Exclude, Logger: w.cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("follow application windows: %w", err)
	}
	return t, nil
}

// WatchLocal follows the customer's own input with GetLastInputInfo;
// any input also wakes the screen's capture from its idle pace.
func (w *Windows) WatchLocal(_ context.Context, o LocalOptions) (LocalInput, error) {
	return newLastInput(o, w.wakeScreen), nil
}

// wakeScreen brings the open screen's capture back to its fast pace.
func (w *Windows) wakeScreen() {
	w.mu.Lock()
	scr := w.scr
	w.mu.Unlock()
	if scr != nil {
		scr.Wake()
	}
}

// OpenInput injects with SendInput.
func (w *Windows) OpenInput(_ context.Context, o InputOptions) (Injector, error) {
	// Each injection tells the local-input watcher, and wakes the
	// capture: the screen is about to change.
	tell := o.Injecting
	opts := input.WindowsOptions{Monitor: o.Monitor, Allow: o.Allow, Logger: w.cfg.Logger, Injecting: func() {
		if tell != nil {
			tell(localinput.Motion, 0, image.Point{})
		}
		w.wakeScreen()
	}}
	inj, err := input.NewWindows(opts)
	if err != nil {
		return nil, err
	}
	return inj, nil
}

// OpenClipboard reads and writes the clipboard's Unicode text.
func (w *Windows) OpenClipboard(context.Context) (Clipboard, error) {
	c, err := input.NewWindowsClipboard(input.ClipboardOptions{MaxBytes: proto.MaxClipboard, Logger: w.cfg.Logger})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Remove runs the Remover, if any; during a logoff, the Remover's
// EndSession instead (logoff_windows.go).
func (w *Windows) Remove() error {
	w.profile.stop()
	return w.logoff.remove(None{Remover: w.cfg.Remover}.Remove)
}
