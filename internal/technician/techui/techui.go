// Package techui is the technician's interactive side: it runs a support
// session (package techsession, through its Session handle and events)
// with the viewer window (package viewer) in
// front of it. Decoded pictures go to the window, the window's keyboard and
// pointer go to the agent, the toolbar picks monitors, asks the customer
// for control or view (the view-only toggle) and hangs up, and the status
// line shows the path, round trip, frame rate, bitrate and what the
// customer allows; the chat pane talks with the customer, and the files
// pane sends and fetches files with a progress bar for each.
//
// It is separate from package techsession so that the headless technician's
// session code stands apart from the GUI toolkit.
package techui

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/technician/techscript"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
	"github.com/tandem-remote/tandem/internal/technician/viewer"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// Run runs the technician's session with the viewer window until either
// ends, with sc doing what it says on its own (package techscript).
// Closing the window or the toolbar's Disconnect hangs up.
func Run(ctx context.Context, cfg techsession.TechnicianConfig, sc techscript.Script) error {
	v := viewer.New(viewer.Config{Title: "Tandem", Logger: cfg.Logger})
	ui := &ui{v: v, server: cfg.Server, log: cfg.Logger}
	if ui.log == nil {
		ui.log = slog.New(slog.DiscardHandler)
	}
	d := techscript.New(sc, cfg.Report, cfg.Logger)
	cfg.Events = d.Events(ui.event)
	s := techsession.New(cfg)
	stop := d.Start(s)
	defer stop()

	vctx, closeWindow := context.WithCancel(ctx)
	defer closeWindow()
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx)
		closeWindow()
	}()
	go ui.actions(s)
	go forwardInput(v.Input(), s)
	if cfg.Report.JSON() {
		go ui.reportControls(vctx, cfg.Report)
	}
	if err := v.Run(vctx); err == nil {
		s.HangUp() // the technician closed the window
	}
	return <-done
}

// forwardInput hands the window's keyboard and pointer to the session
// until either ends.
func forwardInput(in <-chan input.Event, s *techsession.Session) {
	for ev := range in {
		if !s.Input(ev) {
			return
		}
	}
}

// event shows what the session reports.
func (u *ui) event(e techsession.Event) {
	switch e := e.(type) {
	case techsession.FrameEvent:
		u.frame(e)
	case techsession.StatsEvent:
		u.stats(e.Stats)
	case techsession.ScreenEvent:
		u.screen(e.ScreenInfo)
	case techsession.PathEvent:
		u.path(e.Path)
	case techsession.CursorEvent:
		u.cursor(e.CursorPos)
	case techsession.CursorShapeEvent:
		u.cursorShape(e.CursorShape)
	case techsession.ClipboardEvent:
		u.v.SetClipboard(e.Text)
	case techsession.ModeEvent:
		u.mode(e.ModeState)
	case techsession.InputRefusedEvent:
		u.refused(e.InputRefused)
	case techsession.ChatEvent:
		u.v.AddChat(e.From, e.Text)
	case techsession.TransferEvent:
		u.transfer(e.Progress)
	case techsession.TransferEndEvent:
		u.transferEnd(e.Request, e.Result, e.Err)
	case techsession.OfferEvent:
		u.v.AddOffer(viewer.Offer{ID: e.ID, Name: e.Name, Size: e.Size})
	case techsession.OfferEndEvent:
		u.v.EndOffer(e.ID)
	case techsession.CodeEvent:
		u.v.SetWaiting(viewer.NewWaiting(u.server, e.Code, e.Expires))
	case techsession.JoinedEvent:
		u.v.SetWaiting(viewer.Waiting{})
	}
}

// ui keeps what the status line shows and recycles frame buffers.
type ui struct {
	v      *viewer.Viewer
	server string // the -server URL, for the code's link
	log    *slog.Logger

	mu     sync.Mutex
	status viewer.Status
	// presented holds capture → presented latencies (ms), the first
	// maxPresented of the session.
	presented []float64
	// allowedAt is when the customer's first yes arrived; firstShown
	// whether a picture was presented since (logged once).
	allowedAt  time.Time
	firstShown bool
	failed     uint32 // IDs for the lines of requests that never became transfers
}

