package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nodeCPUEnv names the environment variable that caps each signaling
// node of BenchmarkClusterSetups at that many CPUs (e.g. 0.3), so that
// the nodes, not the machine, are what limits setups/s, as on separate
// machines. Unset: no cap.
const nodeCPUEnv = "TANDEM_NODE_CPU"

// cgroup roots: v1's cpu controller, v2's unified hierarchy.
const (
	cgroupV1CPU = "/sys/fs/cgroup/cpu"
	cgroupV2    = "/sys/fs/cgroup"
)

// cpuPeriod is the CFS period the quotas are written for, in µs: 10 ms
// rather than the default 100, so that a capped node runs a little every
// few milliseconds, as a slower machine would, instead of running 30 ms
// and stalling 70 (holding whatever lock it held meanwhile).
const cpuPeriod = 10000

// cpuGroup is one cgroup with a CPU quota, made for this process's
// benchmark and removed at its end.
type cpuGroup struct {
	dir  string
	root string // where its processes go back to before it is removed
	v2   bool
}

// nodeCPUQuota is $TANDEM_NODE_CPU in CPUs, or 0 when it is unset.
func nodeCPUQuota(tb testing.TB) float64 {
	tb.Helper()
	s := os.Getenv(nodeCPUEnv)
	if s == "" {
		return 0
	}
	q, err := strconv.ParseFloat(s, 64)
	if err != nil || q <= 0 || q > 64 {
		tb.Fatalf("%s=%q: give a number of CPUs, e.g. 0.3", nodeCPUEnv, s)
	}
	return q
}

// newCPUGroups makes n cgroups capped at quota CPUs each, named
// tandem-bench-<pid>-node<i>, and removes them when tb ends (after the
// cleanups registered later, such as the nodes' stop). It skips tb when
// the cgroup CPU controller cannot be used here.
func newCPUGroups(tb testing.TB, n int, quota float64) []*cpuGroup {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skipf("%s needs root to make cgroups; run as root or unset it", nodeCPUEnv)
	}
	var groups []*cpuGroup
	for i := range n {
		g, err := makeCPUGroup(fmt.Sprintf("tandem-bench-%d-node%d", os.Getpid(), i+1), quota)
		if err != nil {
			for _, g := range groups {
				g.remove()
			}
			tb.Skipf("%s: no usable cgroup CPU controller (%v); unset it or run where %s or %s/cpu.max is writable",
				nodeCPUEnv, err, cgroupV1CPU, cgroupV2)
		}
		groups = append(groups, g)
	}
	tb.Cleanup(func() {
		for _, g := range groups {
			if err := g.remove(); err != nil {
				tb.Errorf("removing cgroup %s: %v", g.dir, err)
			}
		}
	})
	return groups
}

// makeCPUGroup makes the cgroup name with quota CPUs, on cgroup v1 when
// its cpu controller is mounted, else on v2.
func makeCPUGroup(name string, quota float64) (*cpuGroup, error) {
	us := int(quota * cpuPeriod)
	if _, err := os.Stat(filepath.Join(cgroupV1CPU, "cpu.cfs_quota_us")); err == nil {
		g := &cpuGroup{dir: filepath.Join(cgroupV1CPU, name), root: cgroupV1CPU}
		if err := os.Mkdir(g.dir, 0o755); err != nil {
			return nil, fmt.Errorf("making cgroup: %w", err)
		}
		if err := g.write("cpu.cfs_period_us", strconv.Itoa(cpuPeriod)); err != nil {
			return nil, errors.Join(err, g.remove())
		}
		if err := g.write("cpu.cfs_quota_us", strconv.Itoa(us)); err != nil {
			return nil, errors.Join(err, g.remove())
		}
		return g, nil
	}
	ctl, err := os.ReadFile(filepath.Join(cgroupV2, "cgroup.controllers"))
	if err != nil || !slices.Contains(strings.Fields(string(ctl)), "cpu") {
		return nil, fmt.Errorf("neither %s nor a cgroup v2 cpu controller", cgroupV1CPU)
	}
	// The cpu controller must be enabled for the root's children.
	if err := os.WriteFile(filepath.Join(cgroupV2, "cgroup.subtree_control"), []byte("+cpu"), 0); err != nil {
		return nil, fmt.Errorf("enabling the cpu controller: %w", err)
	}
	g := &cpuGroup{dir: filepath.Join(cgroupV2, name), root: cgroupV2, v2: true}
	if err := os.Mkdir(g.dir, 0o755); err != nil {
		return nil, fmt.Errorf("making cgroup: %w", err)
	}
	if err := g.write("cpu.max", fmt.Sprintf("%d %d", us, cpuPeriod)); err != nil {
		return nil, errors.Join(err, g.remove())
	}
	return g, nil
}

func (g *cpuGroup) write(file, value string) error {
	if err := os.WriteFile(filepath.Join(g.dir, file), []byte(value), 0); err != nil {
		return fmt.Errorf("cgroup %s: %w", g.dir, err)
	}
	return nil
}

// add moves process pid, with all its threads, into g.
func (g *cpuGroup) add(pid int) error { return g.write("cgroup.procs", strconv.Itoa(pid)) }

// stat is how many CFS periods g has run in and how many it was
// throttled in.
func (g *cpuGroup) stat() (periods, throttled int64, err error) {
	raw, err := os.ReadFile(filepath.Join(g.dir, "cpu.stat"))
	if err != nil {
		return 0, 0, fmt.Errorf("cgroup %s: %w", g.dir, err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, _ := strings.Cut(line, " ")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch {
		case k == "nr_periods":
			periods = n
		case k == "nr_throttled":
			throttled = n
		}
	}
	return periods, throttled, nil
}

// remove moves whatever still runs in g back to the root and removes g,
// retrying while the kernel still counts exiting processes in it.
func (g *cpuGroup) remove() error {
	var err error
	for range 50 {
		if raw, rerr := os.ReadFile(filepath.Join(g.dir, "cgroup.procs")); rerr == nil {
			for _, pid := range strings.Fields(string(raw)) {
				_ = os.WriteFile(filepath.Join(g.root, "cgroup.procs"), []byte(pid), 0) // it may have exited
			}
		}
		if err = os.Remove(g.dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}
