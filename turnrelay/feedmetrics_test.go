package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestFeedMetrics: a feed is up only once an answer arrived and while
// the last poll worked; its last success stays through a failure.
func TestFeedMetrics(t *testing.T) {
	var fetched time.Time
	var pollErr error
	reg := prometheus.NewRegistry()
	if err := registerFeed(reg, "blocks", func() (time.Time, error) { return fetched, pollErr }); err != nil {
		t.Fatal(err)
	}
	expect := func(when string, up int, ts string) {
		t.Helper()
		want := `
# HELP tandem_turn_feed_last_success_timestamp_seconds When the feed last had a good answer, in Unix seconds (0: never).
# TYPE tandem_turn_feed_last_success_timestamp_seconds gauge
tandem_turn_feed_last_success_timestamp_seconds{feed="blocks"} ` + ts + `
# HELP tandem_turn_feed_up 1 when the feed's last poll of the signaling server worked, 0 when it failed or none answered yet.
# TYPE tandem_turn_feed_up gauge
tandem_turn_feed_up{feed="blocks"} ` + string(rune('0'+up)) + "\n"
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
			t.Errorf("%s: %v", when, err)
		}
	}
	expect("before the first poll", 0, "0")
	fetched = time.Unix(1_800_000_000, 500_000_000)
	expect("after a good poll", 1, "1.8000000005e+09")
	pollErr = errors.New("connection refused")
	expect("after a failed poll", 0, "1.8000000005e+09")
	if err := registerFeed(reg, "blocks", func() (time.Time, error) { return time.Time{}, nil }); err == nil {
		t.Error("a second feed of the same name registered")
	}
}
