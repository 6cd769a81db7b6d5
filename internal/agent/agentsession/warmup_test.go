package agentsession

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/platform"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/media/vpx"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// onLog is a slog handler that closes a channel when a record with its
// message is logged: a test waits on what the agent says it did.
type onLog struct {
	msg  string
	once *sync.Once
	seen chan struct{}
}

func newOnLog(msg string) onLog {
	return onLog{msg: msg, once: &sync.Once{}, seen: make(chan struct{})}
}

func (h onLog) Enabled(context.Context, slog.Level) bool { return true }
func (h onLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.once.Do(func() { close(h.seen) })
	}
	return nil
}
func (h onLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h onLog) WithGroup(string) slog.Handler      { return h }

// warmCustomer answers the first question only once the agent has
// prepared its encoder, by calling then; it answers everything else
// "refused".
type warmCustomer struct {
	*scriptedCustomer
	prepared <-chan struct{}
	then     func(ctx context.Context) string
	// open and segments are how many encoders and shared-memory segments
	// were open when the customer answered.
	open, segments int
}

func (c *warmCustomer) Ask(ctx context.Context, q session.Question) string {
	if c.then == nil {
		return proto.AnswerRefused
	}
	select {
	case <-c.prepared:
	case <-ctx.Done():
		return proto.AnswerRefused
	}
	c.open, c.segments = vpx.OpenEncoders(), shmSegments()
	then := c.then
	c.then = nil
	return then(ctx)
}

// shmSegments counts the System V shared-memory segments this process
// created that still exist (the capture's, once it grabbed); -1 when the
// system does not list them.
func shmSegments() int {
	b, err := os.ReadFile("/proc/sysvipc/shm")
	if err != nil {
		return -1
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	n, pid := 0, strconv.Itoa(os.Getpid())
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) > 4 && f[4] == pid { // cpid
			n++
		}
	}
	return n
}

// TestWarmupReleased: the agent prepares the encoder (and the capture)
// while the customer reads the question; when the customer then refuses,
// or the session ends before an answer, the prepared encoder, the shared
// memory and every goroutine are released, and no picture ever reached
// the technician.
func TestWarmupReleased(t *testing.T) {
	for _, c := range []struct {
		name string
		// then is the customer's answer once the warm-up is done; end
		// ends the agent's session (an interrupt).
		then    func(ctx context.Context, end context.CancelFunc) string
		agentOK func(error) bool
		techOK  func(error) bool
	}{
		{"refused", func(context.Context, context.CancelFunc) string { return proto.AnswerRefused },
			func(err error) bool { return err == nil }, func(err error) bool { return errors.Is(err, session.ErrRefused) }},
		{"session ended while asking", func(ctx context.Context, end context.CancelFunc) string {
			end()
			<-ctx.Done()
			return proto.AnswerRefused
		}, func(err error) bool { return err == nil }, func(error) bool { return true }},
	} {
		t.Run(c.name, func(t *testing.T) {
			leakcheck.Check(t)
			encoders, segments := vpx.OpenEncoders(), shmSegments()
			if segments < 0 {
				t.Skip("this system does not list shared-memory segments (/proc/sysvipc/shm)")
			}
			display := xvfb.Start(t, 640, 480)
			s := newStack(t, "udp")
			tech, agent := newEvents(), newEvents()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			techDone := make(chan error, 1)
			go func() {
				techDone <- techsession.New(techsession.TechnicianConfig{Common: s.common(tech, false), Token: s.token, Monitor: -1}).Run(ctx)
			}()
			code := tech.next(t, "code")["code"].(string)
			stop := make(chan struct{})
			techEvents, agentEvents := collect(tech, stop), collect(agent, stop)
			prepared := newOnLog("encoder prepared")
			agentCtx, endAgent := context.WithCancel(ctx)
			defer endAgent()
			cust := &warmCustomer{scriptedCustomer: newScriptedCustomer(), prepared: prepared.seen}
			cust.then = func(ctx context.Context) string { return c.then(ctx, endAgent) }
			common := s.common(agent, false)
			common.Logger = slog.New(prepared)
			agentErr := RunAgent(agentCtx, AgentConfig{Common: common, Code: code, Customer: cust,
				Platform: platform.Native(platform.Config{Display: display})})
			cancel() // the technician, when the agent was interrupted
			techErr := <-techDone
			close(stop)
			techSeen := <-techEvents
			<-agentEvents
			if !c.agentOK(agentErr) || !c.techOK(techErr) {
				t.Fatalf("agent: %v; technician: %v", agentErr, techErr)
			}
			if cust.open != encoders+1 {
				t.Errorf("%d encoders open when the customer answered, want %d (the prepared one)", cust.open, encoders+1)
			}
			if n := vpx.OpenEncoders(); n != encoders {
				t.Errorf("%d encoders open after the session, want %d", n, encoders)
			}
			if cust.segments != segments+1 {
				t.Errorf("%d shared-memory segments when the customer answered, want %d (the prepared capture's)", cust.segments, segments+1)
			}
			if n := shmSegments(); n != segments {
				t.Errorf("%d shared-memory segments of this process after the session, want %d", n, segments)
			}
			for _, st := range techSeen.all("stats") {
				if st["frames_decoded"] != 0.0 || st["kbps"] != 0.0 {
					t.Errorf("technician's stats %v: video came before consent", st)
				}
			}
		})
	}
}

