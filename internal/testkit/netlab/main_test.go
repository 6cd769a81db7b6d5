package netlab

import (
	"os"
	"path"
	"sync"
	"testing"
)

// The binaries are built once per test run into one temporary directory.
var (
	binDir   string
	dirOnce  sync.Once
	dirErr   error
	probeBin = lazyBuild{pkgs: []string{"internal/testkit/netlab/testdata/probe"}}
	proxyBin = lazyBuild{pkgs: []string{"internal/testkit/netlab/testdata/proxy"}}
	tandem   = lazyBuild{pkgs: []string{"signaling", "turnrelay", "agent", "technician"}}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

type lazyBuild struct {
	once sync.Once
	pkgs []string
	bins Binaries
	err  error
}

// get builds the packages on first use and skips the test when one of
// those it needs (default: all) does not exist in the tree yet.
func (b *lazyBuild) get(t *testing.T, need ...string) Binaries {
	t.Helper()
	b.once.Do(func() {
		dirOnce.Do(func() { binDir, dirErr = os.MkdirTemp("", "netlab-bin-") })
		if b.err = dirErr; b.err == nil {
			b.bins, b.err = Build(binDir, b.pkgs...)
		}
	})
	if b.err != nil {
		t.Fatalf("netlab: build: %v", b.err)
	}
	if need == nil {
		need = b.pkgs
	}
	b.bins.require(t, need...)
	return b.bins
}

// require skips t unless every named package was built.
func (b Binaries) require(t *testing.T, pkgs ...string) {
	t.Helper()
	for _, p := range pkgs {
		if _, ok := b[path.Base(p)]; !ok {
			t.Skipf("netlab: ./%s is not in the tree yet", p)
		}
	}
}
