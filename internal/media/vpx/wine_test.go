package vpx

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// probeResult is what testdata/vpxprobe prints.
type probeResult struct {
	GOOS          string  `json:"goos"`
	Frames        int     `json:"frames"`
	Encoded       int     `json:"encoded"`
	Decoded       int     `json:"decoded"`
	Keyframes     int     `json:"keyframes"`
	Bytes         int     `json:"bytes"`
	StreamSHA256  string  `json:"stream_sha256"`
	DecodedSHA256 string  `json:"decoded_sha256"`
	PSNRMin       float64 `json:"psnr_min"`
	PSNRAvg       float64 `json:"psnr_avg"`
	ConvertMs     float64 `json:"convert_ms_per_frame"`
	EncodeMs      float64 `json:"encode_ms_per_frame"`
	DecodeMs      float64 `json:"decode_ms_per_frame"`
}

// windowsDLLs are the DLLs a cross-built program may import: ones every
// Windows 10/11 has. libwinpthread-1.dll, libgcc_s_seh-1.dll or
// libstdc++-6.dll here would mean a static link failed.
var windowsDLLs = map[string]bool{"kernel32.dll": true, "msvcrt.dll": true}

// TestWine cross-builds testdata/vpxprobe for Windows x86-64 against the
// mingw libvpx and libyuv of scripts/build-mingw-deps.sh (run here; it
// builds them once, a few minutes, then answers from its cache), checks
// the .exe imports only system DLLs, runs it under wine64 on Xvfb, and
// requires the Linux build's exact VP8 stream and decoded pictures from
// 30 synthetic 1080p frames. It logs encode ms/frame for both.
func TestWine(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds and runs Wine")
	}
	tools := windowsTools(t)
	display := xvfb.Start(t, 1280, 800)
	env := mingwEnv(t)
	dir := t.TempDir()

	exe := filepath.Join(dir, "vpxprobe.exe")
	goBuild(t, append(env, "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=1"), exe, "./testdata/vpxprobe")
	checkImports(t, tools["objdump"], exe)
	native := filepath.Join(dir, "vpxprobe")
	goBuild(t, nil, native, "./testdata/vpxprobe")

	prefix := winePrefix(t, tools, display, filepath.Join(dir, "prefix"))
	winRes := runProbe(t, prefix.command(exe, "-frames", "30"))
	linRes := runProbe(t, exec.Command(native, "-frames", "30"))

	t.Logf("VP8 1080p realtime, 30 frames: encode %.2f ms/frame under Wine, %.2f ms/frame native Linux (convert %.2f/%.2f, decode %.2f/%.2f); %d bytes, PSNR min %.2f avg %.2f dB",
		winRes.EncodeMs, linRes.EncodeMs, winRes.ConvertMs, linRes.ConvertMs, winRes.DecodeMs, linRes.DecodeMs,
		winRes.Bytes, winRes.PSNRMin, winRes.PSNRAvg)
	if winRes.GOOS != "windows" {
		t.Errorf("probe under Wine says GOOS %q", winRes.GOOS)
	}
	if winRes.Encoded != 30 || winRes.Decoded != 30 || winRes.Keyframes < 1 {
		t.Errorf("under Wine: %d frames encoded, %d decoded, %d keyframes; want 30, 30, ≥1", winRes.Encoded, winRes.Decoded, winRes.Keyframes)
	}
	if winRes.PSNRMin < 30 {
		t.Errorf("under Wine: PSNR min %.2f dB, want ≥ 30", winRes.PSNRMin)
	}
	if winRes.StreamSHA256 != linRes.StreamSHA256 || winRes.Bytes != linRes.Bytes {
		t.Errorf("VP8 stream differs: Windows %d bytes %s, Linux %d bytes %s", winRes.Bytes, winRes.StreamSHA256, linRes.Bytes, linRes.StreamSHA256)
	}
	if winRes.DecodedSHA256 != linRes.DecodedSHA256 {
		t.Errorf("decoded pictures differ: Windows %s, Linux %s", winRes.DecodedSHA256, linRes.DecodedSHA256)
	}
}

// windowsTools finds the cross toolchain and Wine, or skips the test with
// the command that installs them.
func windowsTools(t *testing.T) map[string]string {
	t.Helper()
	want := map[string][]string{
		"gcc":     {"x86_64-w64-mingw32-gcc"},
		"objdump": {"x86_64-w64-mingw32-objdump"},
		"nasm":    {"nasm"},
		// Debian's wine64 puts no wine on PATH.
		"wine":       {"wine64", "/usr/lib/wine/wine64"},
		"wineserver": {"wineserver", "/usr/lib/wine/wineserver64", "/usr/lib/wine/wineserver"},
	}
	found := map[string]string{}
	for name, candidates := range want {
		for _, c := range candidates {
			if p, err := exec.LookPath(c); err == nil {
				found[name] = p
				break
			}
		}
		if found[name] == "" {
			t.Skipf("%s not installed (the Windows toolchain and Wine): sudo scripts/install-deps.sh windows", candidates[0])
		}
	}
	return found
}

// mingwEnv runs scripts/build-mingw-deps.sh --print-env and returns its
// variables (CC, CGO_CFLAGS, CGO_LDFLAGS, …) as KEY=VALUE.
func mingwEnv(t *testing.T) []string {
	t.Helper()
	start := time.Now()
	cmd := exec.Command("../../../scripts/build-mingw-deps.sh", "--print-env")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scripts/build-mingw-deps.sh: %v\n%s", err, stderr.Bytes())
	}
	t.Logf("build-mingw-deps.sh: %v", time.Since(start).Round(time.Millisecond))
	var env []string
	for line := range strings.Lines(string(out)) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.Contains(k, " ") {
			continue
		}
		env = append(env, k+"="+strings.Trim(v, "'"))
	}
	if len(env) == 0 {
		t.Fatalf("build-mingw-deps.sh --print-env printed no variables:\n%s", out)
	}
	return env
}

func goBuild(t *testing.T, env []string, out, pkg string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s (%s): %v\n%s", pkg, strings.Join(env, " "), err, b)
	}
}

// checkImports fails the test for any imported DLL outside windowsDLLs.
func checkImports(t *testing.T, objdump, exe string) {
	t.Helper()
	out, err := exec.Command(objdump, "-p", exe).CombinedOutput()
	if err != nil {
		t.Fatalf("objdump -p: %v\n%s", err, out)
	}
	var dlls []string
	for _, m := range regexp.MustCompile(`DLL Name: (\S+)`).FindAllSubmatch(out, -1) {
		dll := string(m[1])
		dlls = append(dlls, dll)
		if !windowsDLLs[strings.ToLower(dll)] {
			t.Errorf("%s imports %s, which Windows does not ship", filepath.Base(exe), dll)
		}
	}
	st, _ := os.Stat(exe)
	t.Logf("%s: %d bytes, imports %s", filepath.Base(exe), st.Size(), strings.Join(dlls, ", "))
	if len(dlls) == 0 {
		t.Errorf("objdump found no imported DLL in %s", exe)
	}
}

// wine is one Wine prefix on one display.
type wine struct {
	t       *testing.T
	binary  string
	env     []string
	timeout time.Duration
}

func (w wine) command(args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
	w.t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, w.binary, args...)
	cmd.Env = append(os.Environ(), w.env...)
	return cmd
}

// winePrefix makes a fresh prefix (wineboot --init, ~20 s here) with the
// bcryptprimitives.dll Go's runtime needs under Wine 8, and stops the
// prefix's wineserver, and so every Wine process of it, at cleanup.
func winePrefix(t *testing.T, tools map[string]string, display, dir string) wine {
	t.Helper()
	w := wine{t: t, binary: tools["wine"], timeout: 5 * time.Minute, env: []string{
		"WINEPREFIX=" + dir,
		"WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree,mshtml=", // no Mono or Gecko installer prompts
		"DISPLAY=" + display,
	}}
	t.Cleanup(func() {
		kill := exec.Command(tools["wineserver"], "-k")
		kill.Env = append(os.Environ(), w.env...)
		_ = kill.Run() // nothing to do when the server has already gone
	})
	start := time.Now()
	if out, err := w.command("wineboot", "--init").CombinedOutput(); err != nil {
		t.Fatalf("wineboot --init: %v\n%s", err, out)
	}
	t.Logf("wineboot --init: %v", time.Since(start).Round(time.Millisecond))
	dll := filepath.Join(dir, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	cc := exec.Command(tools["gcc"], "-O2", "-shared", "-static-libgcc", "-o", dll, "testdata/wine/bcryptprimitives.c", "-lbcrypt")
	if out, err := cc.CombinedOutput(); err != nil {
		t.Fatalf("building bcryptprimitives.dll: %v\n%s", err, out)
	}
	return w
}

func runProbe(t *testing.T, cmd *exec.Cmd) probeResult {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\nstdout: %s\nstderr: %s", strings.Join(cmd.Args, " "), err, out, stderr.Bytes())
	}
	var res probeResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s printed %q: %v", strings.Join(cmd.Args, " "), out, err)
	}
	return res
}
