package screen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

// The benchmarks' scene is an X client that changes the screen as a user
// would. It runs in a process of its own (this test binary, re-executed
// with sceneEnv set) so that its CPU time is not counted as the pipeline's.
//
// Scenes: "idle" draws a page of text once and nothing more; "typing"
// draws three glyph-sized cells 10 times a second; "scrolling" shifts the
// whole page up 4 rows 30 times a second (CopyArea of the window onto
// itself) and draws the rows that come into view. Scrolling also stamps a
// 16-bit frame counter into its toolbar and prints when it drew each value,
// so a receiver can measure drawn→decoded latency across processes.
const (
	sceneEnv        = "TANDEM_BENCH_SCENE"
	sceneDisplayEnv = "TANDEM_BENCH_DISPLAY"
)

// Scene geometry: a full-screen window, a static toolbar on top, text below.
const (
	toolbarH     = 40
	lineH        = 20 // a 16-row glyph cell and 4 rows of leading
	glyphW       = 8
	glyphH       = 16
	scrollStep   = 4
	stampBits    = 16
	stampX       = 8 // first stamp block; each block is 16×16, 20 apart
	stampY       = 12
	stampBlock   = 16
	stampSpacing = 20
)

// sceneProc is a running scene client.
type sceneProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	read  chan struct{} // closed when its stdout ends

	mu    sync.Mutex
	drawn map[uint16]time.Time // stamp value → when the scene drew it
}

// startScene runs the scene client kind on display and waits until it has
// drawn its first picture. It is stopped when the benchmark ends.
func startScene(tb testing.TB, display, kind string) *sceneProc {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchSceneClient$")
	cmd.Env = append(os.Environ(), sceneEnv+"="+kind, sceneDisplayEnv+"="+display)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start scene client: %v", err)
	}
	p := &sceneProc{cmd: cmd, stdin: stdin, read: make(chan struct{}), drawn: map[uint16]time.Time{}}
	tb.Cleanup(p.stop)
	ready := make(chan struct{})
	go p.readLines(stdout, ready)
	select {
	case <-ready:
	case <-p.read:
		tb.Fatalf("scene client %s ended before it was ready", kind)
	case <-time.After(20 * time.Second):
		tb.Fatalf("scene client %s not ready after 20 s", kind)
	}
	return p
}

func (p *sceneProc) pid() int { return p.cmd.Process.Pid }

// readLines records "f COUNTER UNIXNANO" lines and closes ready on "ready".
func (p *sceneProc) readLines(r io.Reader, ready chan struct{}) {
	defer close(p.read)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 1 && f[0] == "ready":
			close(ready)
		case len(f) == 3 && f[0] == "f":
			n, err1 := strconv.ParseUint(f[1], 10, 16)
			ns, err2 := strconv.ParseInt(f[2], 10, 64)
			if err1 == nil && err2 == nil {
				p.mu.Lock()
				p.drawn[uint16(n)] = time.Unix(0, ns)
				p.mu.Unlock()
			}
		}
	}
}

// drawnAt returns when the scene drew stamp value n.
func (p *sceneProc) drawnAt(n uint16) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.drawn[n]
	return t, ok
}

// stop closes the client's stdin, which ends it, and waits; it kills the
// client (by its PID) if it has not ended within five seconds.
func (p *sceneProc) stop() {
	p.stdin.Close()
	exited := make(chan struct{})
	go func() { <-p.read; p.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-exited
	}
}

