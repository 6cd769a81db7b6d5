//go:build linux

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/wintest"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// idleProgram is the trivial Go baseline of TestWineIdleCPU, built like
// the agent: it prints {"event":"ready"} and blocks (its main goroutine
// waits on its own process handle: a select{} alone would end it, as
// Go's runtime reports the deadlock), and by argv[1] also runs a 50 ms
// time.Ticker (ticker), a 5 ms and a 20 ms one (pion: the wake-ups of
// pion's GCC pacer and of the NACK generator at the link's interval, which
// run in every peer connection from its start, idle or not), or keeps a
// hidden Win32 window with a message loop on a locked thread (win32), as
// the agent's logoff window does.
const idleProgram = `package main

import (
	"fmt"
	"os"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var user32 = windows.NewLazySystemDLL("user32.dll")

func main() {
	mode := "block"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "ticker":
		go func() {
			for range time.NewTicker(50 * time.Millisecond).C {
			}
		}()
	case "pion":
		for _, d := range []time.Duration{5 * time.Millisecond, 20 * time.Millisecond} {
			go func() {
				for range time.NewTicker(d).C {
				}
			}()
		}
	case "win32":
		go window()
	}
	fmt.Println(` + "`" + `{"event":"ready"}` + "`" + `)
	windows.WaitForSingleObject(windows.CurrentProcess(), windows.INFINITE)
}

func window() {
	runtime.LockOSThread()
	type class struct {
		size, style                   uint32
		proc                          uintptr
		clsExtra, wndExtra            int32
		instance, icon, cursor, brush windows.Handle
		menu, name                    *uint16
		iconSm                        windows.Handle
	}
	name, _ := windows.UTF16PtrFromString("idle")
	c := class{proc: user32.NewProc("DefWindowProcW").Addr(), name: name}
	c.size = uint32(unsafe.Sizeof(c))
	user32.NewProc("RegisterClassExW").Call(uintptr(unsafe.Pointer(&c)))
	user32.NewProc("CreateWindowExW").Call(0, uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(name)), 0x80000000, 0, 0, 10, 10, 0, 0, 0, 0)
	var msg [48]byte
	get, dispatch := user32.NewProc("GetMessageW"), user32.NewProc("DispatchMessageW")
	for {
		if r, _, _ := get.Call(uintptr(unsafe.Pointer(&msg)), 0, 0, 0); int32(r) <= 0 {
			return
		}
		dispatch.Call(uintptr(unsafe.Pointer(&msg)))
	}
}
`

// gioIdleProgram is the Gio baseline: a 300×200 window showing one label,
// drawn once per FrameEvent (Gio asks for none while nothing changes); it
// prints {"event":"ready"} after its first frame.
const gioIdleProgram = `package main

import (
	"fmt"
	"os"

	"gioui.org/app"
	"gioui.org/font/gofont"
	"gioui.org/op"
	"gioui.org/text"
	"gioui.org/unit"
	"gioui.org/widget/material"
)

func main() {
	go func() {
		w := new(app.Window)
		w.Option(app.Title("idle"), app.Size(unit.Dp(300), unit.Dp(200)))
		th := material.NewTheme()
		th.Shaper = text.NewShaper(text.WithCollection(gofont.Collection()))
		var ops op.Ops
		ready := false
		for {
			switch e := w.Event().(type) {
			case app.DestroyEvent:
				os.Exit(0)
			case app.FrameEvent:
				gtx := app.NewContext(&ops, e)
				material.H3(th, "idle").Layout(gtx)
				e.Frame(gtx.Ops)
				if !ready {
					ready = true
					fmt.Println(` + "`" + `{"event":"ready"}` + "`" + `)
				}
			}
		}
	}()
	app.Main()
}
`

// idleSpan is how long each phase of TestWineIdleCPU is measured, and
// idleSettle how long it is left first (its start's work and, for the
// agent's session, the capture's second before it polls slower).
const (
	idleSpan   = 20 * time.Second
	idleSettle = 3 * time.Second
)