// reportControls reports where the window's controls are whenever they
// change and then keep their place for a moment, until ctx ends.
func (u *ui) reportControls(ctx context.Context, report *session.Reporter) {
	type controls struct {
		at      map[string]image.Rectangle
		editing string
	}
	look := func() (controls, bool) {
		at, editing := u.v.Controls()
		return controls{at, editing}, true
	}
	same := func(a, b controls) bool { return a.editing == b.editing && maps.Equal(a.at, b.at) }
	session.ReportSteady(ctx, 50*time.Millisecond, 3, look, same, func(c controls) { report.Viewer(c.at, c.editing) })
}

// transfer shows a transfer's progress.
func (u *ui) transfer(p filexfer.Progress) {
	u.v.SetTransfer(viewer.Transfer{Progress: p})
}

// transferEnd shows how a request ended: on its transfer's line, or on a
// line of its own when it failed before it became a transfer (a path that
// cannot be read, say).
func (u *ui) transferEnd(req techsession.FileRequest, res filexfer.Result, err error) {
	t := viewer.Transfer{Progress: filexfer.Progress{ID: res.ID, Name: res.Name, Done: res.Size, Total: res.Size, Incoming: req.Fetch}, Ended: true}
	if t.Name == "" {
		t.Name = filepath.Base(req.Path)
	}
	if err != nil {
		t.Err = session.TransferError(err)
		if t.ID == 0 {
			t.ID = u.failedID()
		}
	}
	u.v.SetTransfer(t)
}

// failedID is a line ID no transfer uses (theirs count up from 1).
func (u *ui) failedID() uint32 {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.failed++
	return 1<<31 | u.failed
}

// actions turns toolbar requests into session requests until the window's
// Actions channel closes.
func (u *ui) actions(s *techsession.Session) {
	for a := range u.v.Actions() {
		switch a.Kind {
		case viewer.ActionSelectMonitor:
			s.Monitor(a.Monitor)
		case viewer.ActionSendClipboard:
			s.Clipboard(a.Text)
		case viewer.ActionGetClipboard:
			s.Clipboard("") // asks for the agent's clipboard
		case viewer.ActionViewOnly:
			// Leaving view-only asks the customer for control; the
			// agent answers with the mode in force (see mode).
			m := proto.ModeControl
			if a.ViewOnly {
				m = proto.ModeView
			}
			s.Mode(m)
		case viewer.ActionChat:
			s.Say(a.Text)
		case viewer.ActionSendFile, viewer.ActionFetchFile:
			if !u.file(s, a.Text, a.Kind == viewer.ActionFetchFile) {
				t := viewer.Transfer{Progress: filexfer.Progress{ID: u.failedID(), Name: a.Text}, Ended: true, Err: "too many requests at once; try again"}
				u.v.SetTransfer(t)
			}
		case viewer.ActionAcceptFile, viewer.ActionDeclineFile:
			s.AnswerOffer(a.Offer, a.Kind == viewer.ActionAcceptFile)
		case viewer.ActionDisconnect:
			s.HangUp()
		}
	}
}

func (u *ui) file(s *techsession.Session, path string, fetch bool) bool {
	if fetch {
		return s.Fetch(path)
	}
	return s.Send(path)
}

// mode shows what the customer allows now, and stops sending input while
// the customer does not let the technician control.
func (u *ui) mode(st proto.ModeState) {
	u.mu.Lock()
	if st.Answer == proto.AnswerAllowed && u.allowedAt.IsZero() {
		u.allowedAt = time.Now()
	}
	u.status.Customer = customerText(st)
	s := u.status
	u.mu.Unlock()
	u.v.SetStatus(s)
	if !st.InputAllowed() {
		u.v.SetViewOnly(true)
	}
}

// refused shows input the agent could not give to its computer on the
// status line, until the customer's state changes.
func (u *ui) refused(m proto.InputRefused) {
	u.mu.Lock()
	u.status.Customer = session.DescribeRefusal(m)
	s := u.status
	u.mu.Unlock()
	u.v.SetStatus(s)
}

