//go:build linux

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
	"github.com/tandem-remote/tandem/internal/testkit/netlab"
	"github.com/tandem-remote/tandem/internal/testkit/wintest"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// patternProgram is a tiny Win32 program for the Windows agent's test: a
// borderless window at (100,300), 300×200, its left half red and its
// right half blue, that appends every character it receives (WM_CHAR, as
// UTF-8, Enter as \n) to the file argv[1], after an Enter puts "from
// Wine, Ж" on the clipboard, and writes each new clipboard text it sees
// (checked ten times a second) as a line of the file argv[2]. The files
// exist once the window is up.
const patternProgram = `#include <windows.h>
#include <stdio.h>
static FILE *out, *clip;
static DWORD seen;
static void log_clipboard(void) {
  HANDLE h;
  const wchar_t *s;
  char u[4096];
  int n;
  if (GetClipboardSequenceNumber() == seen || !OpenClipboard(NULL)) return;
  seen = GetClipboardSequenceNumber();
  h = GetClipboardData(CF_UNICODETEXT);
  if (h && (s = GlobalLock(h))) {
    n = WideCharToMultiByte(CP_UTF8, 0, s, -1, u, sizeof u, NULL, NULL);
    if (n > 0) fprintf(clip, "%s\n", u);
    fflush(clip);
    GlobalUnlock(h);
  }
  CloseClipboard();
}
static void put_clipboard(const wchar_t *s) {
  size_t n = (wcslen(s) + 1) * sizeof(wchar_t);
  HGLOBAL h = GlobalAlloc(GMEM_MOVEABLE, n);
  memcpy(GlobalLock(h), s, n);
  GlobalUnlock(h);
  if (OpenClipboard(NULL)) { EmptyClipboard(); SetClipboardData(CF_UNICODETEXT, h); CloseClipboard(); }
}
static LRESULT CALLBACK proc(HWND w, UINT m, WPARAM wp, LPARAM lp) {
  switch (m) {
  case WM_CHAR: {
    wchar_t c = (wchar_t)wp;
    char u[8];
    int n;
    if (c == L'\r') c = L'\n';
    n = WideCharToMultiByte(CP_UTF8, 0, &c, 1, u, sizeof u, NULL, NULL);
    fwrite(u, 1, n, out);
    fflush(out);
    if (c == L'\n') {
      log_clipboard();
      put_clipboard(L"from Wine, \x0416");
    }
    return 0;
  }
  case WM_PAINT: {
    PAINTSTRUCT ps;
    RECT r;
    HDC dc = BeginPaint(w, &ps);
    HBRUSH red = CreateSolidBrush(RGB(0xd0, 0x20, 0x20)), blue = CreateSolidBrush(RGB(0x20, 0x20, 0xd0));
    GetClientRect(w, &r);
    r.right /= 2;
    FillRect(dc, &r, red);
    r.left = r.right;
    r.right *= 2;
    FillRect(dc, &r, blue);
    DeleteObject(red);
    DeleteObject(blue);
    EndPaint(w, &ps);
    return 0;
  }
  case WM_TIMER:
    log_clipboard();
    return 0;
  case WM_DESTROY:
    PostQuitMessage(0);
    return 0;
  }
  return DefWindowProcW(w, m, wp, lp);
}
int main(int argc, char **argv) {
  WNDCLASSW wc = {0};
  HWND w;
  MSG msg;
  if (argc < 3) return 2;
  wc.lpfnWndProc = proc;
  wc.hInstance = GetModuleHandleW(NULL);
  wc.hCursor = LoadCursorW(NULL, (LPCWSTR)IDC_ARROW);
  wc.lpszClassName = L"pattern";
  RegisterClassW(&wc);
  w = CreateWindowExW(0, L"pattern", L"pattern", WS_POPUP | WS_VISIBLE, 100, 300, 300, 200, NULL, NULL, wc.hInstance, NULL);
  UpdateWindow(w);
  SetForegroundWindow(w);
  clip = fopen(argv[2], "wb");
  out = fopen(argv[1], "wb");
  if (!out || !clip) return 1;
  SetTimer(w, 1, 100, NULL);
  while (GetMessageW(&msg, NULL, 0, 0) > 0) {
    TranslateMessage(&msg);
    DispatchMessageW(&msg);
  }
  return 0;
}
`