// TestBenchSceneClient is the scene client's entry point when the test
// binary is re-executed by startScene; otherwise it skips.
func TestBenchSceneClient(t *testing.T) {
	kind := os.Getenv(sceneEnv)
	if kind == "" {
		t.Skip("helper process of BenchmarkPipeline (runs only when " + sceneEnv + " is set)")
	}
	stop := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(stop) }() // stdin closed: end
	if err := runScene(os.Getenv(sceneDisplayEnv), kind, os.Stdout, stop); err != nil {
		fmt.Fprintln(os.Stderr, "scene client:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runScene draws scene kind on display until stop is closed.
func runScene(display, kind string, out io.Writer, stop <-chan struct{}) error {
	xconn.Quiet()
	s, err := newSceneWin(display)
	if err != nil {
		return err
	}
	defer s.c.Close()
	w := bufio.NewWriter(out)
	fmt.Fprintln(w, "ready")
	w.Flush()
	var step func(i int)
	rate := 30
	switch kind {
	case "idle":
		<-stop
		return nil
	case "typing":
		rate, step = 10, func(int) { s.typeGlyphs(3); s.sync() }
	case "scrolling":
		step = func(i int) {
			drawn := time.Now()
			s.stamp(uint16(i))
			s.scroll()
			s.sync()
			fmt.Fprintf(w, "f %d %d\n", uint16(i), drawn.UnixNano())
			w.Flush()
		}
	default:
		return fmt.Errorf("unknown scene %q", kind)
	}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for i := 1; ; i++ {
		select {
		case <-stop:
			return nil
		case <-tick.C:
		}
		step(i) // each step ends with sync: the server has drawn it
	}
}

// sceneWin is the scene's window and the document it shows.
type sceneWin struct {
	c      *xgb.Conn
	win    xproto.Window
	gc     xproto.Gcontext
	depth  byte
	w, h   int
	doc    []byte // docH rows of BGRX text, shown from row top (wrapping)
	docH   int
	top    int
	rng    *rand.Rand
	caret  [2]int // where typeGlyphs draws next
	rowBuf []byte
}

func newSceneWin(display string) (*sceneWin, error) {
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", display, err)
	}
	scr := xproto.Setup(c).DefaultScreen(c)
	s := &sceneWin{c: c, depth: scr.RootDepth, w: int(scr.WidthInPixels), h: int(scr.HeightInPixels),
		rng: rand.New(rand.NewPCG(7, 7))}
	if s.win, err = xproto.NewWindowId(c); err == nil {
		s.gc, err = xproto.NewGcontextId(c)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	err = xproto.CreateWindowChecked(c, s.depth, s.win, scr.Root, 0, 0, uint16(s.w), uint16(s.h), 0,
		xproto.WindowClassInputOutput, scr.RootVisual, xproto.CwBackPixel|xproto.CwOverrideRedirect,
		[]uint32{0xffffff, 1}).Check()
	if err == nil {
		err = xproto.MapWindowChecked(c, s.win).Check()
	}
	if err == nil {
		// No GraphicsExpose events from CopyArea: nobody reads them.
		err = xproto.CreateGCChecked(c, s.gc, xproto.Drawable(s.win),
			xproto.GcForeground|xproto.GcGraphicsExposures, []uint32{0x404040, 0}).Check()
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("scene window: %w", err)
	}
	s.makeDoc()
	s.caret = [2]int{48, toolbarH + 8*lineH}
	xproto.PolyFillRectangle(c, xproto.Drawable(s.win), s.gc, []xproto.Rectangle{{Width: uint16(s.w), Height: toolbarH}})
	s.putDocRows(toolbarH, s.h-toolbarH)
	s.sync()
	return s, nil
}

// sync waits until the server has carried out every request so far.
func (s *sceneWin) sync() { xproto.GetInputFocus(s.c).Reply() }

// makeDoc renders two screens of text: lines of glyphs of varying length
// on white, the way a document or a terminal looks to a codec.
func (s *sceneWin) makeDoc() {
	s.docH = 2 * s.h / lineH * lineH
	s.doc = make([]byte, 4*s.w*s.docH)
	for i := range s.doc {
		s.doc[i] = 0xff
	}
	for y := 0; y+lineH <= s.docH; y += lineH {
		end := 48 + s.rng.IntN(s.w-96)
		for x := 48; x+glyphW <= end; x += glyphW {
			if s.rng.IntN(7) != 0 { // spaces between words
				s.glyph(s.doc, 4*s.w, x, y+2)
			}
		}
	}
}

// glyph draws a random character-like pattern (strokes in a 6×11 grid)
// into the glyph cell at (x, y) of the BGRX image pix.
func (s *sceneWin) glyph(pix []byte, stride, x, y int) {
	bits := s.rng.Uint64()
	for i := range 6 * 11 {
		if bits>>(i%64)&1 == 1 && i%3 != 0 {
			o := (y+3+i/6)*stride + (x+1+i%6)*4
			pix[o], pix[o+1], pix[o+2] = 0x20, 0x20, 0x20
		}
	}
}

// putDocRows draws n document rows, from the current top, at window row y.
func (s *sceneWin) putDocRows(y, n int) {
	const chunk = 16 // rows per PutImage: well under the 256 KiB request limit
	for done := 0; done < n; done += chunk {
		rows := min(chunk, n-done)
		s.rowBuf = s.rowBuf[:0]
		for r := range rows {
			dy := (s.top + y - toolbarH + done + r) % s.docH
			s.rowBuf = append(s.rowBuf, s.doc[dy*4*s.w:(dy+1)*4*s.w]...)
		}
		xproto.PutImage(s.c, xproto.ImageFormatZPixmap, xproto.Drawable(s.win), s.gc,
			uint16(s.w), uint16(rows), 0, int16(y+done), 0, s.depth, s.rowBuf)
	}
}

// scroll moves the text up scrollStep rows and draws the rows that appear.
func (s *sceneWin) scroll() {
	content := s.h - toolbarH
	xproto.CopyArea(s.c, xproto.Drawable(s.win), xproto.Drawable(s.win), s.gc,
		0, int16(toolbarH+scrollStep), 0, toolbarH, uint16(s.w), uint16(content-scrollStep))
	s.top = (s.top + scrollStep) % s.docH
	s.putDocRows(s.h-scrollStep, scrollStep)
}

// typeGlyphs draws n new characters at the caret, as a user typing would.
func (s *sceneWin) typeGlyphs(n int) {
	cell := make([]byte, 4*glyphW*glyphH)
	for range n {
		for i := range cell {
			cell[i] = 0xff
		}
		s.glyph(cell, 4*glyphW, 0, 0)
		xproto.PutImage(s.c, xproto.ImageFormatZPixmap, xproto.Drawable(s.win), s.gc,
			glyphW, glyphH, int16(s.caret[0]), int16(s.caret[1]+2), 0, s.depth, cell)
		s.caret[0] += glyphW
		if s.caret[0]+glyphW > s.w-48 {
			s.caret = [2]int{48, s.caret[1] + lineH}
			if s.caret[1]+lineH > s.h {
				s.caret[1] = toolbarH
			}
		}
	}
}

// stamp draws n into the toolbar: a white reference block, stampBits
// blocks (white = 1, most significant first) and a black reference block.
func (s *sceneWin) stamp(n uint16) {
	var white, black []xproto.Rectangle
	for i := range stampBits + 2 {
		r := xproto.Rectangle{X: int16(stampX + i*stampSpacing), Y: stampY, Width: stampBlock, Height: stampBlock}
		bit := i >= 1 && i <= stampBits && n>>(stampBits-i)&1 == 1
		if i == 0 || bit {
			white = append(white, r)
		} else {
			black = append(black, r)
		}
	}
	s.fill(0xffffff, white)
	s.fill(0x000000, black)
	xproto.ChangeGC(s.c, s.gc, xproto.GcForeground, []uint32{0x404040})
}

func (s *sceneWin) fill(rgb uint32, rs []xproto.Rectangle) {
	if len(rs) == 0 {
		return
	}
	xproto.ChangeGC(s.c, s.gc, xproto.GcForeground, []uint32{rgb})
	xproto.PolyFillRectangle(s.c, xproto.Drawable(s.win), s.gc, rs)
}
