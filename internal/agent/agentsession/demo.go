package agentsession

import (
	"context"
	"sync"

	"github.com/pion/webrtc/v4"

	"github.com/tandem-remote/tandem/internal/link/screen"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/media/picture"
	"github.com/tandem-remote/tandem/internal/media/vpx"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// demoWindow shows the customer the technician's screen while the session
// is in demonstration mode: a picture-only window (package picture) on
// the customer's display that opens when the mode starts and closes when
// it ends.
type demoWindow struct {
	a *screenShare

	mu  sync.Mutex
	win *picture.Window // nil while closed
}

// run receives the technician's video (which only flows in demonstration
// mode) and opens and closes the window as the mode changes.
func (d *demoWindow) run(ctx context.Context) {
	var track *webrtc.TrackRemote
	for track == nil {
		select {
		case track = <-d.a.r.Link().RemoteVideo():
		case <-ctx.Done():
			return
		}
	}
	rcv, err := screen.NewReceiver(screen.ReceiverConfig{
		Track: track, Codec: session.CodecOf(track.Codec().MimeType),
		RequestKeyframe: func() error { return d.a.r.Link().RequestKeyframe(track) },
		RequestResend:   func(seqs []uint16) error { return d.a.r.Link().RequestResend(track, seqs) },
		OnFrame:         d.show, ParityExtension: d.a.r.Link().ParityExtension(), Logger: d.a.log,
	})
	if err != nil {
		d.a.log.Error("demonstration receiver", "err", err)
		return
	}
	d.a.r.Go(ctx, func(context.Context) { rcv.Run() }) // returns when the link closes the track
	var closeWin context.CancelFunc
	var winDone chan struct{}
	defer func() {
		if closeWin != nil {
			closeWin()
			<-winDone
		}
	}()
	for {
		st, changed := d.a.consent.watch()
		showing := st.Mode == proto.ModeDemonstrate && !st.Paused
		switch {
		case showing && closeWin == nil:
			wctx, cancel := context.WithCancel(ctx)
			closeWin, winDone = cancel, make(chan struct{})
			d.open(wctx, winDone)
			d.a.r.Link().RequestKeyframe(track) // a whole picture for the new window
		case !showing && closeWin != nil:
			closeWin()
			<-winDone
			closeWin = nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}

// open runs a picture window until ctx ends; done is closed after.
func (d *demoWindow) open(ctx context.Context, done chan struct{}) {
	name, _ := d.a.consent.operator()
	title := "Tandem — the technician's screen"
	if name != "" {
		title = "Tandem — " + name + "'s screen"
	}
	v := picture.New(picture.Config{Title: title, Logger: d.a.log})
	d.mu.Lock()
	d.win = v
	d.mu.Unlock()
	go func() {
		defer close(done)
		if err := v.Run(ctx); err != nil && ctx.Err() == nil {
			d.a.log.Warn("demonstration window", "err", err)
		}
		d.mu.Lock()
		d.win = nil
		d.mu.Unlock()
	}()
}

func (d *demoWindow) show(pic *vpx.I420, _ uint32) {
	d.mu.Lock()
	v := d.win
	d.mu.Unlock()
	if v != nil {
		_ = v.ShowI420(pic) // fails only for a malformed picture
	}
}