func customerText(st proto.ModeState) string {
	switch {
	case st.Answer == proto.AnswerRefused || st.Answer == proto.AnswerTimeout:
		return "the customer said no; " + customerText(proto.ModeState{Mode: st.Mode, Paused: st.Paused, InputSuspended: st.InputSuspended})
	case st.Answer == proto.AnswerNotGranted:
		return "not in your permissions"
	case st.Paused:
		return "paused by the customer"
	case st.InputSuspended:
		return "the customer took back control"
	case st.Mode == proto.ModeControl:
		return "customer allows control"
	case st.Mode == proto.ModeView:
		return "customer allows viewing"
	case st.Mode == proto.ModeDemonstrate:
		return "showing your screen"
	}
	return "waiting for the customer"
}

func (u *ui) frame(e techsession.FrameEvent) {
	var presented func(time.Time)
	if !e.Captured.IsZero() {
		presented = func(at time.Time) { u.addPresented(at, at.Sub(e.Captured)) }
	}
	// It fails only for a malformed picture, which the decoder never
	// hands out; the next picture is shown as usual.
	_ = u.v.ShowI420Presented(e.Pic, e.Monitor, presented)
}

// maxPresented bounds the capture → presented samples kept, as the
// session bounds its capture → decoded ones.
const maxPresented = 2048

// addPresented records one picture's capture → presented latency, and
// logs the first picture presented after the customer allowed.
func (u *ui) addPresented(at time.Time, d time.Duration) {
	u.mu.Lock()
	if len(u.presented) < maxPresented {
		u.presented = append(u.presented, float64(d.Microseconds())/1000)
	}
	first := !u.allowedAt.IsZero() && !u.firstShown
	u.firstShown = u.firstShown || first
	allowed := u.allowedAt
	u.mu.Unlock()
	if first {
		u.log.Info("viewer first frame", "allowed_presented_ms", float64(at.Sub(allowed).Microseconds())/1000)
	}
}

func (u *ui) stats(s session.Stats) {
	u.mu.Lock()
	u.status.RTTms, u.status.FPS, u.status.Kbps = s.RTTms, s.FPS, s.Kbps
	st := u.status
	p50, p95, n := percentiles(u.presented)
	u.mu.Unlock()
	u.v.SetStatus(st)
	if n > 0 {
		// Beside the stats event's capture → decoded figures: the
		// window's frame that shows the picture ends this one.
		vs := u.v.Stats()
		u.log.Info("viewer latency", "capture_presented_p50_ms", p50, "capture_presented_p95_ms", p95, "samples", n,
			"capture_decoded_p50_ms", s.LatencyP50, "capture_decoded_samples", s.Samples,
			"pictures_drawn", vs.Drawn, "pictures_dropped", vs.Dropped, "render_ms_per_window_frame", renderPerFrame(vs))
	}
}

// renderPerFrame is the viewer's mean time in Gio's FrameEvent.Frame
// (rendering, texture uploads included) per window frame, in ms.
func renderPerFrame(st viewer.Stats) float64 {
	if st.Redraws == 0 {
		return 0
	}
	return float64(st.Render.Microseconds()) / 1000 / float64(st.Redraws)
}

// percentiles returns the median and 95th percentile of ms, and its length.
func percentiles(ms []float64) (p50, p95 float64, n int) {
	if len(ms) == 0 {
		return 0, 0, 0
	}
	sorted := slices.Clone(ms)
	slices.Sort(sorted)
	at := func(q float64) float64 { return sorted[int(q*float64(len(sorted)-1)+0.5)] }
	return at(0.50), at(0.95), len(sorted)
}

func (u *ui) path(p peer.Path) {
	u.mu.Lock()
	u.status.Path = fmt.Sprintf("%s %s %s→%s", p.Kind(), p.Protocol, p.Local, p.Remote)
	st := u.status
	u.mu.Unlock()
	u.v.SetStatus(st)
}

func (u *ui) screen(info proto.ScreenInfo) {
	u.mu.Lock()
	u.status.Screen = info
	st := u.status
	u.mu.Unlock()
	u.v.SetStatus(st)
}
