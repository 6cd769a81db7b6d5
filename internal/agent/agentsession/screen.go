package agentsession

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/appsel"
	"github.com/tandem-remote/tandem/internal/agent/localinput"
	"github.com/tandem-remote/tandem/internal/agent/platform"
	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/link/screen"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/media/capture"
	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// ScreenConfig says what the agent shares.
type ScreenConfig struct {
	ViewOnly bool // drop all remote input
	MaxFPS   int  // default 30
	// Demonstrations lets the technician show their screen in a window
	// on this display (after the customer agrees each time).
	Demonstrations bool
}

// agentScreen is the agent's shared screen and what decides which part
// of it is shared: the monitor, the chosen applications, the agent's own
// window (never a target of remote input).
type agentScreen struct {
	cfg ScreenConfig
	log *slog.Logger
	scr platform.Screen

	// The agent's own window, where remote input never goes: whether a
	// root point lies on it, and whether a top-level window is it. Nil
	// without a window.
	overOwnWindow func(p image.Point) bool
	isOwnWindow   func(w uint32) bool
	// apps follows the application windows the customer may choose to
	// share; nil without the agent's window (the whole screen is shared).
	apps platform.Apps

	mu       sync.Mutex
	monitors []capture.Monitor
	current  int
}

// remote is what the technician's input and clipboard reach: nil fields
// in view-only mode, and local without the agent's window.
type remote struct {
	inj  platform.Injector
	clip platform.Clipboard
	// clipIn joins the technician's clipboard pieces (the control loop
	// alone uses it); clipOut keeps one text's pieces together going out.
	clipIn  proto.ClipboardJoiner
	clipOut sync.Mutex
	// local watches the customer's own keyboard and mouse.
	local platform.LocalInput
}

// screenShare is the agent's screen in one session: it shares what the
// consent record lets through over the run's link.
type screenShare struct {
	*agentScreen
	*remote
	r       *session.Run
	consent *consent
}

func newScreenShare(a *agentScreen, rem *remote, r *session.Run, c *consent) *screenShare {
	return &screenShare{agentScreen: a, remote: rem, r: r, consent: c}
}

// openAgentScreen opens the screen p offers. It returns nil, nil when
// there is none to share. With the agent's window, it first follows the
// application windows (for the customer's choice), whose marker each
// frame carries.
func openAgentScreen(ctx context.Context, p platform.Platform, cfg ScreenConfig, window platform.Window, log *slog.Logger) (*agentScreen, error) {
	var apps platform.Apps
	var opts platform.ScreenOptions
	if window != nil {
		var err error
		apps, err = p.OpenApps(ctx, platform.AppsOptions{Exclude: func(id uint32) bool { return slices.Contains(window.WindowIDs(), id) }})
		if err != nil {
			return nil, fmt.Errorf("list application windows: %w", err)
		}
		opts.Mark = func() capture.Marker { return appsMarker(apps) }
	}
	scr, err := p.OpenScreen(ctx, opts)
	if err != nil || scr == nil {
		if apps != nil {
			apps.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("open the screen: %w", err)
		}
		return nil, nil
	}
	return newAgentScreen(cfg, log, scr, apps, window), nil
}

// newAgentScreen shares scr, its primary monitor first.
func newAgentScreen(cfg ScreenConfig, log *slog.Logger, scr platform.Screen, apps platform.Apps, window platform.Window) *agentScreen {
	a := &agentScreen{cfg: cfg, log: log, scr: scr, apps: apps, monitors: scr.Monitors(), current: capture.All}
	if window != nil {
		a.overOwnWindow = window.Covers
		a.isOwnWindow = func(w uint32) bool { return window.Focused() || slices.Contains(window.WindowIDs(), w) }
	}
	if primary := primaryMonitor(a.monitors); primary != 0 {
		if err := scr.Select(primary); err == nil {
			a.current = primary
		}
	}
	return a
}

// openRemote opens what remote input needs: nothing in view-only mode.
// With the agent's window it also watches the customer's own keyboard and
// mouse (to take back control), and tells that watcher of every event it
// injects, so that only the customer's own input counts.
func openRemote(ctx context.Context, p platform.Platform, a *agentScreen, window platform.Window) (*remote, error) {
	rem := &remote{}
	if a.cfg.ViewOnly {
		return rem, nil
	}
	opts := platform.InputOptions{Monitor: a.monitorBounds, Allow: a.allowInput}
	var err error
	if window != nil {
		// Using the agent's own window (answering, pausing) is not taking
		// control back.
		ignore := func(kind localinput.Kind, at image.Point) bool {
			if kind == localinput.KeyDown || kind == localinput.KeyUp {
				return window.Focused()
			}
			return window.Covers(at)
		}
		if rem.local, err = p.WatchLocal(ctx, platform.LocalOptions{Ignore: ignore}); err != nil {
			return nil, fmt.Errorf("watch the keyboard and mouse: %w", err)
		}
		opts.Injecting = rem.local.Injecting
	}
	if rem.inj, err = p.OpenInput(ctx, opts); err != nil {
		rem.close()
		return nil, fmt.Errorf("remote input: %w", err)
	}
	if rem.clip, err = p.OpenClipboard(ctx); err != nil {
		rem.close()
		return nil, fmt.Errorf("clipboard: %w", err)
	}
	return rem, nil
}