// TestWineIdleCPU measures what the idle Windows agent costs under Wine 8
// on Xvfb against trivial Go programs cross-built the same way (same
// toolchain, same cgo environment, same Wine prefix) in the same run: the
// CPU of every process of the prefix (wineserver, Wine's own services and
// the program) and of the X server, per second over idleSpan, for a Go
// program that blocks, one with a 50 ms ticker, one with a hidden Win32
// window, a Gio window, then agent.exe (window included) asking its
// question and in a session whose screen is still. It prints figures and
// ratios and asserts none (set TANDEM_BENCH_CPU=1 to run it; about 4
// minutes). TANDEM_WINE_CPUPROFILE=FILE also has the agent write a CPU
// profile of its run there (platform's TANDEM_CPUPROFILE; it costs CPU
// itself under Wine, so the figures of that run are not the agent's),
// TANDEM_WINE_TRACE=FILE an execution trace (TANDEM_TRACE), and
// TANDEM_WINE_OVERLAY=FILE builds the agent with go build -overlay FILE,
// to measure a change without making it in the tree.
func TestWineIdleCPU(t *testing.T) {
	if os.Getenv("TANDEM_BENCH_CPU") == "" {
		t.Skip("a measurement, not a check: TANDEM_BENCH_CPU=1 runs it")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (scripts/install-deps.sh installs it)")
	}
	tools := wintest.Tools(t)
	dir := t.TempDir()
	root := wineGOROOT(t, dir)
	env := append(windowsEnv(t), "GOROOT="+root, "GOTOOLCHAIN=local", "PATH="+filepath.Join(root, "bin")+":"+os.Getenv("PATH"))
	gio := wineGio(t, dir)
	exe := filepath.Join(dir, "agent.exe")
	flags := []string{gio}
	if o := os.Getenv("TANDEM_WINE_OVERLAY"); o != "" {
		flags = append(flags, "-overlay="+o) // an experiment's changed files, not the tree's
	}
	goBuildWin(t, env, exe, "./agent", flags...)
	idle := buildIdle(t, env, dir, "idle", idleProgram)
	gioIdle := buildIdle(t, env, dir, "gioidle", gioIdleProgram, gio)

	display := xvfb.Start(t, 1024, 768)
	prefix := filepath.Join(dir, "prefix")
	wine := wintest.NewPrefix(t, tools, display, prefix)
	m := idleMeter{t: t, prefix: prefix, xserver: xserverPID()}
	var results []idleFigure
	for _, b := range []struct{ name, exe, arg string }{
		{"Go, blocked", idle, "block"},
		{"Go, 50 ms ticker", idle, "ticker"},
		{"Go, 5 ms + 20 ms tickers (pion)", idle, "pion"},
		{"Go, hidden Win32 window", idle, "win32"},
		{"Gio window", gioIdle, ""},
	} {
		p := start(t, wine.Wine, wine.Env, b.exe, b.arg)
		wineEvent(t, p, "ready")
		results = append(results, m.measure(b.name, filepath.Base(b.exe)))
		stopWine(t, p)
	}
	results = append(results, agentIdle(t, m, wine, display, exe)...)
	reportIdle(t, results)
}

// buildIdle cross-builds one baseline program from source.
func buildIdle(t *testing.T, env []string, dir, name, source string, flags ...string) string {
	t.Helper()
	src := filepath.Join(dir, name+".go")
	if err := os.WriteFile(src, []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, name+".exe")
	goBuildWin(t, env, exe, src, flags...)
	return exe
}

