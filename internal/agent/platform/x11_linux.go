//go:build linux

package platform

import (
	"context"
	"fmt"
	"image"
	"os"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
	"github.com/tandem-remote/tandem/internal/agent/appsel"
	"github.com/tandem-remote/tandem/internal/agent/localinput"
	"github.com/tandem-remote/tandem/internal/agent/selfremove"
	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/media/capture"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// Native returns the X11 platform on the display cfg names.
func Native(cfg Config) Platform { return X11{cfg: cfg} }

// Guardian runs this process as the self-removal guardian when it was
// started as one (see selfremove.RunGuardian), and then never returns: it
// also empties the keys a killed agent remapped on the customer's
// keyboard. It returns at once in the agent itself.
func Guardian() {
	selfremove.RunGuardian(map[string]selfremove.Undo{input.SparesUndo: input.RestoreSpares})
}

// X11 is the agent's platform on an X display: capture (MIT-SHM, DAMAGE,
// XFixes), XTEST input, the CLIPBOARD selection, the RECORD extension for
// the customer's own input, the window tree for applications, and the
// agent's Gio window.
type X11 struct{ cfg Config }

// OpenWindow opens the agent's window on the shared display, when the
// config asks for one and there is a display.
func (x X11) OpenWindow(ctx context.Context) (Window, error) {
	if !x.cfg.Window {
		return nil, nil
	}
	if x.cfg.Display != "" {
		// The window toolkit opens $DISPLAY: the window must be on the
		// screen it asks about.
		os.Setenv("DISPLAY", x.cfg.Display)
	}
	if os.Getenv("DISPLAY") == "" {
		return nil, nil
	}
	octx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	ui, err := agentui.Open(octx, agentui.Options{Logger: x.cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("open the agent's window: %w", err)
	}
	return ui, nil
}

// OpenScreen opens the display; none when neither the config nor
// $DISPLAY names one.
func (x X11) OpenScreen(ctx context.Context, o ScreenOptions) (Screen, error) {
	if x.cfg.Display == "" && os.Getenv("DISPLAY") == "" {
		return nil, nil
	}
	scr, err := capture.Open(ctx, capture.Options{Display: x.cfg.Display, Logger: x.cfg.Logger, Mark: o.Mark})
	if err != nil {
		return nil, err
	}
	return scr, nil
}

// OpenApps follows the top-level windows of the display.
func (x X11) OpenApps(ctx context.Context, o AppsOptions) (Apps, error) {
	t, err := appsel.Open(ctx, appsel.Options{Display: x.cfg.Display, Logger: x.cfg.Logger, Exclude: o.Exclude})
	if err != nil {
		return nil, err
	}
	return x11Apps{t}, nil
}

// The agent's Gio window is the platform's Window as it is.
var _ Window = (*agentui.UI)(nil)

// x11Apps is the window tracker with its marker as the capture sends it.
type x11Apps struct{ *appsel.Tracker }

func (a x11Apps) Marker() capture.Marker {
	s, w, ev := a.MarkEvent()
	return capture.Marker{Mark: uint64(s), Window: w, Event: ev}
}

// WatchLocal records the display's core input (RECORD extension).
func (x X11) WatchLocal(ctx context.Context, o LocalOptions) (LocalInput, error) {
	w, err := localinput.Open(ctx, localinput.Options{Display: x.cfg.Display, Logger: x.cfg.Logger, Ignore: o.Ignore})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// OpenInput injects with XTEST. Keys it remaps to type characters the
// keyboard lacks are handed to the Remover's guardian, which empties
// them if the agent is killed.
func (x X11) OpenInput(_ context.Context, o InputOptions) (Injector, error) {
	opts := input.Options{Display: x.cfg.Display, Monitor: o.Monitor, Allow: o.Allow, Logger: x.cfg.Logger}
	if rm := x.cfg.Remover; rm != nil {
		opts.Remapped = func(state []byte) { rm.SetUndo(input.SparesUndo, state) }
	}
	if tell := o.Injecting; tell != nil {
		opts.Injecting = func(xType, detail byte, at image.Point) {
			if kind, ok := journalKinds[xType]; ok {
				tell(kind, uint32(detail), at)
			}
		}
	}
	inj, err := input.NewX11(opts)
	if err != nil {
		return nil, err
	}
	return inj, nil
}

// journalKinds names the X events the injector sends as the local-input
// watcher knows them.
var journalKinds = map[byte]localinput.Kind{
	xproto.KeyPress: localinput.KeyDown, xproto.KeyRelease: localinput.KeyUp,
	xproto.ButtonPress: localinput.ButtonDown, xproto.ButtonRelease: localinput.ButtonUp,
	xproto.MotionNotify: localinput.Motion,
}

// OpenClipboard serves and reads the CLIPBOARD selection.
func (x X11) OpenClipboard(context.Context) (Clipboard, error) {
	c, err := input.NewX11Clipboard(input.ClipboardOptions{Display: x.cfg.Display, MaxBytes: proto.MaxClipboard, Logger: x.cfg.Logger})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Remove runs the Remover, if any.
func (x X11) Remove() error { return None{Remover: x.cfg.Remover}.Remove() }