func primaryMonitor(ms []capture.Monitor) int {
	for _, m := range ms {
		if m.Primary {
			return m.ID
		}
	}
	return 0
}

// monitorBounds locates a monitor for the technician's per-monitor
// coordinates: monitor IDs are capture's (All, 0, is the whole screen).
func (a *agentScreen) monitorBounds(id uint8) (image.Rectangle, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var all image.Rectangle
	for _, m := range a.monitors {
		if m.ID == int(id) {
			return m.Bounds(), true
		}
		all = all.Union(m.Bounds())
	}
	return all, id == capture.All
}

// start runs the video sender, the input loop and the pointer and
// clipboard loops, and describes the screen to the technician; appsChanged,
// when not nil, hears of every change in the list of application windows
// (the customer's chooser shows it). Nothing is sent or injected before
// the customer allows it: the gated source and the loops ask the consent
// record first.
func (a *screenShare) start(ctx context.Context, appsChanged func([]appsel.Window)) {
	r := a.r
	a.sendScreenInfo(ctx)
	src := &gatedSource{src: a.scr, state: a.consent.sharing}
	if a.apps != nil {
		src.apps = a.apps
		r.Go(ctx, func(ctx context.Context) { a.followApps(ctx, appsChanged) })
	}
	r.Go(ctx, func(ctx context.Context) {
		snd, err := screen.NewSender(screen.SenderConfig{
			Source: src, Track: r.Link().VideoTrack(), MaxFPS: a.cfg.MaxFPS,
			Keyframes: r.Link().KeyframeRequests(), Bitrate: r.Link().TargetBitrate,
			Parity: r.Link().VideoParity, Backlog: r.Link().VideoBacklog,
			OnFrame: func(fi screen.FrameInfo) { a.announce(ctx, fi) }, Logger: a.log,
			Prepare: a.prepare,
		})
		if err == nil {
			err = snd.Run(ctx)
		}
		if err != nil {
			a.log.Error("screen sharing stopped", "err", err)
		}
	})
	r.Go(ctx, a.inputLoop)
	r.Go(ctx, a.cursorLoop)
	if a.cfg.Demonstrations {
		d := &demoWindow{a: a}
		r.Go(ctx, d.run)
	}
	if a.clip != nil {
		r.Go(ctx, a.clipboardLoop)
	}
}

