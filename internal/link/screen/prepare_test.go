package screen

import (
	"context"
	"image"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/tandem-remote/tandem/internal/media/capture"
	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// heardLog passes the messages of the records logged to it on to a
// channel, for a test to wait on what the code says it did.
type heardLog chan string

func (h heardLog) Enabled(context.Context, slog.Level) bool { return true }
func (h heardLog) Handle(_ context.Context, r slog.Record) error {
	h <- r.Message
	return nil
}
func (h heardLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h heardLog) WithGroup(string) slog.Handler      { return h }

// waitLog returns once msg is logged, failing the test after 10 s.
func (h heardLog) wait(t *testing.T, msg string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-h:
			if m == msg {
				return
			}
		case <-timeout:
			t.Fatalf("%q never logged", msg)
		}
	}
}

// heldScreen is a source that hands out frames only when the test sends
// them (a screen whose customer has not consented yet), and counts the
// calls to Next.
type heldScreen struct {
	fakeScreen
	calls chan int
	n     int
}

func (h *heldScreen) Next(ctx context.Context) (*capture.Frame, error) {
	h.n++
	h.calls <- h.n
	return h.fakeScreen.Next(ctx)
}

// TestPreparedSender: with Prepare the encoder is made before the first
// frame, and nothing leaves until a frame comes — not even when the
// receiver asks for a keyframe meanwhile. The first frame then goes out
// as a keyframe from the prepared encoder (none is made again), and the
// encoder is released when Run ends, also when it ends while preparing. A
// failed preparation only leaves the encoder to the first frame.
func TestPreparedSender(t *testing.T) {
	before := vpx.OpenEncoders()
	t.Run("held until the first frame", func(t *testing.T) {
		src := &heldScreen{fakeScreen: fakeScreen{frames: make(chan *capture.Frame)}, calls: make(chan int, 8)}
		var packets atomic.Int64
		keyframes, infos, heard := make(chan struct{}, 1), make(chan FrameInfo, 8), make(heardLog, 64)
		snd, err := NewSender(SenderConfig{Source: src, Keyframes: keyframes, Logger: slog.New(heard),
			Track:   writerFunc(func(*rtp.Packet) error { packets.Add(1); return nil }),
			OnFrame: func(fi FrameInfo) { infos <- fi },
			Prepare: func(context.Context) (image.Point, error) { return image.Pt(64, 48), nil }})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var runErr error
		done := make(chan struct{})
		go func() { runErr = snd.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
		heard.wait(t, "encoder prepared")
		if n := vpx.OpenEncoders(); n != before+1 {
			t.Fatalf("%d encoders open once prepared, want %d", n, before+1)
		}
		<-src.calls
		keyframes <- struct{}{} // the receiver asks before any frame
		<-src.calls             // the request was handled: the sender waits for a frame again
		if n := packets.Load(); n != 0 || len(infos) != 0 {
			t.Fatalf("%d packets, %d frames sent before the first frame came", n, len(infos))
		}
		src.frames <- paint(64, 48, 1, 2, 3, 0, 0)
		if fi := <-infos; !fi.Keyframe {
			t.Fatalf("first frame %+v: want a keyframe", fi)
		}
		cancel()
		if <-done; runErr != nil {
			t.Fatal(runErr)
		}
		if packets.Load() == 0 { // the frame is announced before its packets are written
			t.Fatal("the first frame was not written")
		}
		for len(heard) > 0 {
			if m := <-heard; m == "encoder ready" {
				t.Error("the encoder was made again for the first frame")
			}
		}
	})
	if n := vpx.OpenEncoders(); n != before {
		t.Errorf("%d encoders open after Run, want %d", n, before)
	}
	t.Run("cancelled while preparing", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		snd, err := NewSender(SenderConfig{Source: &fakeScreen{}, Track: writerFunc(func(*rtp.Packet) error { return nil }),
			Prepare: func(ctx context.Context) (image.Point, error) {
				cancel()
				return image.Pt(64, 48), ctx.Err()
			}})
		if err != nil {
			t.Fatal(err)
		}
		if err := snd.Run(ctx); err != nil {
			t.Fatalf("Run: %v, want nil once its context ends", err)
		}
	})
	if n := vpx.OpenEncoders(); n != before {
		t.Errorf("%d encoders open after a cancelled Run, want %d", n, before)
	}
	t.Run("failed preparing", func(t *testing.T) {
		src := &fakeScreen{frames: make(chan *capture.Frame)}
		infos := make(chan FrameInfo, 8)
		snd, err := NewSender(SenderConfig{Source: src, Track: writerFunc(func(*rtp.Packet) error { return nil }),
			OnFrame: func(fi FrameInfo) { infos <- fi },
			Prepare: func(context.Context) (image.Point, error) { return image.Point{}, nil }}) // no size libvpx takes
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- snd.Run(ctx) }()
		defer cancel()
		select {
		case src.frames <- paint(64, 48, 1, 2, 3, 0, 0):
		case err := <-done:
			t.Fatalf("Run ended after a failed preparation: %v", err)
		}
		if fi := <-infos; !fi.Keyframe {
			t.Errorf("first frame after a failed preparation %+v: want a keyframe", fi)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v, want sharing to go on after a failed preparation", err)
		}
	})
}
