package netlab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Binaries are the paths of the built programs, by package directory name
// ("signaling", "turnrelay", "agent", "technician", "probe").
type Binaries map[string]string

// Build compiles main packages, given relative to the module root (e.g.
// "signaling", "internal/testkit/netlab/testdata/probe"), into dir with the same go
// command that runs the tests. A package whose directory holds no Go file
// yet is left out of the result rather than failing the build.
func Build(dir string, pkgs ...string) (Binaries, error) {
	goBin, err := goCommand()
	if err != nil {
		return nil, err
	}
	root, err := moduleRoot(goBin)
	if err != nil {
		return nil, err
	}
	bins := Binaries{}
	var args []string
	for _, p := range pkgs {
		if gos, _ := filepath.Glob(filepath.Join(root, p, "*.go")); len(gos) == 0 {
			continue // not written yet
		}
		args = append(args, "./"+p)
		bins[filepath.Base(p)] = filepath.Join(dir, filepath.Base(p))
	}
	if len(args) == 0 {
		return bins, nil
	}
	cmd := exec.Command(goBin, append([]string{"build", "-o", dir + string(filepath.Separator)}, args...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bins, nil
}

func goCommand() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	for _, p := range []string{filepath.Join(runtime.GOROOT(), "bin", "go"), "/usr/local/go/bin/go"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("go command not found (PATH, GOROOT, /usr/local/go)")
}

func moduleRoot(goBin string) (string, error) {
	out, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the Tandem module")
	}
	return filepath.Dir(mod), nil
}
