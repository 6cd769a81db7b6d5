package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// feedStatus is what a feed says of its polls: when the last good
// answer arrived (zero: none yet) and the last poll's error.
type feedStatus func() (fetched time.Time, err error)

// registerFeed exports how fresh a feed is, so that IT can alert on a
// relay that no longer hears from the signaling server: through an
// outage the relay keeps the last block list and lets credentials of
// ended sessions live until their expiry, which only these series show.
func registerFeed(reg prometheus.Registerer, name string, status feedStatus) error {
	labels := prometheus.Labels{"feed": name}
	up := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tandem_turn_feed_up", ConstLabels: labels,
		Help: "1 when the feed's last poll of the signaling server worked, 0 when it failed or none answered yet.",
	}, func() float64 {
		if fetched, err := status(); err != nil || fetched.IsZero() {
			return 0
		}
		return 1
	})
	last := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tandem_turn_feed_last_success_timestamp_seconds", ConstLabels: labels,
		Help: "When the feed last had a good answer, in Unix seconds (0: never).",
	}, func() float64 {
		fetched, _ := status()
		if fetched.IsZero() {
			return 0
		}
		return float64(fetched.UnixNano()) / 1e9
	})
	for _, c := range []prometheus.Collector{up, last} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
