package screen

import (
	"context"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/tandem-remote/tandem/internal/media/capture"
)

// pipelines are the two agent pipelines every benchmark runs side by side.
var pipelines = []string{"tandem", "naive"}

// pipelineConfig is what a pipeline under test sends to and hears from.
type pipelineConfig struct {
	display   string
	track     RTPWriter
	keyframes <-chan struct{}
	bitrate   func() int // nil: fixed bitrate
	onFrame   func(FrameInfo)
	// encodes counts encode attempts, sent or dropped by rate control.
	// The Sender asks for the bitrate once per attempt, which is how
	// they are counted (0 means "keep the bitrate").
	encodes *atomic.Int64
}

// countEncodes wraps cfg.bitrate to count encode attempts in cfg.encodes.
func (cfg pipelineConfig) countEncodes() func() int {
	inner, n := cfg.bitrate, cfg.encodes
	if n == nil {
		return inner
	}
	return func() int {
		n.Add(1)
		if inner == nil {
			return 0
		}
		return inner()
	}
}

// startPipeline opens the screen and starts streaming it: kind "tandem" is
// the real capture.Screen and Sender, "naive" the baseline. Its goroutines
// carry the pprof label pipeline=KIND, so a CPU profile of a whole run can
// be narrowed to one (go tool pprof -tagfocus pipeline=tandem). stop ends
// it and releases the screen.
func startPipeline(tb testing.TB, kind string, cfg pipelineConfig) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var release func()
	var err error
	pprof.Do(ctx, pprof.Labels("pipeline", kind), func(ctx context.Context) {
		release, err = launch(ctx, kind, cfg, done)
	})
	if err != nil {
		cancel()
		tb.Fatalf("%s pipeline: %v", kind, err)
	}
	return func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("%s pipeline: %v", kind, err)
		}
		release()
	}
}

func launch(ctx context.Context, kind string, cfg pipelineConfig, done chan<- error) (func(), error) {
	if kind == "naive" {
		nc, err := openNaiveCapture(cfg.display)
		if err != nil {
			return nil, err
		}
		go func() { done <- runNaive(ctx, nc, cfg) }()
		return nc.close, nil
	}
	scr, err := capture.Open(ctx, capture.Options{Display: cfg.display})
	if err != nil {
		return nil, err
	}
	snd, err := NewSender(SenderConfig{Source: scr, Track: cfg.track, Keyframes: cfg.keyframes,
		Bitrate: cfg.countEncodes(), OnFrame: cfg.onFrame})
	if err != nil {
		scr.Close()
		return nil, err
	}
	go func() { done <- snd.Run(ctx) }()
	return func() { scr.Close() }, nil
}

// countingTrack counts RTP packets and bytes (header included) and passes
// them on to next, or discards them when next is nil.
type countingTrack struct {
	next           RTPWriter
	packets, bytes atomic.Int64
}

func (c *countingTrack) WriteRTP(p *rtp.Packet) error {
	c.packets.Add(1)
	c.bytes.Add(int64(12 + len(p.Payload)))
	if c.next != nil {
		return c.next.WriteRTP(p)
	}
	return nil
}

// frameCount counts sent frames and their encoded bytes.
type frameCount struct{ frames, bytes, keyframes atomic.Int64 }

func (f *frameCount) onFrame(fi FrameInfo) {
	f.frames.Add(1)
	f.bytes.Add(int64(fi.Bytes))
	if fi.Keyframe {
		f.keyframes.Add(1)
	}
}

// usage is a sample of the CPU time spent so far by this process (the
// pipeline), the X server and the scene client.
type usage struct {
	wall              time.Time
	self, xvfb, scene time.Duration
}

func sampleUsage(xvfbPID, scenePID int) usage {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	self := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return usage{wall: time.Now(), self: self, xvfb: procCPU(xvfbPID), scene: procCPU(scenePID)}
}

// percent returns each process's CPU between u and later as a percentage
// of one core.
func (u usage) percent(later usage) (self, xvfb, scene float64) {
	wall := float64(later.wall.Sub(u.wall))
	pct := func(a, b time.Duration) float64 { return 100 * float64(b-a) / wall }
	return pct(u.self, later.self), pct(u.xvfb, later.xvfb), pct(u.scene, later.scene)
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// procCPU returns utime+stime of process pid from /proc, or 0.
func procCPU(pid int) time.Duration {
	f := procStat(pid)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// procStat returns the fields of /proc/PID/stat after the command name
// (the first is the state), and the command name as a last element.
func procStat(pid int) []string {
	if pid <= 0 {
		return nil
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return nil
	}
	return append(strings.Fields(s[end+1:]), s[open+1:end])
}

// childPID finds this process's newest child named comm (xvfb.Start does
// not tell the PID of the Xvfb it starts), or returns 0.
func childPID(comm string) int {
	ents, _ := os.ReadDir("/proc")
	best := 0
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f := procStat(pid)
		if len(f) > 2 && f[len(f)-1] == comm && f[1] == strconv.Itoa(os.Getpid()) && pid > best {
			best = pid
		}
	}
	return best
}

// percentile returns the p-th percentile (0..100) of ds in ms, or -1.
func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return -1
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p / 100 * float64(len(s)-1))
	return float64(s[i]) / float64(time.Millisecond)
}
