//go:build windows

package platform

import (
	"log/slog"
	"os"
	"runtime/pprof"
	"sync"
)

// profileEnv names a file to which the agent writes a CPU profile of its
// run, from the platform's start to its Remove: a diagnosis aid for where
// an agent's CPU goes on a customer's or a test's Windows (Go's pprof
// works under Wine too), never set in normal use.
const profileEnv = "TANDEM_CPUPROFILE"

// cpuProfile is the profile being written, if any.
type cpuProfile struct {
	once sync.Once
	f    *os.File
}

// startProfile begins the profile profileEnv asks for; nil when none.
func startProfile(log *slog.Logger) *cpuProfile {
	path := os.Getenv(profileEnv)
	if path == "" {
		return nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f, err := os.Create(path)
	if err != nil {
		log.Warn("cpu profile", "err", err)
		return nil
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Warn("cpu profile", "err", err)
		f.Close()
		return nil
	}
	return &cpuProfile{f: f}
}

// stop ends the profile and closes its file; once only, nil-safe.
func (p *cpuProfile) stop() {
	if p == nil {
		return
	}
	p.once.Do(func() {
		pprof.StopCPUProfile()
		p.f.Close()
	})
}
