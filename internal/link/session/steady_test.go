package session

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestReportSteady: a value is reported once it has stayed the same for
// the steady looks, once per change; a value that flickers, or that is
// not worth reporting, is not.
func TestReportSteady(t *testing.T) {
	looks := []string{"a", "a", "a", "a", "a", "b", "c", "b", "b", "b", "b", "", "", "", "", "b", "b", "b", "b"}
	ctx, cancel := context.WithCancel(context.Background())
	i := 0
	look := func() (string, bool) {
		if i == len(looks) {
			cancel()
			return "", false
		}
		v := looks[i]
		i++
		return v, v != ""
	}
	var got []string
	ReportSteady(ctx, time.Millisecond, 3, look, func(a, b string) bool { return a == b }, func(v string) { got = append(got, v) })
	// "a" after three more looks alike; "b" once it settles; the empty
	// stretch is never reported, and "b" again is not news.
	if want := []string{"a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("reported %q, want %q", got, want)
	}
}
