// Package wintest is a test kit for what runs Windows code on this Linux
// machine: the mingw-w64 cross toolchain and Wine found (or the test
// skipped with the command that installs them), the cgo environment of
// the mingw libvpx and libyuv, imported DLLs checked, and Wine prefixes
// given what Wine 8 lacks for a Go program. Everything it makes is
// derived at test time: no Windows binary is kept in the repository.
package wintest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Tools finds the cross toolchain and Wine by name ("gcc", "objdump",
// "nasm", "wine", "wineserver"), or skips t with the command that
// installs them.
func Tools(t testing.TB) map[string]string {
	t.Helper()
	want := map[string][]string{
		"gcc":     {"x86_64-w64-mingw32-gcc"},
		"objdump": {"x86_64-w64-mingw32-objdump"},
		"nasm":    {"nasm"}, // libvpx's assembly, for MingwEnv's first build
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

// RepoRoot is the module's directory (this file is three levels below).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// MingwEnv is scripts/build-mingw-deps.sh --print-env as KEY=VALUE (CC,
// CGO_CFLAGS, CGO_LDFLAGS, …): the script builds libvpx and libyuv for
// mingw once, a few minutes, then answers from its cache.
func MingwEnv(t testing.TB) []string {
	t.Helper()
	start := time.Now()
	cmd := exec.Command(filepath.Join(RepoRoot(), "scripts", "build-mingw-deps.sh"), "--print-env")
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
		if ok && !strings.Contains(k, " ") {
			env = append(env, k+"="+strings.Trim(v, "'"))
		}
	}
	if len(env) == 0 {
		t.Fatalf("build-mingw-deps.sh --print-env printed no variables:\n%s", out)
	}
	return env
}

// systemDLLs are the DLLs a shipped .exe may import: what every Windows
// 10 and 11 has.
var systemDLLs = map[string]bool{"kernel32.dll": true, "msvcrt.dll": true}

// CheckImports fails t for a DLL exe imports that Windows does not ship
// (a libwinpthread-1.dll, say), and logs its size and imports.
func CheckImports(t testing.TB, objdump, exe string) {
	t.Helper()
	out, err := exec.Command(objdump, "-p", exe).CombinedOutput()
	if err != nil {
		t.Fatalf("objdump -p: %v\n%s", err, out)
	}
	var dlls []string
	for _, m := range regexp.MustCompile(`DLL Name: (\S+)`).FindAllSubmatch(out, -1) {
		dll := string(m[1])
		dlls = append(dlls, dll)
		if !systemDLLs[strings.ToLower(dll)] {
			t.Errorf("%s imports %s, which Windows does not ship", filepath.Base(exe), dll)
		}
	}
	st, _ := os.Stat(exe)
	t.Logf("%s: %d bytes, imports %s", filepath.Base(exe), st.Size(), strings.Join(dlls, ", "))
	if len(dlls) == 0 {
		t.Errorf("objdump found no imported DLL in %s", exe)
	}
}

// Compile builds C source into out with the cross compiler gcc.
func Compile(t testing.TB, gcc, out, source string, flags ...string) {
	t.Helper()
	src := out + ".c"
	if err := os.WriteFile(src, []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-O2", "-static-libgcc", "-o", out, src}, flags...)
	if b, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", gcc, strings.Join(args, " "), err, b)
	}
}

// bcryptPrimitives is the one export of Windows 10's bcryptprimitives.dll
// that Go >= 1.24 needs at start (the runtime's random source). Wine 8
// ships no such DLL, and a Go .exe dies with "bcryptprimitives.dll not
// found" without it. Real Windows has the DLL; never ship this.
const bcryptPrimitives = `#include <windows.h>
#include <bcrypt.h>
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
`

// Prefix is one Wine prefix on one X display: run programs in it with
// Wine and Env added to the environment.
type Prefix struct {
	Wine string   // the wine binary
	Env  []string // WINEPREFIX, DISPLAY, …
}

// Command runs args (a Windows program and its arguments) in the prefix
// until ctx ends.
func (p Prefix) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, p.Wine, args...)
	cmd.Env = append(os.Environ(), p.Env...)
	return cmd
}

// NewPrefix makes a fresh prefix in dir on display (wineboot --init,
// 15-30 s here) with the bcryptprimitives.dll Go needs, and stops the
// prefix's wineserver, and so every Wine process of it, at cleanup.
func NewPrefix(t testing.TB, tools map[string]string, display, dir string) Prefix {
	t.Helper()
	p := Prefix{Wine: tools["wine"], Env: []string{
		"WINEPREFIX=" + dir,
		"WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree,mshtml=", // no Mono or Gecko installer prompts
		"DISPLAY=" + display,
	}}
	t.Cleanup(func() {
		kill := exec.Command(tools["wineserver"], "-k")
		kill.Env = append(os.Environ(), p.Env...)
		_ = kill.Run() // nothing to do when the server has already gone
	})
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := p.Command(ctx, "wineboot", "--init").CombinedOutput(); err != nil {
		t.Fatalf("wineboot --init: %v\n%s", err, out)
	}
	t.Logf("wineboot --init: %v", time.Since(start).Round(time.Millisecond))
	dll := filepath.Join(dir, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	Compile(t, tools["gcc"], dll, bcryptPrimitives, "-shared", "-lbcrypt")
	return p
}

// WinPath is a Linux path as Wine's programs name it (drive Z: is /).
func WinPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }
