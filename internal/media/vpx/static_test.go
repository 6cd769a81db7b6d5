package vpx

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestStaticLink builds a tiny program that uses the package and checks
// that it needs neither libvpx's nor libyuv's shared library (nor a C++
// runtime): the agent must run where they are not installed.
func TestStaticLink(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	ldd, err := exec.LookPath("ldd")
	if err != nil {
		t.Skip("ldd not installed")
	}
	bin := filepath.Join(t.TempDir(), "linkcheck")
	build := exec.Command("go", "build", "-o", bin, "./testdata/linkcheck")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin).CombinedOutput(); err != nil {
		t.Fatalf("linkcheck: %v\n%s", err, out)
	}
	out, err := exec.Command(ldd, bin).CombinedOutput()
	if err != nil {
		t.Fatalf("ldd: %v\n%s", err, out)
	}
	t.Logf("ldd %s:\n%s", filepath.Base(bin), out)
	if m := regexp.MustCompile(`(?m)^\s*(libvpx|libyuv|libstdc\+\+|libjpeg)\S*`).Find(out); m != nil {
		t.Errorf("binary needs %s", m)
	}
}