// appProgram is a tiny Win32 program for application selection: a
// borderless 300×200 window titled argv[2] at (argv[3], argv[4]), painted
// the colour argv[5] (hex RRGGBB), that appends "click X,Y" (in the
// window) to the file argv[1] for every press of the left button. The
// file exists once the window is up.
const appProgram = `#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
static FILE *out;
static COLORREF colour;
static LRESULT CALLBACK proc(HWND w, UINT m, WPARAM wp, LPARAM lp) {
  switch (m) {
  case WM_LBUTTONDOWN:
    fprintf(out, "click %d,%d\n", (short)LOWORD(lp), (short)HIWORD(lp));
    fflush(out);
    return 0;
  case WM_PAINT: {
    PAINTSTRUCT ps;
    RECT r;
    HDC dc = BeginPaint(w, &ps);
    HBRUSH b = CreateSolidBrush(colour);
    GetClientRect(w, &r);
    FillRect(dc, &r, b);
    DeleteObject(b);
    EndPaint(w, &ps);
    return 0;
  }
  case WM_DESTROY:
    PostQuitMessage(0);
    return 0;
  }
  return DefWindowProcW(w, m, wp, lp);
}
int main(int argc, char **argv) {
  WNDCLASSW wc = {0};
  HWND w;
  MSG msg;
  wchar_t title[256];
  unsigned long rgb;
  if (argc < 6) return 2;
  rgb = strtoul(argv[5], NULL, 16);
  colour = RGB((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
  MultiByteToWideChar(CP_UTF8, 0, argv[2], -1, title, 256);
  wc.lpfnWndProc = proc;
  wc.hInstance = GetModuleHandleW(NULL);
  wc.hCursor = LoadCursorW(NULL, (LPCWSTR)IDC_ARROW);
  wc.lpszClassName = L"app";
  RegisterClassW(&wc);
  w = CreateWindowExW(0, L"app", title, WS_POPUP | WS_VISIBLE, atoi(argv[3]), atoi(argv[4]), 300, 200, NULL, NULL, wc.hInstance, NULL);
  UpdateWindow(w);
  SetForegroundWindow(w);
  out = fopen(argv[1], "wb");
  if (!out) return 1;
  while (GetMessageW(&msg, NULL, 0, 0) > 0) {
    TranslateMessage(&msg);
    DispatchMessageW(&msg);
  }
  return 0;
}
`