// prepare readies the capture and names the size of the first frame, so
// that the sender makes its encoder while the customer is still being
// asked (the gated source lets no frame through before Allow; Allow
// finds the encoder ready, or waits for it). The capture grabs once into
// its shared memory and hands nothing out; a platform screen without
// Prepare is sized from its monitors.
func (a *agentScreen) prepare(ctx context.Context) (image.Point, error) {
	if p, ok := a.scr.(interface {
		Prepare(context.Context) (image.Point, error)
	}); ok {
		return p.Prepare(ctx)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var all image.Rectangle
	for _, m := range a.monitors {
		if m.ID == a.current {
			return m.Bounds().Size(), nil
		}
		all = all.Union(m.Bounds())
	}
	return all.Size(), nil
}

// clipboardLoop sends the customer's clipboard to the technician whenever
// another program puts new text on it.
func (a *screenShare) clipboardLoop(ctx context.Context) {
	for {
		select {
		case <-a.clip.Changed():
			if a.clipboardAllowed() {
				a.sendClipboard(ctx)
			}
		case <-ctx.Done():
			return
		}
	}
}

func (a *screenShare) sendClipboard(ctx context.Context) {
	text, err := a.clip.Get(ctx)
	if err != nil {
		a.log.Info("clipboard not sent", "err", err)
		return
	}
	a.clipOut.Lock()
	defer a.clipOut.Unlock()
	for _, piece := range proto.SplitClipboard(text) {
		if err := a.r.SendControl(ctx, proto.TypeClipboard, piece); err != nil {
			return
		}
	}
}

func (a *screenShare) announce(ctx context.Context, fi screen.FrameInfo) {
	a.r.SendControl(ctx, proto.TypeFrameInfo, proto.FrameInfo{
		RTPTime: fi.RTPTime, Captured: fi.Captured.UnixNano(), Bytes: fi.Bytes, Keyframe: fi.Keyframe,
	})
}

func (a *screenShare) sendScreenInfo(ctx context.Context) {
	a.mu.Lock()
	info := proto.ScreenInfo{Current: a.current}
	for _, m := range a.monitors {
		info.Monitors = append(info.Monitors, proto.Monitor{ID: m.ID, Name: m.Name, X: m.X, Y: m.Y, Width: m.Width, Height: m.Height, Primary: m.Primary})
	}
	a.mu.Unlock()
	a.r.SendControl(ctx, proto.TypeScreenInfo, info)
}

// clipboardAllowed: the clipboard goes either way only while the customer
// lets the technician control, and only when the grant includes it.
func (a *screenShare) clipboardAllowed() bool {
	return a.consent.get().InputAllowed() && a.consent.allows(grant.Clipboard)
}

// allowInput keeps the technician's input off the agent's own window and,
// when the customer chose applications, inside them.
func (a *agentScreen) allowInput(t input.Target) bool {
	if t.Pointer {
		if a.overOwnWindow != nil && a.overOwnWindow(t.Point) {
			return false
		}
		return a.apps == nil || a.apps.Region().Contains(t.Point)
	}
	if a.isOwnWindow != nil && a.isOwnWindow(t.Window) {
		return false
	}
	return a.apps == nil || a.windowShared(t.Window)
}

// inputLoop injects the technician's input. Every event is dropped here,
// in the agent, unless the customer allowed control and has not paused or
// taken it back (or started the agent view-only), and pointer events are
// dropped over the agent's own window and outside the shared
// applications.
func (a *screenShare) inputLoop(ctx context.Context) {
	ch := a.r.Link().Channel(peer.ChannelInput)
	for {
		b, err := ch.Recv(ctx)
		if err != nil {
			return
		}
		if a.inj == nil || !a.consent.get().InputAllowed() {
			continue
		}
		ev, err := input.Decode(b)
		if err != nil {
			a.log.Warn("bad input event", "err", err)
			continue
		}
		if err := a.inj.Inject(ev); err != nil {
			a.injectFailed(ctx, err)
		}
	}
}

// injectFailed logs input the system refused, and tells the technician
// when the refusal is one the customer can act on (Ctrl-Alt-Del).
func (a *screenShare) injectFailed(ctx context.Context, err error) {
	a.log.Warn("inject input", "err", err)
	if errors.Is(err, input.ErrSecureAttention) {
		a.r.SendControl(ctx, proto.TypeInputRefused, proto.InputRefused{Input: proto.InputCtrlAltDel, Reason: proto.ReasonSecureAttention})
	}
}

// onControl handles the technician's screen and clipboard requests.
func (a *screenShare) onControl(ctx context.Context, env proto.Envelope) {
	switch env.Type {
	case proto.TypeClipboard:
		c, err := proto.Body[proto.Clipboard](env)
		if err != nil || a.clip == nil {
			return
		}
		text, done, err := a.clipIn.Add(c)
		if err != nil {
			a.log.Warn("technician's clipboard not set", "err", err)
		}
		if done && a.clipboardAllowed() {
			if err := a.clip.Set(text); err != nil {
				a.log.Warn("set clipboard", "err", err)
			}
		}
		return
	case proto.TypeClipboardGet:
		if a.clip != nil && a.clipboardAllowed() {
			gctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			a.sendClipboard(gctx)
			cancel()
		}
		return
	case proto.TypeSelectMonitor:
	default:
		return
	}
	sel, err := proto.Body[proto.SelectMonitor](env)
	if err != nil {
		return
	}
	if err := a.scr.Select(sel.ID); err != nil {
		a.log.Warn("select monitor", "id", sel.ID, "err", err)
		return
	}
	a.mu.Lock()
	a.current = sel.ID
	a.mu.Unlock()
	a.sendScreenInfo(ctx)
}

// close releases every key and button still held, the clipboard and
// the watcher.
func (rem *remote) close() {
	if rem.inj != nil {
		rem.inj.Close()
	}
	if rem.clip != nil {
		rem.clip.Close()
	}
	if rem.local != nil {
		rem.local.Close()
	}
}

// close stops following the windows, then closes the screen.
func (a *agentScreen) close() {
	if a.apps != nil {
		a.apps.Close()
	}
	a.scr.Close()
}
