//go:build linux

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The Windows agent under Wine: what it takes to cross-build it, run it
// and give it what Wine 8 lacks, all derived at test time (no copy of Go's
// sources and no Windows binary is kept in the repository).

// winTools finds the mingw-w64 cross toolchain and Wine, or skips the test
// with the command that installs them.
func winTools(t *testing.T) map[string]string {
	t.Helper()
	want := map[string][]string{
		"gcc":     {"x86_64-w64-mingw32-gcc"},
		"objdump": {"x86_64-w64-mingw32-objdump"},
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

// mingwEnv is scripts/build-mingw-deps.sh --print-env as KEY=VALUE (it
// builds libvpx and libyuv for mingw once, then answers from its cache).
func mingwEnv(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("../../../scripts/build-mingw-deps.sh", "--print-env")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scripts/build-mingw-deps.sh: %v\n%s", err, stderr.Bytes())
	}
	env := []string{"GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=1"}
	for line := range strings.Lines(string(out)) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && !strings.Contains(k, " ") {
			env = append(env, k+"="+strings.Trim(v, "'"))
		}
	}
	return env
}

// agentLDFlags are make agent-windows' link flags.
const agentLDFlags = "-s -w -H windowsgui"

func goBuildWin(t *testing.T, env []string, out, pkg string, flags ...string) {
	t.Helper()
	start := time.Now()
	cmd := exec.Command("go", append(append([]string{"build", "-ldflags", agentLDFlags}, flags...), "-o", out, pkg)...)
	cmd.Dir = "../../.."
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	t.Logf("go build %s for Windows: %v", pkg, time.Since(start).Round(time.Millisecond))
}

// windowsDLLs are the DLLs agent.exe may import: ones every Windows 10/11
// has (everything else Go and Gio load at run time from system32).
var windowsDLLs = map[string]bool{"kernel32.dll": true, "msvcrt.dll": true}

// checkImports fails the test for any imported DLL outside windowsDLLs.
func checkImports(t *testing.T, objdump, exe string) {
	t.Helper()
	out, err := exec.Command(objdump, "-p", exe).CombinedOutput()
	if err != nil {
		t.Fatalf("objdump -p: %v\n%s", err, out)
	}
	var dlls []string
	for _, m := range regexp.MustCompile(`DLL Name: (\S+)`).FindAllSubmatch(out, -1) {
		dlls = append(dlls, string(m[1]))
		if !windowsDLLs[strings.ToLower(string(m[1]))] {
			t.Errorf("%s imports %s, which Windows does not ship", filepath.Base(exe), m[1])
		}
	}
	st, _ := os.Stat(exe)
	t.Logf("%s: %d bytes, imports %s", filepath.Base(exe), st.Size(), strings.Join(dlls, ", "))
	if len(dlls) == 0 {
		t.Errorf("objdump found no imported DLL in %s", exe)
	}
}