// TestWindowsAgentUnderWine: the Windows agent's platform under Wine 8 on
// Xvfb, in a session with the Linux technician over loopback. agent.exe is
// cross-built as make agent-windows builds it, and imports only system
// DLLs. The session runs testdata/wineagent: the agent's session code on
// the Windows platform with a scripted customer who allows everything,
// since Gio opens no window under Wine 8 (see its doc); it is built with
// a GOROOT in which Go's UDP sockets ignore Wine's missing
// SIO_UDP_NETRESET (wineGOROOT). The technician must see the Win32
// window's red and blue halves in its saved frame, its click and typing
// (capitals, punctuation, a Cyrillic letter typed as Unicode) must reach
// that window, the technician's clipboard text must reach Wine's
// clipboard, and the text the window puts on the clipboard must come back.
// After the session, and after a second one in which the technician sends
// a file (it lands with its SHA-256 and stays) and the agent is killed,
// and a third in which the technician is (linkLostUnderWine), nothing of
// the agent is left (its folder, %TEMP%, its processes). A fourth session
// shares one application window (appsUnderWine).
func TestWindowsAgentUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds the agent and runs Wine")
	}
	tools := wintest.Tools(t)
	env := windowsEnv(t)
	dir := t.TempDir()
	exe := filepath.Join(dir, "agent.exe")
	goBuildWin(t, env, exe, "./agent")
	wintest.CheckImports(t, tools["objdump"], exe)
	agent := filepath.Join(dir, "wineagent.exe")
	root := wineGOROOT(t, dir)
	goBuildWin(t, append(env, "GOROOT="+root, "GOTOOLCHAIN=local", "PATH="+filepath.Join(root, "bin")+":"+os.Getenv("PATH")),
		agent, "./internal/testkit/e2e/testdata/wineagent")

	b := binaries(t)
	display := xvfb.Start(t, 1024, 768)
	wine := wintest.NewPrefix(t, tools, display, filepath.Join(dir, "prefix"))
	pattern := filepath.Join(dir, "pattern.exe")
	wintest.Compile(t, tools["gcc"], pattern, patternProgram, "-mwindows")
	typed := filepath.Join(dir, "typed.txt")
	clips := filepath.Join(dir, "clipboard.txt")
	start(t, wine.Wine, wine.Env, pattern, wintest.WinPath(typed), wintest.WinPath(clips))
	waitFile(t, typed)

	srv := server(t, b)
	user, pw := srv.operator(t)
	frames := filepath.Join(dir, "frames")
	const text = "Hello, World! #42 (ok)? Ж\n"
	tech := start(t, b["technician"], nil, "-headless", "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw, "-json",
		"-frames", frames, "-monitor", "0", "-click", "0:250,400", "-type", text, "-clipboard", "from Linux, ok", "-end-after", "10s")
	code := wineEvent(t, tech, "code")["code"].(string)
	// Run from a folder of its own, as a customer's download: self-removal
	// must leave it empty.
	customer, exePath := customerCopy(t, agent)
	win := start(t, wine.Wine, wine.Env, exePath, "-server", srv.url, "-ca", wintest.WinPath(srv.ca), "-code", code, "-json")

	clip := wineEvent(t, tech, "clipboard")
	// The screen is still now: what the agent costs while nothing changes
	// (GDI has no damage report, so it polls: one BitBlt and a compare
	// every 200 ms once still for a second), measured for 3 s from 1 s on.
	time.Sleep(time.Second)
	before, at := processCPU(win.cmd.Process.Pid), time.Now()
	time.Sleep(3 * time.Second)
	if after := processCPU(win.cmd.Process.Pid); before > 0 && after > 0 {
		t.Logf("agent under Wine, screen still: %.0f %% of a core", 100*(after-before).Seconds()/time.Since(at).Seconds())
	}
	// While the session runs, its temporary directory and its guardian's
	// copy are there (so that checkRemoved looks in the right place).
	if running, _ := filepath.Glob(wineTemp(filepath.Join(dir, "prefix"))); len(running) < 2 {
		t.Errorf("during the session, %%TEMP%% holds %q: want the agent's directory and its guardian", running)
	}
	if st := tech.wait(t, 90*time.Second); st != 0 {
		t.Fatalf("technician exit %d\n%s\nagent:\n%s", st, tech.stderr.String(), win.stderr.String())
	}
	if st := win.wait(t, 20*time.Second); st != 0 {
		t.Fatalf("agent exit %d\n%s", st, win.stderr.String())
	}
	checkRemoved(t, customer, filepath.Join(dir, "prefix"))
	if got, _ := os.ReadFile(typed); string(got) != text {
		t.Errorf("the Win32 window received %q, want %q", got, text)
	}
	if got, _ := os.ReadFile(clips); !strings.Contains(string(got), "from Linux, ok\n") {
		t.Errorf("Wine's clipboard held %q, never the technician's %q\nagent:\n%s\n%s", got, "from Linux, ok", win.output(), win.stderr.String())
	}
	if clip["text"] != "from Wine, Ж" {
		t.Errorf("clipboard from Wine: %v, want %q", clip, "from Wine, Ж")
	}
	stats := tech.last("stats")
	t.Logf("technician stats: %v", stats)
	img := readPNG(t, filepath.Join(frames, "last.png"))
	if img.Bounds().Size() != image.Pt(1024, 768) {
		t.Fatalf("frame is %v, want the whole 1024x768 screen", img.Bounds())
	}
	expectColour(t, img, image.Pt(160, 400), 0xd0, 0x20, 0x20) // the window's red half
	expectColour(t, img, image.Pt(340, 400), 0x20, 0x20, 0xd0) // its blue half
	if strings.Contains(win.stderr.String(), "panic") {
		t.Errorf("agent stderr:\n%s", win.stderr.String())
	}

	// Killed in the middle of a session, the agent still goes: its
	// guardian removes everything once the process is gone, except the
	// file the customer accepted before, which lands whole and stays.
	src, sum := randomFile(t, t.TempDir(), "report.bin", 1<<20+17)
	tech = start(t, b["technician"], nil, "-headless", "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw, "-json",
		"-mode", "view", "-send", src)
	code = wineEvent(t, tech, "code")["code"].(string)
	customer, exePath = customerCopy(t, agent)
	downloads := t.TempDir()
	win = start(t, wine.Wine, wine.Env, exePath, "-server", srv.url, "-ca", wintest.WinPath(srv.ca), "-code", code, "-json",
		"-download-dir", wintest.WinPath(downloads))
	wineEvent(t, win, "connected")
	if end := wineEvent(t, tech, "transfer-done", "transfer-failed"); end["event"] != "transfer-done" || end["sha256"] != sum {
		t.Errorf("technician saw %v, want the file sent with sha256 %s\nagent:\n%s", end, sum, win.stderr.String())
	}
	if err := win.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	checkRemoved(t, customer, filepath.Join(dir, "prefix"))
	if landed, _ := os.ReadDir(downloads); len(landed) != 1 || landed[0].Name() != "report.bin" ||
		fileSum(t, filepath.Join(downloads, "report.bin")) != sum {
		t.Errorf("after self-removal the accepted files' folder holds %v, want report.bin with sha256 %s", landed, sum)
	}

	linkLostUnderWine(t, wineRun{b: b, srv: srv, user: user, pw: pw, wine: wine, agent: agent, dir: dir})
	appsUnderWine(t, wineRun{b: b, srv: srv, user: user, pw: pw, wine: wine, gcc: tools["gcc"], agent: agent, dir: dir})
}

// linkLostUnderWine: the technician's process is killed mid-session
// (SIGKILL: no goodbye); the agent sees the link die, ends with status 1
// as on Linux, and removes itself.
func linkLostUnderWine(t *testing.T, w wineRun) {
	tech := start(t, w.b["technician"], nil, "-headless", "-server", w.srv.url, "-ca", w.srv.ca, "-user", w.user, "-password-file", w.pw, "-json")
	code := wineEvent(t, tech, "code")["code"].(string)
	customer, exePath := customerCopy(t, w.agent)
	win := start(t, w.wine.Wine, w.wine.Env, exePath, "-server", w.srv.url, "-ca", wintest.WinPath(w.srv.ca), "-code", code, "-json")
	wineEvent(t, win, "connected")
	wineEvent(t, tech, "connected")
	if err := tech.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if st := win.wait(t, 90*time.Second); st != 1 {
		t.Errorf("agent exit %d after the link was lost, want 1\n%s", st, win.stderr.String())
	}
	t.Logf("technician killed -> agent under Wine ended: %v", time.Since(killed).Round(time.Millisecond))
	checkRemoved(t, customer, filepath.Join(w.dir, "prefix"))
}

// benchList logs what one read of the windows (winapps' BenchmarkList)
// costs under Wine with these windows on screen: a figure, never a
// failure.
func benchList(t *testing.T, w wineRun) {
	exe := filepath.Join(w.dir, "winapps.test.exe")
	build := exec.Command("go", "test", "-c", "-o", exe, "./internal/agent/winapps")
	build.Dir = "../../.."
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c winapps for Windows: %v\n%s", err, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run := exec.CommandContext(ctx, w.wine.Wine, exe, "-test.run", "^$", "-test.bench", "List", "-test.benchtime", "200x")
	run.Env = append(os.Environ(), w.wine.Env...)
	out, err := run.CombinedOutput()
	var figures []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "BenchmarkList") {
			figures = append(figures, strings.Join(strings.Fields(line), " "))
		}
	}
	if len(figures) == 0 {
		t.Logf("BenchmarkList under Wine gave no figure (%v):\n%s", err, out)
		return
	}
	t.Logf("windows listed under Wine:\n%s", strings.Join(figures, "\n"))
}

// wineRun is what TestWindowsAgentUnderWine prepared for its sessions.
type wineRun struct {
	b        netlab.Binaries
	srv      *sigServer
	user, pw string
	wine     wintest.Prefix
	gcc      string
	agent    string // wineagent.exe
	dir      string // the test's directory, the Wine prefix's parent
}

// appsUnderWine: the scripted customer shares only the window "Shared"
// (green, at 100,100; the agent lists it from EnumWindows, with "Private",
// magenta, at 500,100, and the pattern window). The technician clicks in
// each and presses Ctrl-Alt-Del: the click in Shared arrives, Private gets
// none (the move there is dropped, so the click lands where the pointer
// still is, in Shared), the technician hears that Windows refused
// Ctrl-Alt-Del, and its frame shows Shared's green with Private and the
// pattern window blacked out.
func appsUnderWine(t *testing.T, w wineRun) {
	began := time.Now()
	app := filepath.Join(w.dir, "app.exe")
	wintest.Compile(t, w.gcc, app, appProgram, "-mwindows")
	private, shared := filepath.Join(w.dir, "private.txt"), filepath.Join(w.dir, "shared.txt")
	start(t, w.wine.Wine, w.wine.Env, app, wintest.WinPath(private), "Private", "500", "100", "c020c0")
	waitFile(t, private)
	start(t, w.wine.Wine, w.wine.Env, app, wintest.WinPath(shared), "Shared", "100", "100", "20c040")
	waitFile(t, shared)
	benchList(t, w)
	frames := filepath.Join(w.dir, "apps-frames")
	tech := start(t, w.b["technician"], nil, "-headless", "-server", w.srv.url, "-ca", w.srv.ca, "-user", w.user, "-password-file", w.pw,
		"-json", "-frames", frames, "-monitor", "0", "-click", "0:250,200", "-click", "0:650,200",
		"-chord", "ControlLeft+AltLeft+Delete", "-end-after", "8s")
	code := wineEvent(t, tech, "code")["code"].(string)
	customer, exePath := customerCopy(t, w.agent)
	win := start(t, w.wine.Wine, w.wine.Env, exePath, "-server", w.srv.url, "-ca", wintest.WinPath(w.srv.ca), "-code", code, "-json", "-share", "Shared")
	wineEvent(t, tech, "connected")
	if m := wineEvent(t, tech, "mode"); m["apps_only"] != true {
		t.Errorf("the customer's answer is %v, want applications only", m)
	}
	if r := wineEvent(t, tech, "input-refused"); r["input"] != "ctrl-alt-del" || r["reason"] != "secure-attention" {
		t.Errorf("input-refused event %v, want ctrl-alt-del refused for the secure attention sequence", r)
	}
	if st := tech.wait(t, 90*time.Second); st != 0 {
		t.Fatalf("technician exit %d\n%s\nagent:\n%s", st, tech.stderr.String(), win.stderr.String())
	}
	if st := win.wait(t, 20*time.Second); st != 0 {
		t.Fatalf("agent exit %d\n%s", st, win.stderr.String())
	}
	checkRemoved(t, customer, filepath.Join(w.dir, "prefix"))
	if got, _ := os.ReadFile(shared); !strings.Contains(string(got), "click 150,100") {
		t.Errorf("Shared received %q, want the technician's click at 150,100 in it", got)
	}
	if got, _ := os.ReadFile(private); len(got) > 0 {
		t.Errorf("Private, not shared, received %q", got)
	}
	img := readPNG(t, filepath.Join(frames, "last.png"))
	expectColour(t, img, image.Pt(250, 200), 0x20, 0xc0, 0x40) // Shared
	expectColour(t, img, image.Pt(650, 200), 0, 0, 0)          // Private, masked
	expectColour(t, img, image.Pt(160, 400), 0, 0, 0)          // the pattern window, masked
	t.Logf("application selection under Wine: %v", time.Since(began).Round(time.Second))
}

// wineEvent returns p's next event called one of names, as p.next but
// with the patience Wine needs on a loaded machine (an agent under Wine
// takes tens of seconds to start there): the deadline bounds a hang, it
// measures nothing.
func wineEvent(t *testing.T, p *proc, names ...string) map[string]any {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case m := <-p.lines:
			for _, n := range names {
				if m["event"] == n {
					return m
				}
			}
		case <-timeout:
			t.Fatalf("%s: none of %q in 2 minutes\n%s", p.name, names, p.stderr.String())
		}
	}
}

// customerCopy copies the agent into a folder of its own, as a customer's
// download.
func customerCopy(t *testing.T, agent string) (folder, exe string) {
	t.Helper()
	folder = t.TempDir()
	exe = filepath.Join(folder, "tandem-agent.exe")
	b, err := os.ReadFile(agent)
	if err == nil {
		err = os.WriteFile(exe, b, 0o755)
	}
	if err != nil {
		t.Fatalf("copy the agent: %v", err)
	}
	return folder, exe
}

// wineTemp matches the agent's files in the prefix's %TEMP%
// (C:\users\NAME\Temp under Wine 8).
func wineTemp(prefix string) string {
	return filepath.Join(prefix, "drive_c", "users", "*", "Temp", "tandem-*")
}

// checkRemoved waits until the agent's folder is empty, nothing of the
// agent (its temporary directory, its guardian's copy) is left in Wine's
// %TEMP% and no process of it runs in the prefix: the guardian removes the
// binary once the agent has exited, and a cmd.exe its own copy (ping -n 2
// takes seconds under Wine).
func checkRemoved(t *testing.T, folder, prefix string) {
	t.Helper()
	temp := wineTemp(prefix)
	var left []string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		left, _ = filepath.Glob(filepath.Join(folder, "*"))
		inTemp, _ := filepath.Glob(temp)
		if left = append(append(left, inTemp...), agentProcesses(prefix)...); len(left) == 0 {
			return
		}
	}
	t.Errorf("left behind after the session: %q", left)
}

// agentProcesses lists the processes of the Wine prefix whose command
// line names the agent (tandem-agent.exe) or its guardian's copy and
// cmd.exe (tandem-* in %TEMP%), as "PID: command line".
func agentProcesses(prefix string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(append([]byte{0}, env...), []byte("\x00WINEPREFIX="+prefix+"\x00")) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if line := strings.ReplaceAll(string(cmdline), "\x00", " "); strings.Contains(strings.ToLower(line), "tandem-") {
			out = append(out, e.Name()+": "+line)
		}
	}
	return out
}

// TestWindowsAgentWindowUnderWine: agent.exe itself, with its Gio window,
// under Wine on Xvfb: it asks the customer in its window, the customer
// answers with the keyboard (Tab to Allow, Enter: Gio under Wine gets no
// clicks, see wineGio), and the Linux technician gets the screen through
// turnrelay (-relay-only); the customer's own mouse then takes control
// back. Three more sessions end by the customer's Stop and by the window
// closed (stopUnderWine), and by the customer logging off
// (logoffUnderWine). Built like make agent-windows but for
// wineGOROOT and wineGio.
func TestWindowsAgentWindowUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds the agent and runs Wine")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (scripts/install-deps.sh installs it)")
	}
	tools := wintest.Tools(t)
	env := windowsEnv(t)
	dir := t.TempDir()
	root := wineGOROOT(t, dir)
	exe := filepath.Join(dir, "agent.exe")
	goBuildWin(t, append(env, "GOROOT="+root, "GOTOOLCHAIN=local", "PATH="+filepath.Join(root, "bin")+":"+os.Getenv("PATH")),
		exe, "./agent", wineGio(t, dir))

	b := binaries(t)
	display := xvfb.Start(t, 1024, 768)
	wine := wintest.NewPrefix(t, tools, display, filepath.Join(dir, "prefix"))
	pattern := filepath.Join(dir, "pattern.exe")
	wintest.Compile(t, tools["gcc"], pattern, patternProgram, "-mwindows")
	typed := filepath.Join(dir, "typed.txt")
	start(t, wine.Wine, wine.Env, pattern, wintest.WinPath(typed), wintest.WinPath(filepath.Join(dir, "clipboard.txt")))
	waitFile(t, typed)
	srv := relayedServer(t, b)
	user, pw := srv.operator(t)
	frames := filepath.Join(dir, "frames")
	tech := start(t, b["technician"], nil, "-headless", "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw, "-json",
		"-frames", frames, "-monitor", "0", "-end-after", "10s", "-relay-only")
	code := wineEvent(t, tech, "code")["code"].(string)
	agent := start(t, wine.Wine, wine.Env, exe, "-keep", "-server", srv.url, "-ca", wintest.WinPath(srv.ca), "-code", code, "-json")
	allowByKeyboard(t, display, agent)
	if c := wineEvent(t, tech, "connected"); c["path"] == "direct" {
		t.Errorf("technician with -relay-only connected %v, want through turnrelay", c)
	}
	suspended := func(m map[string]any) bool { return m["input_suspended"] == true }
	if m := wineEvent(t, tech, "mode"); m["mode"] != "control" || suspended(m) {
		t.Fatalf("after Allow the technician has %v, want control", m)
	}
	// The customer's own mouse, once their hand has settled after Allow
	// (as in TestLocalInputTakesBackControl), takes control back: the
	// agent notices it with GetLastInputInfo. The move ends over another
	// Wine window: without a window manager or a Wine desktop, Wine sees
	// the X pointer only over its own windows.
	time.Sleep(2 * time.Second)
	xdo(t, display, "mousemove", "--sync", "200", "380", "mousemove", "--sync", "250", "400")
	if m := wineEvent(t, tech, "mode"); m["mode"] != "control" || !suspended(m) {
		t.Errorf("after the customer's own move the technician has %v, want control with input suspended", m)
	}
	if st := tech.wait(t, 60*time.Second); st != 0 {
		t.Fatalf("technician exit %d\n%s\nagent:\n%s\n%s", st, tech.stderr.String(), agent.output(), agent.stderr.String())
	}
	if st := agent.wait(t, 20*time.Second); st != 0 {
		t.Fatalf("agent exit %d\n%s", st, agent.stderr.String())
	}
	if n, _ := tech.last("stats")["frames_decoded"].(float64); n < 1 {
		t.Errorf("technician decoded no frame: %v", tech.last("stats"))
	}
	img := readPNG(t, filepath.Join(frames, "last.png"))
	if img.Bounds().Size() != image.Pt(1024, 768) {
		t.Errorf("frame is %v, want the whole 1024x768 screen", img.Bounds())
	}
	w := wineRun{b: b, srv: srv, user: user, pw: pw, wine: wine, agent: exe, dir: dir}
	stopUnderWine(t, w, display, false)
	stopUnderWine(t, w, display, true)
	logoffUnderWine(t, w, display)
}

// allowByKeyboard answers the agent window's question Allow as a
// customer with a keyboard: Tab to Allow, Enter.
func allowByKeyboard(t *testing.T, display string, agent *proc) {
	t.Helper()
	q := wineEvent(t, agent, "question")
	allow, ok := q["allow"].(map[string]any)
	if !ok {
		t.Fatalf("question without the Allow button's place: %v", q)
	}
	// The pointer over the window gives it the X keyboard focus (no
	// window manager: the focus follows the pointer).
	x, y := centre(allow)
	xdo(t, display, "mousemove", "--sync", x, y, "key", "--delay", "200", "Tab", "Return")
}

// centre is the middle of a control's rectangle from an agent event, as
// xdotool arguments.
func centre(r map[string]any) (x, y string) {
	return fmt.Sprint(int(r["x"].(float64) + r["w"].(float64)/2)), fmt.Sprint(int(r["y"].(float64) + r["h"].(float64)/2))
}

// stopUnderWine: agent.exe run from a folder of its own (no -keep) is
// allowed, then the customer presses Stop in its panel with the keyboard
// (Stop leads the panel: Tab, Enter), or with closeWindow closes the
// window (Alt-F4: Wine makes it the window's close). The technician is
// told the customer stopped, the agent exits 0, and nothing of it is left.
func stopUnderWine(t *testing.T, w wineRun, display string, closeWindow bool) {
	tech := start(t, w.b["technician"], nil, "-headless", "-server", w.srv.url, "-ca", w.srv.ca, "-user", w.user, "-password-file", w.pw,
		"-json", "-relay-only")
	code := wineEvent(t, tech, "code")["code"].(string)
	customer, exePath := customerCopy(t, w.agent)
	agent := start(t, w.wine.Wine, w.wine.Env, exePath, "-server", w.srv.url, "-ca", wintest.WinPath(w.srv.ca), "-code", code, "-json")
	allowByKeyboard(t, display, agent)
	wineEvent(t, tech, "connected")
	p := wineEvent(t, agent, "panel")
	stop, ok := p["controls"].(map[string]any)["stop"].(map[string]any)
	if !ok {
		t.Fatalf("panel without Stop: %v", p)
	}
	keys, how := []string{"Tab", "Return"}, "Stop"
	if closeWindow {
		keys, how = []string{"alt+F4"}, "the window closed"
	}
	x, y := centre(stop)
	xdo(t, display, append([]string{"mousemove", "--sync", x, y, "key", "--delay", "200"}, keys...)...)
	if e := wineEvent(t, tech, "ended"); e["reason"] != "stopped" {
		t.Errorf("after %s the technician was told %v, want reason stopped", how, e)
	}
	if st := agent.wait(t, 60*time.Second); st != 0 {
		t.Errorf("agent exit %d after %s, want 0\n%s", st, how, agent.stderr.String())
	}
	checkRemoved(t, customer, filepath.Join(w.dir, "prefix"))
}

