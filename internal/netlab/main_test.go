package netlab

import (
	"os"
	"sync"
	"testing"
)

// The binaries are built once per test run into one temporary directory.
var (
	binDir   string
	dirOnce  sync.Once
	dirErr   error
	probeBin = lazyBuild{pkgs: []string{"internal/netlab/testdata/probe"}}
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

// get builds the packages on first use and skips the test when one of them
// does not exist in the tree yet.
func (b *lazyBuild) get(t *testing.T) Binaries {
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
	for _, p := range b.pkgs {
		if _, ok := b.bins[baseName(p)]; !ok {
			t.Skipf("netlab: ./%s is not in the tree yet", p)
		}
	}
	return b.bins
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}
