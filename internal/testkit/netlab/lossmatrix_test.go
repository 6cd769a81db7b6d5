package netlab

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLossMatrix prints what the technician sees of a live screen at each
// loss rate, direct and relayed. It takes minutes, so it runs only when
// TANDEM_LOSS_MATRIX is set (make bench-loss); TANDEM_LOSS_RATES
// ("0,5,10"), TANDEM_LOSS_SECONDS (20) and TANDEM_LOSS_NODELAY narrow it.
// The delayed rows add 50 ms of round trip on the agent's last hop.
// TANDEM_LOSS_POLICE=kbit adds a policer on the technician's router
// (Site.Police) to every row.
// TANDEM_LOSS_BASE names a directory with an agent and a technician built
// from a baseline revision (scripts/bench-loss.sh BASE=rev): each row then
// runs the baseline right before this tree, side by side in one run.
func TestLossMatrix(t *testing.T) {
	if os.Getenv("TANDEM_LOSS_MATRIX") == "" {
		t.Skip("set TANDEM_LOSS_MATRIX=1 (make bench-loss) for the loss matrix")
	}
	rates := lossRates(t)
	secs := "20"
	if s := os.Getenv("TANDEM_LOSS_SECONDS"); s != "" {
		secs = s
	}
	var rows []string
	delays := []time.Duration{0, 25 * time.Millisecond}
	if os.Getenv("TANDEM_LOSS_NODELAY") != "" {
		delays = delays[:1]
	}
	police := 0
	if s := os.Getenv("TANDEM_LOSS_POLICE"); s != "" {
		var err error
		if police, err = strconv.Atoi(s); err != nil {
			t.Fatalf("TANDEM_LOSS_POLICE: %v", err)
		}
	}
	builds := []string{""}
	if b := os.Getenv("TANDEM_LOSS_BASE"); b != "" {
		builds = []string{b, ""}
	}
	for _, relay := range []bool{false, true} {
		for _, delay := range delays {
			for _, r := range rates {
				for _, base := range builds {
					build := "this"
					if base != "" {
						build = "base"
					}
					name := fmt.Sprintf("loss%g%%/rtt+%v/relay=%v/%s", r, 2*delay, relay, build)
					t.Run(name, func(t *testing.T) {
						v := runVideo(t, videoCase{loss: r / 100, relayOnly: relay, delay: delay, endAfter: secs + "s", base: base, police: police})
						rows = append(rows, fmt.Sprintf("| %g %% | %v | %v | %s | %s | %d | %.1f | %d | %d | %d | %.0f | %.0f | %.0f | %d |", r, 2*delay, relay, build,
							v.Path, v.Frames, float64(v.Frames)/float64(max(v.Seconds, 1)), v.Stall, v.Dropped, v.Rebuilt,
							v.LatencyP50, v.LatencyP95, v.Kbps, v.Target))
					})
				}
			}
		}
	}
	fmt.Println("| loss each way | added RTT | relay-only | build | path | frames | fps | longest stall s | dropped | rebuilt | latency p50 ms | p95 ms | kbit/s | target kbit/s |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Println(r)
	}
}

// lossRates is TANDEM_LOSS_RATES parsed, or every rate of the matrix.
func lossRates(t *testing.T) []float64 {
	t.Helper()
	rates := []float64{0, 2, 5, 10, 20}
	if s := os.Getenv("TANDEM_LOSS_RATES"); s != "" {
		rates = rates[:0]
		for _, f := range strings.Split(s, ",") {
			r, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatalf("TANDEM_LOSS_RATES: %v", err)
			}
			rates = append(rates, r)
		}
	}
	return rates
}