// wineGOROOT returns a GOROOT for Wine builds: the local toolchain as a
// tree of symbolic links, with net/fd_windows.go alone replaced by a copy
// that ignores the error of WSAIoctl(SIO_UDP_NETRESET), which Wine 8 does
// not implement (every UDP socket fails to open otherwise, and pion
// gathers no candidate). Real Windows implements it; the shipped agent is
// built with the toolchain as it is.
func wineGOROOT(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	src := strings.TrimSpace(string(out))
	root := filepath.Join(dir, "goroot")
	if b, err := exec.Command("cp", "-as", src, root).CombinedOutput(); err != nil {
		t.Fatalf("cp -as GOROOT: %v\n%s", err, b)
	}
	file := filepath.Join("src", "net", "fd_windows.go")
	orig, err := os.ReadFile(filepath.Join(src, file))
	if err != nil {
		t.Fatal(err)
	}
	const call = "err = syscall.WSAIoctl(fd.pfd.Sysfd, windows.SIO_UDP_NETRESET"
	if !bytes.Contains(orig, []byte(call)) {
		t.Fatalf("%s no longer sets SIO_UDP_NETRESET as this test expects: adapt wineGOROOT", file)
	}
	patched := bytes.Replace(orig, []byte(call), []byte("_ = syscall.WSAIoctl(fd.pfd.Sysfd, windows.SIO_UDP_NETRESET"), 1)
	os.Remove(filepath.Join(root, file))
	if err := os.WriteFile(filepath.Join(root, file), patched, 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// wineGio returns a -modfile flag for Wine builds: go.mod and go.sum
// copied, with gioui.org replaced by a copy of the module from the
// module cache in which creating a window ignores the failures of
// RegisterTouchWindow and EnableMouseInPointer (unimplemented in Wine 8:
// Gio opens no window otherwise). Under Wine the window then draws through
// Direct3D 11 on llvmpipe and takes keys; mouse clicks never reach it
// (Gio reads only WM_POINTER messages, which Wine 8 does not send).
func wineGio(t *testing.T, dir string) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "gioui.org")
	cmd.Dir = "../../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m gioui.org: %v", err)
	}
	gio := filepath.Join(dir, "gio")
	if b, err := exec.Command("cp", "-r", strings.TrimSpace(string(out)), gio).CombinedOutput(); err != nil {
		t.Fatalf("copy gioui.org: %v\n%s", err, b)
	}
	exec.Command("chmod", "-R", "u+w", gio).Run()
	file := filepath.Join(gio, "app", "os_windows.go")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	patched := string(src)
	for _, call := range []string{"windows.RegisterTouchWindow(hwnd, 0)", "windows.EnableMouseInPointer(1)"} {
		check := "if err := " + call + "; err != nil {\n\t\treturn err\n\t}"
		if !strings.Contains(patched, check) {
			t.Fatalf("gioui.org/app/os_windows.go no longer has %q as this test expects: adapt wineGio", check)
		}
		patched = strings.Replace(patched, check, call, 1)
	}
	if err := os.WriteFile(file, []byte(patched), 0o644); err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	sum, _ := os.ReadFile("../../../go.sum")
	modfile := filepath.Join(dir, "wine.mod")
	os.WriteFile(filepath.Join(dir, "wine.sum"), sum, 0o644)
	if err := os.WriteFile(modfile, append(mod, []byte("\nreplace gioui.org => "+gio+"\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	return "-modfile=" + modfile
}

// bcryptPrimitives is the one export of Windows 10's bcryptprimitives.dll
// that Go >= 1.24 needs at start (the runtime's random source), over
// BCryptGenRandom, for Wine 8, which ships no such DLL.
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

// mingw compiles C source with the cross compiler.
func mingw(t *testing.T, gcc, out, source string, flags ...string) {
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

// winePrefix is one Wine prefix on one display.
type winePrefix struct {
	binary string
	env    []string
}

// newWinePrefix makes a fresh prefix (wineboot --init, 15-30 s here) with
// the bcryptprimitives.dll Go needs, and stops the prefix's wineserver,
// and so every Wine process of it, at cleanup.
func newWinePrefix(t *testing.T, tools map[string]string, display, dir string) winePrefix {
	t.Helper()
	w := winePrefix{binary: tools["wine"], env: []string{
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
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	boot := exec.CommandContext(ctx, w.binary, "wineboot", "--init")
	boot.Env = append(os.Environ(), w.env...)
	if out, err := boot.CombinedOutput(); err != nil {
		t.Fatalf("wineboot --init: %v\n%s", err, out)
	}
	t.Logf("wineboot --init: %v", time.Since(start).Round(time.Millisecond))
	dll := filepath.Join(dir, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	mingw(t, tools["gcc"], dll, bcryptPrimitives, "-shared", "-lbcrypt")
	return w
}

// winPath is a Linux path as Wine's programs name it (drive Z: is /).
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }
