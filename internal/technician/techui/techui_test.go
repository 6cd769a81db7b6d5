package techui

import (
	"testing"

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