// logoffUnderWine: the customer logs off during a session (wineboot
// --end-session sends every top-level window WM_QUERYENDSESSION and
// WM_ENDSESSION). The technician is told the customer stopped; the agent,
// whose guardian Windows would end with the session, removes everything
// itself before WM_ENDSESSION returns: nothing is left in %TEMP% nor of
// its processes, and its folder is empty but for, on Windows, its own
// binary, which it cannot delete while running and which must then be
// named in PendingFileRenameOperations (deleted at the next reboot).
// Wine lets a running program's file be deleted: the folder is empty.
func logoffUnderWine(t *testing.T, w wineRun, display string) {
	tech := start(t, w.b["technician"], nil, "-headless", "-server", w.srv.url, "-ca", w.srv.ca, "-user", w.user, "-password-file", w.pw,
		"-json", "-relay-only")
	code := wineEvent(t, tech, "code")["code"].(string)
	customer, exePath := customerCopy(t, w.agent)
	agent := start(t, w.wine.Wine, w.wine.Env, exePath, "-server", w.srv.url, "-ca", wintest.WinPath(w.srv.ca), "-code", code, "-json")
	allowByKeyboard(t, display, agent)
	wineEvent(t, tech, "connected")
	wineEvent(t, agent, "panel")
	out, err := wineCommand(w.wine, "wineboot", "--end-session").CombinedOutput()
	if err != nil {
		t.Errorf("wineboot --end-session: %v\n%s", err, out)
	}
	if e := wineEvent(t, tech, "ended"); e["reason"] != "stopped" {
		t.Errorf("after the logoff the technician was told %v, want reason stopped", e)
	}
	st := agent.wait(t, 2*time.Minute) // any status: the system may end it
	if left, _ := filepath.Glob(filepath.Join(customer, "*")); len(left) == 1 && left[0] == exePath {
		pending := pendingRenames(t, w.wine)
		if !strings.Contains(strings.ToLower(pending), strings.ToLower(wintest.WinPath(exePath))) {
			t.Errorf("agent's binary left and not scheduled for deletion; PendingFileRenameOperations:\n%s\nagent:\n%s", pending, agent.stderr.String())
		}
		t.Logf("logoff: agent exit %d, its binary left (running when the logoff came)", st)
		os.Remove(exePath) // what the reboot would do
	} else {
		t.Logf("logoff: agent exit %d, folder holds %q", st, left)
	}
	checkRemoved(t, customer, filepath.Join(w.dir, "prefix"))
}

// wineCommand runs a program of the prefix (wineboot, reg).
func wineCommand(p wintest.Prefix, args ...string) *exec.Cmd {
	cmd := exec.Command(p.Wine, args...)
	cmd.Env = append(os.Environ(), p.Env...)
	return cmd
}

// pendingRenames is the prefix's PendingFileRenameOperations, as reg
// query prints it.
func pendingRenames(t *testing.T, p wintest.Prefix) string {
	t.Helper()
	out, err := wineCommand(p, "reg", "query", `HKLM\System\CurrentControlSet\Control\Session Manager`, "/v", "PendingFileRenameOperations").CombinedOutput()
	if err != nil {
		t.Logf("reg query PendingFileRenameOperations: %v", err)
	}
	return string(out)
}

// processCPU is the CPU time process pid used so far (0 when unknown).
func processCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// After the command's closing parenthesis: state is field 3, utime
	// and stime fields 14 and 15, in clock ticks (100 a second).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, _ := strconv.ParseInt(s, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// relayedServer runs signaling whose sessions get TURN credentials for a
// turnrelay on loopback, and that relay (peers on loopback allowed: both
// clients are there).
func relayedServer(t *testing.T, b netlab.Binaries) *sigServer {
	t.Helper()
	data := t.TempDir()
	addr := "127.0.0.1:" + freePort(t)
	relayUDP := "127.0.0.1:" + freeUDPPort(t)
	_, summary := serveOn(t, b, addr, data, "-turn-url", "turn:"+relayUDP+"?transport=udp")
	relay := start(t, b["turnrelay"], nil, "-udp", relayUDP, "-tcp", "", "-tls", "", "-metrics", "",
		"-secret-file", filepath.Join(data, "turn-secret"), "-relay-ports", "20000-29999", "-allow-peers", "127.0.0.1/32")
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(relay.output(), "TURN on udp"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("turnrelay did not start\n%s\n%s", relay.output(), relay.stderr.String())
		}
	}
	tok, _ := signalingtest.SetupToken(summary)
	return &sigServer{url: "https://" + addr, data: data, ca: filepath.Join(data, "cert.pem"), setupToken: tok}
}