// TestFirstFrameAfterAllow: with the encoder prepared and the screen
// grabbed while the question is open, the first picture the technician
// decodes is the screen as it is at Allow — painted white after the
// warm-up, red before — never the warm-up's grab nor a blank picture;
// the session's end then releases the encoder.
func TestFirstFrameAfterAllow(t *testing.T) {
	leakcheck.Check(t)
	encoders := vpx.OpenEncoders()
	display := xvfb.Start(t, 640, 480)
	x := xvfb.Connect(t, display)
	whole := image.Rect(0, 0, 640, 480)
	x.Window(whole, 0xd02020)
	s := newStack(t, "udp")
	tech, agent := newEvents(), newEvents()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	firstY := make(chan byte, 1) // luma in the middle of the first picture decoded
	onEvent := func(e techsession.Event) {
		if f, ok := e.(techsession.FrameEvent); ok {
			select {
			case firstY <- f.Pic.Y[f.Pic.Height/2*f.Pic.StrideY+f.Pic.Width/2]:
			default:
			}
		}
	}
	techDone := make(chan error, 1)
	go func() {
		techDone <- techsession.New(techsession.TechnicianConfig{Common: s.common(tech, false), Token: s.token, Monitor: -1, Events: onEvent}).Run(ctx)
	}()
	code := tech.next(t, "code")["code"].(string)
	stop := make(chan struct{})
	techEvents, agentEvents := collect(tech, stop), collect(agent, stop)
	defer func() { close(stop); <-techEvents; <-agentEvents }()

	prepared := newOnLog("encoder prepared")
	asked, painted := make(chan struct{}), make(chan struct{})
	cust := &warmCustomer{scriptedCustomer: newScriptedCustomer(), prepared: prepared.seen}
	cust.then = func(ctx context.Context) string {
		close(asked)
		select {
		case <-painted:
			return proto.AnswerAllowed
		case <-ctx.Done():
			return proto.AnswerRefused
		}
	}
	common := s.common(agent, false)
	common.Logger = slog.New(prepared)
	agentCtx, endAgent := context.WithCancel(ctx)
	defer endAgent()
	agentDone := make(chan error, 1)
	go func() {
		agentDone <- RunAgent(agentCtx, AgentConfig{Common: common, Code: code, Customer: cust,
			Platform: platform.Native(platform.Config{Display: display})})
	}()
	select {
	case <-asked:
	case err := <-agentDone:
		t.Fatalf("agent ended before the question was answered: %v", err)
	}
	x.Window(whole, 0xffffff)
	close(painted)
	select {
	case y := <-firstY:
		if y < 200 {
			t.Errorf("first picture decoded has luma %d in the middle, want white (>= 200): not the screen at Allow", y)
		}
	case <-ctx.Done():
		t.Fatal("no picture decoded after Allow")
	}
	endAgent()
	if err := <-agentDone; err != nil {
		t.Errorf("agent: %v", err)
	}
	cancel()
	<-techDone
	if cust.open != encoders+1 {
		t.Errorf("%d encoders open when the customer answered, want %d (the prepared one)", cust.open, encoders+1)
	}
	if n := vpx.OpenEncoders(); n != encoders {
		t.Errorf("%d encoders open after the session, want %d", n, encoders)
	}
}
