//go:build linux

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/wintest"
)

// The Windows agent under Wine: what it takes to cross-build it, run it
// and give it what Wine 8 lacks, all derived at test time (no copy of Go's
// sources and no Windows binary is kept in the repository).

// windowsEnv is the environment of a cgo build for Windows x86-64
// against the mingw libvpx and libyuv.
func windowsEnv(t *testing.T) []string {
	return append([]string{"GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=1"}, wintest.MingwEnv(t)...)
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
