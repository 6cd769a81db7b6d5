package techsession

import (
	"context"
	"os"
	"sync"

	"github.com/tandem-remote/tandem/internal/link/screen"
	"github.com/tandem-remote/tandem/internal/media/capture"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// toggle is an on/off state that a screen.Gate can wait on.
type toggle struct {
	mu      sync.Mutex
	on      bool
	changed chan struct{}
}

func newToggle() *toggle { return &toggle{changed: make(chan struct{})} }

func (t *toggle) set(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.on != on {
		t.on = on
		close(t.changed)
		t.changed = make(chan struct{})
	}
}

func (t *toggle) state() (bool, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.on, t.changed
}

// demoDisplay is the display the technician shows in demonstration mode,
// or "" when there is none.
func (v *techView) demoDisplay() string {
	if v.cfg.DemoDisplay != "" {
		return v.cfg.DemoDisplay
	}
	return os.Getenv("DISPLAY")
}

// demonstrate sends the technician's own screen to the agent while the
// agent says the session is in demonstration mode. The capture opens at
// the first demonstration; one sender serves the whole session so the
// agent's receiver sees one continuous stream. A screen.Gate on the demo
// toggle lets frames through: it captures nothing while the mode is off,
// and a frame captured as the mode ended is never sent. (The agent's gate
// adds the customer's choice of windows.)
func (v *techView) demonstrate(ctx context.Context) {
	display := v.demoDisplay()
	if display == "" {
		return
	}
	for on := false; !on; {
		var changed <-chan struct{}
		if on, changed = v.demo.state(); !on {
			select {
			case <-changed:
			case <-ctx.Done():
				return
			}
		}
	}
	scr, err := capture.Open(ctx, capture.Options{Display: display, Logger: v.log})
	if err != nil {
		v.log.Error("demonstration: cannot capture this screen", "err", err)
		return
	}
	defer scr.Close()
	link := v.r.Link()
	snd, err := screen.NewSender(screen.SenderConfig{
		Source: &screen.Gate{Source: scr, State: v.demo.state}, Track: link.VideoTrack(),
		Keyframes: link.KeyframeRequests(), Bitrate: link.TargetBitrate, Parity: link.VideoParity,
		Backlog: link.VideoBacklog, Logger: v.log,
	})
	if err == nil {
		err = snd.Run(ctx)
	}
	if err != nil && ctx.Err() == nil {
		v.log.Error("demonstration stopped", "err", err)
	}
}

// followDemo starts or stops the demonstration as the agent's state says.
func (v *techView) followDemo(st proto.ModeState) {
	v.demo.set(st.Mode == proto.ModeDemonstrate && !st.Paused)
}