// agentIdle runs agent.exe against a signaling server and a headless
// technician: measured while its window asks the question, then in the
// allowed session with the screen still.
func agentIdle(t *testing.T, m idleMeter, wine wintest.Prefix, display, exe string) []idleFigure {
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	tech := start(t, b["technician"], nil, "-headless", "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw, "-json", "-monitor", "0")
	code := wineEvent(t, tech, "code")["code"].(string)
	env := slices.Clone(wine.Env)
	for from, to := range map[string]string{"TANDEM_WINE_CPUPROFILE": "TANDEM_CPUPROFILE", "TANDEM_WINE_TRACE": "TANDEM_TRACE"} {
		if p := os.Getenv(from); p != "" {
			abs, _ := filepath.Abs(p)
			env = append(env, to+"="+wintest.WinPath(abs))
		}
	}
	agent := start(t, wine.Wine, env, exe, "-keep", "-consent-timeout", "10m", "-server", srv.url, "-ca", wintest.WinPath(srv.ca), "-code", code, "-json")
	q := wineEvent(t, agent, "question")
	asking := m.measure("agent.exe, asking", "agent.exe")
	allow, ok := q["allow"].(map[string]any)
	if !ok {
		t.Fatalf("question without the Allow button's place: %v", q)
	}
	x, y := centre(allow)
	xdo(t, display, "mousemove", "--sync", x, y, "key", "--delay", "200", "Tab", "Return")
	wineEvent(t, tech, "connected")
	wineEvent(t, agent, "panel")
	session := m.measure("agent.exe, session, screen still", "agent.exe")
	if err := tech.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	tech.wait(t, 60*time.Second)
	agent.wait(t, 2*time.Minute) // the profile is written at the session's end
	if n, _ := tech.last("stats")["frames_decoded"].(float64); n < 1 {
		t.Errorf("technician decoded no frame: the agent's session did not run\n%s", agent.stderr.String())
	}
	return []idleFigure{asking, session}
}

// stopWine ends a program of the prefix (its wine process) and waits.
func stopWine(t *testing.T, p *proc) {
	t.Helper()
	p.cmd.Process.Kill()
	p.wait(t, 60*time.Second)
}

// idleFigure is one phase's CPU, as fractions of a core.
type idleFigure struct {
	name               string
	tree, min, max     float64            // every process of the prefix, mean and per-second range
	program, server, x float64            // the program, wineserver, the X server
	threads            map[string]float64 // the program's CPU seconds by thread name
}

// idleMeter samples the CPU of a Wine prefix's processes and its X server.
type idleMeter struct {
	t       *testing.T
	prefix  string
	xserver int
}

// measure waits idleSettle, then samples every second for idleSpan.
func (m idleMeter) measure(name, program string) idleFigure {
	time.Sleep(idleSettle)
	f := idleFigure{name: name, min: 1e9, threads: map[string]float64{}}
	prev, xprev, at := prefixCPU(m.prefix), processCPU(m.xserver), time.Now()
	tprev := programThreads(prev, program)
	var total, prog, server time.Duration
	for range int(idleSpan / time.Second) {
		time.Sleep(time.Second)
		cur, xcur, now := prefixCPU(m.prefix), processCPU(m.xserver), time.Now()
		var sum time.Duration
		for pid, c := range cur {
			d := c.cpu - prev[pid].cpu
			sum += d
			switch {
			case strings.EqualFold(c.name, program):
				prog += d
			case strings.HasPrefix(c.name, "wineserver"):
				server += d
			}
		}
		total += sum
		tcur := programThreads(cur, program)
		for tid, c := range tcur {
			f.threads[c.name] += (c.cpu - tprev[tid].cpu).Seconds()
		}
		tprev = tcur
		share := sum.Seconds() / now.Sub(at).Seconds()
		f.min, f.max = min(f.min, share), max(f.max, share)
		f.x += (xcur - xprev).Seconds()
		prev, xprev, at = cur, xcur, now
	}
	span := idleSpan.Seconds()
	f.tree, f.program, f.server, f.x = total.Seconds()/span, prog.Seconds()/span, server.Seconds()/span, f.x/span
	var threads []string
	for name, cpu := range f.threads {
		if cpu > 0 {
			threads = append(threads, fmt.Sprintf("%s %.1f", name, 100*cpu/span))
		}
	}
	slices.Sort(threads)
	m.t.Logf("%s: %s; the program's threads by name: %s", name, f, strings.Join(threads, ", "))
	return f
}

// programThreads reads the threads of the prefix's processes called
// program, by thread ID: their names (Mesa's llvmpipe-N render for a
// window; Go's threads bear the program's name) and CPU so far.
func programThreads(procs map[int]prefixProcess, program string) map[int]prefixProcess {
	out := map[int]prefixProcess{}
	for pid, p := range procs {
		if !strings.EqualFold(p.name, program) {
			continue
		}
		tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		for _, e := range tasks {
			var tid int
			if _, err := fmt.Sscan(e.Name(), &tid); err != nil {
				continue
			}
			comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/comm", pid, tid))
			if err != nil {
				continue
			}
			out[tid] = prefixProcess{name: strings.TrimSpace(string(comm)), cpu: taskCPU(pid, tid)}
		}
	}
	return out
}

// taskCPU is the CPU time thread tid of process pid used so far.
func taskCPU(pid, tid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	var utime, stime int64
	fmt.Sscan(f[11], &utime)
	fmt.Sscan(f[12], &stime)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func (f idleFigure) String() string {
	return fmt.Sprintf("prefix %.1f %% of a core (%.1f-%.1f per second; program %.1f, wineserver %.1f, others %.1f), X server %.1f",
		100*f.tree, 100*f.min, 100*f.max, 100*f.program, 100*f.server, 100*(f.tree-f.program-f.server), 100*f.x)
}

// reportIdle logs every phase against the first (Go blocking) and the
// Gio window.
func reportIdle(t *testing.T, fs []idleFigure) {
	base, gio := fs[0], fs[4]
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n%-34s prefix+X %5.1f %%  %5.2fx Go blocked  %5.2fx Gio window   (%s)",
			f.name, 100*(f.tree+f.x), idleRatio(f.tree+f.x, base.tree+base.x), idleRatio(f.tree+f.x, gio.tree+gio.x), f)
	}
	t.Logf("idle CPU under Wine, %v each, same prefix and display:%s", idleSpan, b.String())
}

func idleRatio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// prefixProcess is one process of a Wine prefix: its program's name
// (the last element of argv[0], Windows or Unix path) and CPU so far.
type prefixProcess struct {
	name string
	cpu  time.Duration
}

// prefixCPU reads every process of the prefix (WINEPREFIX in its
// environment: wineserver and Wine's services included) by PID.
func prefixCPU(prefix string) map[int]prefixProcess {
	entries, _ := os.ReadDir("/proc")
	out := map[int]prefixProcess{}
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(append([]byte{0}, env...), []byte("\x00WINEPREFIX="+prefix+"\x00")) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		arg0, _, _ := strings.Cut(string(cmdline), "\x00")
		arg0 = arg0[strings.LastIndexAny(arg0, `/\`)+1:]
		out[pid] = prefixProcess{name: arg0, cpu: processCPU(pid)}
	}
	return out
}

// xserverPID finds the Xvfb this test process started (xvfb.Start: it
// picks its display itself, which its command line does not name); 0
// when not found, and its CPU then reads 0.
func xserverPID() int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "PID (comm) state PPID ...": comm may hold spaces.
		comm := string(stat[bytes.IndexByte(stat, '(')+1 : bytes.LastIndexByte(stat, ')')])
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if comm == "Xvfb" && len(f) > 1 && f[1] == fmt.Sprint(os.Getpid()) {
			return pid
		}
	}
	return 0
}
