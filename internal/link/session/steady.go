package session

import (
	"context"
	"time"
)

// ReportSteady looks at something on screen every interval and reports it
// whenever it has changed and then stayed the same for steady looks in a
// row — a window still being laid out or moved can miss a click aimed at
// what it showed a moment ago — until ctx ends. A look that says !ok (nothing
// worth reporting) is never reported. It serves the -json events that tell
// automation where controls are (the agent's panel, the viewer, the desk).
func ReportSteady[T any](ctx context.Context, interval time.Duration, steady int, look func() (T, bool), equal func(a, b T) bool, report func(T)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var last, reported T
	var lastOK, reportedAny bool
	same := 0
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		now, ok := look()
		if !lastOK || !equal(now, last) {
			last, lastOK, same = now, true, 0
			continue
		}
		if same++; same == steady && ok && (!reportedAny || !equal(now, reported)) {
			reported, reportedAny = now, true
			report(now)
		}
	}
}
