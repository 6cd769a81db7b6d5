package techsession

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/link/chat"
	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/link/screen"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/media/vpx"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// techView receives and measures the agent's screen.
type techView struct {
	cfg    TechnicianConfig
	log    *slog.Logger
	r      *session.Run
	events func(Event) // nil: none
	req    *requests   // the handle's requests

	clipIn    proto.ClipboardJoiner // the agent's clipboard pieces (the control loop alone)
	clipOut   sync.Mutex            // one text's pieces go out together
	demo      *toggle               // the agent is in demonstration mode
	allowed   chan struct{}         // closed once the customer allowed a mode
	allowOnce sync.Once
	chat      *chat.Conn

	mu        sync.Mutex
	captured  map[uint32]time.Time // RTP timestamp → agent's capture time
	latencies []float64            // ms, capture → decoded
	rcv       *screen.Receiver
	monitor   int // the monitor the agent says it shares
	lastCount int64
	lastBytes int64
	lastAt    time.Time
}

// maxTracked bounds the frame announcements and latency samples kept.
const maxTracked = 2048

func newTechView(r *session.Run, cfg TechnicianConfig, req *requests) *techView {
	if cfg.StatsEvery == 0 {
		cfg.StatsEvery = time.Second
	}
	log := r.Logger()
	return &techView{cfg: cfg, log: log, r: r, events: cfg.Events, req: req, demo: newToggle(), allowed: make(chan struct{}), captured: map[uint32]time.Time{}, lastAt: time.Now()}
}

// Start starts the view's workers once the link is up.
func (v *techView) Start(ctx context.Context) {
	r := v.r
	if v.cfg.Monitor >= 0 {
		r.SendControl(ctx, proto.TypeSelectMonitor, proto.SelectMonitor{ID: v.cfg.Monitor})
	}
	r.Go(ctx, v.modes)
	v.startChat(ctx)
	v.startFiles(ctx)
	r.Go(ctx, v.demonstrate)
	r.Go(ctx, v.receive)
	r.Go(ctx, v.stats)
	r.Go(ctx, v.forward)
	r.Go(ctx, v.cursorLoop)
	if p, err := r.Link().Path(); err == nil {
		v.emit(PathEvent{p})
	}
}

// receive waits for the video track and decodes it until the link closes.
func (v *techView) receive(ctx context.Context) {
	select {
	case t := <-v.r.Link().RemoteVideo():
		rcv, err := screen.NewReceiver(screen.ReceiverConfig{
			Track: t, Codec: session.CodecOf(t.Codec().MimeType),
			RequestKeyframe: func() error { return v.r.Link().RequestKeyframe(t) },
			RequestResend:   func(seqs []uint16) error { return v.r.Link().RequestResend(t, seqs) },
			OnFrame:         v.onFrame, ParityExtension: v.r.Link().ParityExtension(), Logger: v.log,
		})
		if err != nil {
			v.log.Error("video receiver", "err", err)
			return
		}
		v.mu.Lock()
		v.rcv = rcv
		v.mu.Unlock()
		rcv.Run()
	case <-ctx.Done():
	}
}

func (v *techView) onFrame(pic *vpx.I420, ts uint32) {
	now := time.Now()
	v.mu.Lock()
	at, ok := v.captured[ts]
	if ok {
		delete(v.captured, ts)
		if len(v.latencies) < maxTracked {
			v.latencies = append(v.latencies, float64(now.Sub(at).Microseconds())/1000)
		}
	}
	v.mu.Unlock()
	if v.events != nil {
		v.mu.Lock()
		mon := v.monitor
		v.mu.Unlock()
		v.emit(FrameEvent{Pic: pic, Monitor: mon, Captured: at})
	}
}

// Control records the agent's frame announcements, screen layout, mode,
// pointer shape, clipboard and refused input.
func (v *techView) Control(_ context.Context, env proto.Envelope) {
	switch env.Type {
	case proto.TypeFrameInfo:
		fi, err := proto.Body[proto.FrameInfo](env)
		if err != nil {
			return
		}
		v.mu.Lock()
		if len(v.captured) < maxTracked {
			v.captured[fi.RTPTime] = time.Unix(0, fi.Captured)
		}
		v.mu.Unlock()
	case proto.TypeModeState:
		v.onModeState(env)
	case proto.TypeCursorShape:
		v.onCursorShape(env)
	case proto.TypeClipboard:
		c, err := proto.Body[proto.Clipboard](env)
		if err != nil {
			return
		}
		text, done, err := v.clipIn.Add(c)
		if err != nil {
			v.log.Warn("customer's clipboard not received", "err", err)
		}
		if !done {
			return
		}
		v.r.Report().Clipboard(text)
		v.emit(ClipboardEvent{Text: text})
	case proto.TypeInputRefused:
		m, err := proto.Body[proto.InputRefused](env)
		if err != nil {
			return
		}
		v.r.Report().InputRefused(m)
		v.emit(InputRefusedEvent{m})
	case proto.TypeScreenInfo:
		info, err := proto.Body[proto.ScreenInfo](env)
		if err != nil {
			return
		}
		v.mu.Lock()
		v.monitor = info.Current
		v.mu.Unlock()
		v.r.Report().Screen(info)
		v.emit(ScreenEvent{info})
	}
}

// forward sends the handle's live input, clipboard requests and monitor
// choices to the agent.
func (v *techView) forward(ctx context.Context) {
	ch := v.r.Link().Channel(peer.ChannelInput)
	var buf []byte
	for {
		select {
		case o := <-v.req.out:
			switch o.kind {
			case outInput:
				buf = input.Encode(buf[:0], o.ev)
				if err := ch.Send(ctx, append([]byte(nil), buf...)); err != nil {
					return
				}
			case outClipboard:
				v.sendClipboard(ctx, o.text)
			case outMonitor:
				v.r.SendControl(ctx, proto.TypeSelectMonitor, proto.SelectMonitor{ID: o.monitor})
			}
		case <-ctx.Done():
			return
		}
	}
}

// sendClipboard puts text on the agent's clipboard, or asks for the
// agent's when text is empty. Text beyond proto.MaxClipboard is refused.
func (v *techView) sendClipboard(ctx context.Context, text string) {
	if text == "" {
		v.r.SendControl(ctx, proto.TypeClipboardGet, proto.ClipboardGet{})
		return
	}
	if len(text) > proto.MaxClipboard {
		v.log.Warn("clipboard text too long to send", "bytes", len(text), "max", proto.MaxClipboard)
		return
	}
	v.clipOut.Lock()
	defer v.clipOut.Unlock()
	for _, piece := range proto.SplitClipboard(text) {
		if err := v.r.SendControl(ctx, proto.TypeClipboard, piece); err != nil {
			return
		}
	}
}

// stats reports the stream's figures every StatsEvery.
func (v *techView) stats(ctx context.Context) {
	t := time.NewTicker(v.cfg.StatsEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s := v.snapshot()
			v.r.Report().Stats(s)
			v.emit(StatsEvent{s})
		case <-ctx.Done():
			return // finish reports the final figures
		}
	}
}

// Final reports the figures of the whole session's last stretch.
func (v *techView) Final() {
	v.r.Report().Stats(v.snapshot())
}

// snapshot computes the figures since the previous one.
func (v *techView) snapshot() session.Stats {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := time.Now()
	s := session.Stats{RTTms: float64(v.r.Link().RoundTrip().Microseconds()) / 1000}
	if v.rcv != nil {
		frames, bytes := v.rcv.Decoded(), v.rcv.Bytes()
		secs := now.Sub(v.lastAt).Seconds()
		if secs > 0 {
			s.FPS = float64(frames-v.lastCount) / secs
			s.Kbps = float64(bytes-v.lastBytes) * 8 / 1000 / secs
		}
		s.Frames, s.Dropped, s.Rebuilt = frames, v.rcv.Dropped(), v.rcv.Rebuilt()
		v.lastCount, v.lastBytes = frames, bytes
	}
	v.lastAt = now
	s.LatencyP50, s.LatencyP95 = percentiles(v.latencies)
	s.Samples = len(v.latencies)
	return s
}

func percentiles(ms []float64) (p50, p95 float64) {
	if len(ms) == 0 {
		return 0, 0
	}
	sorted := append([]float64(nil), ms...)
	sort.Float64s(sorted)
	at := func(q float64) float64 { return sorted[int(q*float64(len(sorted)-1)+0.5)] }
	return at(0.50), at(0.95)
}
