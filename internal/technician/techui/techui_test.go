package techui

import (
	"log/slog"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/proto"
)

func TestCustomerText(t *testing.T) {
	for _, c := range []struct {
		st   proto.ModeState
		want string
	}{
		{proto.ModeState{}, "waiting for the customer"},
		{proto.ModeState{Mode: proto.ModeControl, Request: 1, Answer: proto.AnswerAllowed}, "customer allows control"},
		{proto.ModeState{Mode: proto.ModeView, Request: 2, Answer: proto.AnswerRefused}, "the customer said no; customer allows viewing"},
		{proto.ModeState{Mode: proto.ModeControl, InputSuspended: true}, "the customer took back control"},
		{proto.ModeState{Mode: proto.ModeControl, Paused: true}, "paused by the customer"},
		{proto.ModeState{Mode: proto.ModeView, Request: 3, Answer: proto.AnswerNotGranted}, "not in your permissions"},
	} {
		if got := customerText(c.st); got != c.want {
			t.Errorf("%+v: %q, want %q", c.st, got, c.want)
		}
	}
}

// TestPresentedFigures: the capture → presented samples give the median
// and 95th percentile the stats log line reports, bounded in number.
func TestPresentedFigures(t *testing.T) {
	u := &ui{log: slog.New(slog.DiscardHandler)}
	for i := range maxPresented + 10 {
		u.addPresented(time.Now(), time.Duration(i%100+1)*time.Millisecond)
	}
	p50, p95, n := percentiles(u.presented)
	if n != maxPresented || p50 < 49 || p50 > 52 || p95 < 94 || p95 > 97 {
		t.Errorf("p50 %.1f ms, p95 %.1f ms over %d samples; want about 50 and 95 over %d", p50, p95, n, maxPresented)
	}
	if _, _, n := percentiles(nil); n != 0 {
		t.Errorf("no samples gave %d", n)
	}
}
