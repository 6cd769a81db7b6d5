package techsession

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TestFollowCursor: the technician drops positions that arrive after a
// newer one, passes the others on as CursorEvents, and reports at most one
// every cursorReportGap, the last one of a movement included.
func TestFollowCursor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		var got []int32
		v := &techView{log: slog.New(slog.DiscardHandler), r: session.NewRun(session.Common{Report: session.NewReporter(&out, true)}, nil),
			events: func(e Event) {
				if c, ok := e.(CursorEvent); ok {
					got = append(got, c.X)
				}
			}}
		in := make(chan []byte)
		recv := func(ctx context.Context) ([]byte, error) {
			select {
			case b := <-in:
				return b, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { v.followCursor(ctx, recv); close(done) }()
		for _, p := range []proto.CursorPos{{Seq: 1, X: 1}, {Seq: 3, X: 3}, {Seq: 2, X: 2}} {
			in <- proto.AppendCursorPos(nil, p)
		}
		for i := int32(4); i < 24; i++ { // 20 moves over 200 ms
			time.Sleep(10 * time.Millisecond)
			in <- proto.AppendCursorPos(nil, proto.CursorPos{Seq: uint16(i), X: i})
		}
		time.Sleep(time.Second)
		cancel()
		<-done

		if len(got) != 22 || got[1] != 3 || got[2] != 4 {
			t.Errorf("OnCursor got x = %v, want 1, 3, 4…23 (2 arrived late)", got)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) < 2 || len(lines) > 3 {
			t.Fatalf("%d cursor reports in 230 ms, want 2 or 3:\n%s", len(lines), out.String())
		}
		var last struct{ X int32 }
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last.X != 23 {
			t.Errorf("last report %s, want x=23 (the end of the movement)", lines[len(lines)-1])
		}
	})
}
