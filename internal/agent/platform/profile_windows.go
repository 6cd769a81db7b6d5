//go:build windows

package platform

import (
	"log/slog"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"sync"
)

// profileEnv names a file to which the agent writes a CPU profile of its
// run, from the platform's start to its Remove: a diagnosis aid for where
// an agent's CPU goes on a customer's or a test's Windows (Go's pprof
// works under Wine too), never set in normal use.
const profileEnv = "TANDEM_CPUPROFILE"

// traceEnv names a file for an execution trace of the same span (go tool
// trace): which goroutines wake how often, which a CPU profile under Wine
// does not tell (time blocked in a system call counts there as CPU).
const traceEnv = "TANDEM_TRACE"

// cpuProfile is the profile (and trace) being written, if any.
type cpuProfile struct {
	once  sync.Once
	f     *os.File
	trace *os.File
}

// startProfile begins the profile profileEnv asks for; nil when none.
func startProfile(log *slog.Logger) *cpuProfile {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &cpuProfile{trace: startTrace(log)}
	path := os.Getenv(profileEnv)
	if path == "" {
		if p.trace == nil {
			return nil
		}
		return p
	}
	f, err := os.Create(path)
	if err != nil {
		log.Warn("cpu profile", "err", err)
		return nil
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Warn("cpu profile", "err", err)
		f.Close()
		return p
	}
	p.f = f
	return p
}

// startTrace begins the trace traceEnv asks for; nil when none.
func startTrace(log *slog.Logger) *os.File {
	path := os.Getenv(traceEnv)
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err == nil {
		err = trace.Start(f)
	}
	if err != nil {
		log.Warn("execution trace", "err", err)
		if f != nil {
			f.Close()
		}
		return nil
	}
	return f
}

// stop ends the profile and closes its file; once only, nil-safe.
func (p *cpuProfile) stop() {
	if p == nil {
		return
	}
	p.once.Do(func() {
		if p.f != nil {
			pprof.StopCPUProfile()
			p.f.Close()
		}
		if p.trace != nil {
			trace.Stop()
			p.trace.Close()
		}
	})
}
