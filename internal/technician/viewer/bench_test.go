package viewer

import (
	"context"
	"image"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// BenchmarkStream1080p30 feeds the viewer 1080p frames at 30 fps for 3 s,
// the way the technician does: each decoded I420 picture is converted to
// RGBA (vpx.I420ToRGBA, into a buffer the viewer hands back through
// Frame.Done) and passed to Show. It reports frames drawn and dropped, the
// conversion's cost, and CPU: this process (conversion, Gio, and Mesa's
// software renderer) and the Xvfb server, each in % of one core.
//
// The window sizes compare a 1280×800 window with a full-screen one (both
// scale the picture down to fit). The baseline, in the same run, redraws
// the 1280×800 window 30 times a second with no picture: the floor that
// Gio and the renderer cost whatever the viewer does.
func BenchmarkStream1080p30(b *testing.B) {
	for _, bc := range []struct {
		name     string
		cfg      Config
		baseline bool
	}{
		{"baseline-redraw-only-1280x800", Config{Title: title}, true},
		{"fit-1280x800", Config{Title: title}, false},
		{"full-1920x1080", Config{Title: title, Width: 1920, Height: 1080}, false},
	} {
		b.Run(bc.name, func(b *testing.B) { streamBench(b, bc.cfg, bc.baseline) })
	}
}

func streamBench(b *testing.B, cfg Config, baseline bool) {
	const (
		w, h    = 1920, 1080
		fps     = 30
		seconds = 3
	)
	xvfb := startXvfb(b)
	pics := movingI420(w, h, 8)
	pool := &rgbaPool{w: w, h: h}
	v := New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if !baseline {
		v.Show(pool.frame(b, pics[0], 0))
	}
	window(b, title)
	waitFor(b, "the first window frame", func() bool { return v.Stats().Redraws >= 1 })
	time.Sleep(200 * time.Millisecond) // let start-up settle before measuring

	before, xBefore, start := cpuTime(), procCPU(xvfb), time.Now()
	base := v.Stats()
	var convert time.Duration
	tick := time.NewTicker(time.Second / fps)
	defer tick.Stop()
	n := fps * seconds
	for i := 1; i <= n; i++ {
		<-tick.C
		if baseline {
			v.invalidate()
			continue
		}
		t0 := time.Now()
		f := pool.frame(b, pics[i%len(pics)], uint64(i))
		convert += time.Since(t0)
		v.Show(f)
	}
	time.Sleep(100 * time.Millisecond) // the last frame's draw
	wall := time.Since(start)
	st := v.Stats()
	b.ReportMetric(float64(st.Drawn-base.Drawn), "drawn")
	b.ReportMetric(float64(st.Dropped-base.Dropped), "dropped")
	b.ReportMetric(float64(n), "shown")
	b.ReportMetric(100*(cpuTime()-before).Seconds()/wall.Seconds(), "%cpu-viewer")
	b.ReportMetric(100*(procCPU(xvfb)-xBefore).Seconds()/wall.Seconds(), "%cpu-xvfb")
	b.ReportMetric(float64(convert.Microseconds())/1000/float64(n), "ms-convert/frame")
	b.ReportMetric(float64(st.Opened.Microseconds())/1000, "ms-open")
	if n := st.Redraws - base.Redraws; n > 0 {
		b.ReportMetric(float64((st.Render-base.Render).Microseconds())/1000/float64(n), "ms-render/redraw")
	}
}

// movingI420 makes n pictures of the test pattern with a bar moving
// across, as a scrolling screen changes.
func movingI420(w, h, n int) []*vpx.I420 {
	base := pattern(w, h)
	pics := make([]*vpx.I420, n)
	for i := range pics {
		img := image.NewRGBA(base.Rect)
		copy(img.Pix, base.Pix)
		x0 := i * w / n
		for y := 0; y < h; y++ {
			for x := x0; x < x0+w/n; x++ {
				img.Pix[img.PixOffset(x, y)+1] ^= 0x80
			}
		}
		pics[i] = toI420(img)
	}
	return pics
}

// toI420 converts through BGRX, the way the agent's capture does.
func toI420(img *image.RGBA) *vpx.I420 {
	bgrx := make([]byte, len(img.Pix))
	for i := 0; i < len(bgrx); i += 4 {
		bgrx[i], bgrx[i+1], bgrx[i+2] = img.Pix[i+2], img.Pix[i+1], img.Pix[i]
	}
	pic := vpx.NewI420(img.Rect.Dx(), img.Rect.Dy())
	if err := vpx.BGRXToI420(pic, bgrx, img.Stride); err != nil {
		panic(err)
	}
	return pic
}

// rgbaPool recycles frame buffers through Frame.Done.
type rgbaPool struct {
	w, h int
	mu   sync.Mutex
	free []*image.RGBA
}

func (p *rgbaPool) frame(b *testing.B, pic *vpx.I420, seq uint64) Frame {
	p.mu.Lock()
	var img *image.RGBA
	if n := len(p.free); n > 0 {
		img, p.free = p.free[n-1], p.free[:n-1]
	}
	p.mu.Unlock()
	if img == nil {
		img = image.NewRGBA(image.Rect(0, 0, p.w, p.h))
	}
	if err := vpx.I420ToRGBA(img, pic); err != nil {
		b.Fatal(err)
	}
	return Frame{Image: img, Seq: seq, Done: func() {
		p.mu.Lock()
		p.free = append(p.free, img)
		p.mu.Unlock()
	}}
}

// cpuTime is this process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the CPU time of the Xvfb serving display, from /proc.
func procCPU(display string) time.Duration {
	pid := xvfbPID(display)
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}
