package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/server/store/pgtest"
)

// BenchmarkClusterSetups says where a session setup's cost goes when its
// two sides are on different signaling nodes, and what, if anything, is
// serialised across the nodes: the question behind the bar "setups/s
// grows with nodes", which a 2-core machine cannot answer by adding
// processes. Over three nodes on one PostgreSQL (as TestThreeNodes), it
// runs rounds of setups (open, join, peer-joined, a signal, goodbye; 16
// clients; each session's sides on different nodes among the first k)
// for k = 1, 2, 3 in turn, in the same run, and measures per setup:
//   - CPU of each process group: the signaling nodes (each with its
//     embedded NATS), PostgreSQL (postmaster and every child: backends,
//     WAL writer, checkpointer…), and the clients (this process);
//   - PostgreSQL transactions;
//   - how long the audit chain's advisory lock (the one lock every node's
//     setups take: package store, auditLockKey) was held, and how many
//     backends waited on which lock, sampled from pg_locks and
//     pg_stat_activity every 5 ms on a connection of its own (whose
//     backend's CPU is left out of PostgreSQL's).
//
// From the three-node figures it prints what N machines would give: N
// node cores over the nodes' CPU per setup, against the ceilings of
// PostgreSQL's cores and of the audit lock (one second over its hold time
// per setup). Run twice: on the harness's PostgreSQL (fsync off, as the
// tests) and on one with fsync on, as a production server runs. Figures
// are printed, never asserted.
//
// With TANDEM_NODE_CPU set (as root), each node runs in a cgroup of its
// own capped at that many CPUs (e.g. 0.3), PostgreSQL and the clients
// uncapped, so that the nodes are what limits setups/s, as on separate
// machines; it then also prints each group's CPU use in cores against
// the quota and what was left free.
func BenchmarkClusterSetups(b *testing.B) {
	bins := binaries(b)
	for _, o := range []struct {
		name string
		opts pgtest.Options
	}{{"fsync-off", pgtest.Options{}}, {"fsync-on", pgtest.Options{Durable: true}}} {
		b.Run(o.name, func(b *testing.B) {
			quota := nodeCPUQuota(b)
			var groups []*cpuGroup
			if quota > 0 {
				groups = newCPUGroups(b, 3, quota) // removed after the nodes stop
			}
			c := startClusterPG(b, bins, 3, o.opts)
			for i, g := range groups {
				if err := g.add(c.nodes[i].proc.cmd.Process.Pid); err != nil {
					b.Fatal(err)
				}
			}
			token := c.admin.AddOperator("tech").Token
			m := newSetupMeter(b, c)
			m.groups, m.clients = groups, 16
			if quota > 0 {
				// A setup waits on round trips: 16 clients leave capped
				// nodes idle, so more keep them at their quota.
				m.clients = 48
			}
			defer m.close()
			const rounds, sessions = 2, 300
			sum := make([]setupFigures, len(c.nodes)+1)
			for range rounds {
				for k := 1; k <= len(c.nodes); k++ {
					sum[k].add(m.measure(b, k, sessions, token))
				}
			}
			for k := 1; k < len(sum); k++ {
				sum[k].log(b, k, sum[1])
				if quota > 0 {
					sum[k].logCapped(b, k, quota, m.clients)
				}
			}
			sum[len(c.nodes)].project(b)
			verifyChain(b, c)
			last := sum[len(c.nodes)]
			b.ReportMetric(last.rate()/sum[1].rate(), "x-one-node")
			b.ReportMetric(sum[1].rate(), "setups/s-1node")
			b.ReportMetric(last.rate(), "setups/s-3nodes")
			b.ReportMetric(last.perSetup(last.nodesCPU())*1e3, "node-cpu-ms/setup")
			b.ReportMetric(last.perSetup(last.pgCPU)*1e3, "pg-cpu-ms/setup")
			b.ReportMetric(last.perSetup(last.lockHeld())*1e6, "audit-lock-µs/setup")
		})
	}
}

// verifyChain fails b unless the nodes' audit entries are one chain.
func verifyChain(b *testing.B, c *signalingCluster) {
	ctx := context.Background()
	st, err := store.Open(ctx, c.pg.URL("tandem"), c.pg.PasswordFile())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	res, err := audit.New(st, nil, nil).Verify(ctx)
	if err != nil || res.Broken != nil {
		b.Fatalf("audit chain after the rounds: %+v, %v", res, err)
	}
}

// setupFigures are one or more measured runs' sums.
type setupFigures struct {
	setups  int
	wall    time.Duration
	nodeCPU []time.Duration // per node, in order
	pgCPU   time.Duration
	client  time.Duration
	pgXacts int64
	// audit entries written, and the transactions that wrote them
	auditRows, auditTxs int64
	samples             int
	held                int            // samples with the audit lock granted
	waits               map[string]int // wait event → backends seen waiting, over the samples
	sampling            time.Duration  // the span the samples cover
	// CFS periods each node's cgroup ran in and was throttled in (with
	// TANDEM_NODE_CPU only)
	periods, throttled []int64
	idle               time.Duration // the machine's idle CPU time, all cores
}

func (f *setupFigures) add(g setupFigures) {
	f.setups += g.setups
	f.wall += g.wall
	if f.nodeCPU == nil {
		f.nodeCPU = make([]time.Duration, len(g.nodeCPU))
	}
	for i, d := range g.nodeCPU {
		f.nodeCPU[i] += d
	}
	if f.periods == nil {
		f.periods, f.throttled = make([]int64, len(g.periods)), make([]int64, len(g.throttled))
	}
	for i := range g.periods {
		f.periods[i] += g.periods[i]
		f.throttled[i] += g.throttled[i]
	}
	f.pgCPU += g.pgCPU
	f.client += g.client
	f.pgXacts += g.pgXacts
	f.auditRows += g.auditRows
	f.auditTxs += g.auditTxs
	f.samples += g.samples
	f.held += g.held
	f.sampling += g.sampling
	f.idle += g.idle
	if f.waits == nil {
		f.waits = map[string]int{}
	}
	for k, v := range g.waits {
		f.waits[k] += v
	}
}

func (f *setupFigures) rate() float64 { return float64(f.setups) / f.wall.Seconds() }

func (f *setupFigures) nodesCPU() time.Duration {
	var all time.Duration
	for _, d := range f.nodeCPU {
		all += d
	}
	return all
}

// perSetup is d per setup, in seconds.
func (f *setupFigures) perSetup(d time.Duration) float64 { return d.Seconds() / float64(f.setups) }

// lockHeld estimates how long the audit lock was held in all: the share
// of samples that found it granted, times the span they cover.
func (f *setupFigures) lockHeld() time.Duration {
	if f.samples == 0 {
		return 0
	}
	return time.Duration(float64(f.sampling) * float64(f.held) / float64(f.samples))
}

func (f *setupFigures) log(b *testing.B, k int, one setupFigures) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", f.perSetup(d)*1e3) }
	var perNode []string
	for _, d := range f.nodeCPU {
		perNode = append(perNode, ms(d))
	}
	b.Logf("%d node(s): %d setups, %.0f/s (%.2f× one node); CPU ms per setup: nodes %s (%s), PostgreSQL %s, clients %s; "+
		"%.1f PostgreSQL transactions per setup; %.1f audit entries per append transaction; audit lock held %.1f%% of the time, %.0f µs per setup; %s",
		k, f.setups, f.rate(), f.rate()/one.rate(), ms(f.nodesCPU()), strings.Join(perNode, " + "), ms(f.pgCPU), ms(f.client),
		float64(f.pgXacts)/float64(f.setups), float64(f.auditRows)/float64(max(f.auditTxs, 1)), 100*float64(f.held)/float64(max(f.samples, 1)), f.perSetup(f.lockHeld())*1e6, f.waitSummary())
}

// logCapped prints, for nodes capped at quota CPUs each, the CPU each
// group used in cores (CPU time over the rounds' wall time) and the
// share of CFS periods each node's cgroup was throttled in: nodes near
// their quota and throttled, with PostgreSQL and the clients below what
// the first k nodes leave free of the machine's cores, say the nodes were
// the limit.
func (f *setupFigures) logCapped(b *testing.B, k int, quota float64, clients int) {
	cores := func(d time.Duration) float64 { return d.Seconds() / f.wall.Seconds() }
	var perNode []string
	for i := range k {
		perNode = append(perNode, fmt.Sprintf("%.2f (throttled in %.0f%% of periods)",
			cores(f.nodeCPU[i]), 100*float64(f.throttled[i])/float64(max(f.periods[i], 1))))
	}
	free := float64(runtime.NumCPU()) - float64(k)*quota
	b.Logf("%d node(s) capped at %.2f CPU each, %d clients: cores used, nodes %s; PostgreSQL %.2f, clients %.2f, together %.2f of the %.2f the nodes' quotas leave; the machine idle %.2f cores (other work ran too)",
		k, quota, clients, strings.Join(perNode, ", "), cores(f.pgCPU), cores(f.client), cores(f.pgCPU+f.client), free, cores(f.idle))
}

// waitSummary is the mean number of backends waiting on each wait event
// seen, commonest first.
func (f *setupFigures) waitSummary() string {
	keys := make([]string, 0, len(f.waits))
	for k := range f.waits {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return f.waits[b] - f.waits[a] })
	var out []string
	for _, k := range keys[:min(len(keys), 5)] {
		out = append(out, fmt.Sprintf("%s %.3f", k, float64(f.waits[k])/float64(max(f.samples, 1))))
	}
	if len(out) == 0 {
		return "no backend seen waiting"
	}
	return "backends waiting (mean): " + strings.Join(out, ", ")
}

// project prints what N machines would give, from these (three-node)
// figures: each node's work per setup stays what it is here, so N nodes
// of C cores each manage N·C over the nodes' CPU per setup (the nodes'
// total here, whichever node held a side), until PostgreSQL's cores or
// the audit lock, which every node's setups share, run out.
func (f *setupFigures) project(b *testing.B) {
	node, pg, lock := f.perSetup(f.nodesCPU()), f.perSetup(f.pgCPU), f.perSetup(f.lockHeld())
	b.Logf("projection: one node core carries %.0f setups/s (%.2f ms of node CPU per setup); "+
		"1 PostgreSQL core carries %.0f/s (%.2f ms per setup), 2 cores %.0f/s; the audit lock caps the cluster at %.0f/s (%.0f µs held per setup)",
		1/node, node*1e3, 1/pg, pg*1e3, 2/pg, 1/lock, lock*1e6)
	for _, n := range []int{1, 2, 3, 4, 8} {
		for _, cores := range []int{2} {
			nodes := float64(n*cores) / node
			b.Logf("  %d node(s) × %d cores: nodes %.0f/s, so %.0f/s with PostgreSQL on 2 cores of its own (the lesser of nodes, PostgreSQL, audit lock)",
				n, cores, nodes, min(nodes, 2/pg, 1/lock))
		}
	}
}

// setupMeter measures setup rounds on a cluster.
type setupMeter struct {
	c        *signalingCluster
	groups   []*cpuGroup // each node's, with TANDEM_NODE_CPU
	clients  int         // setups run at once
	postgres int         // the postmaster's PID
	sampler  *pgx.Conn
	backend  int // the sampler's backend, left out of PostgreSQL's CPU
}

func newSetupMeter(b *testing.B, c *signalingCluster) *setupMeter {
	ctx := context.Background()
	dbURL := c.pg.URL("tandem")
	u, err := url.Parse(dbURL)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(u.Query().Get("host"), "data", "postmaster.pid"))
	if err != nil {
		b.Fatalf("the postmaster's PID: %v", err)
	}
	pid, err := strconv.Atoi(strings.SplitN(string(raw), "\n", 2)[0])
	if err != nil {
		b.Fatalf("postmaster.pid: %v", err)
	}
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		b.Fatal(err)
	}
	pw, err := os.ReadFile(c.pg.PasswordFile())
	if err != nil {
		b.Fatal(err)
	}
	cfg.Password = strings.TrimSpace(string(pw))
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	m := &setupMeter{c: c, postgres: pid, sampler: conn}
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&m.backend); err != nil {
		b.Fatal(err)
	}
	return m
}

func (m *setupMeter) close() { m.sampler.Close(context.Background()) }

// cpu reads each node's, PostgreSQL's and this process's CPU time so far.
func (m *setupMeter) cpu(b *testing.B) (nodes []time.Duration, pg, self time.Duration) {
	for _, nd := range m.c.nodes {
		nodes = append(nodes, cpuTime(b, nd.proc.cmd.Process.Pid))
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return nodes, m.postgresCPU(b), self
}

// postgresCPU is the postmaster's CPU time, its reaped children's
// (cutime, cstime) and its live children's but the sampler's backend.
func (m *setupMeter) postgresCPU(b *testing.B) time.Duration {
	f, ok := procStat(m.postgres)
	if !ok {
		b.Fatalf("postmaster %d gone", m.postgres)
	}
	ticks := f[11] + f[12] + f[13] + f[14]
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil || pid == m.backend {
			continue
		}
		if f, ok := procStat(pid); ok && f[1] == int64(m.postgres) {
			ticks += f[11] + f[12]
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// procStat returns /proc/PID/stat's numeric fields after the command
// name, numbered from the state (0): ppid is 1, utime 11, stime 12,
// cutime 13, cstime 14.
func procStat(pid int) ([]int64, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, false
	}
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	out := make([]int64, 15)
	for i := 1; i < len(out) && i < len(fields); i++ {
		out[i], _ = strconv.ParseInt(fields[i], 10, 64)
	}
	return out, true
}

// measure runs sessions setups with sides on different nodes among the
// first k, sampling the database's locks meanwhile.
func (m *setupMeter) measure(b *testing.B, k, sessions int, token string) setupFigures {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	xacts0, seq0 := m.xacts(b), m.auditSeq(b)
	nodes0, pg0, self0 := m.cpu(b)
	periods0, throttled0 := m.throttling(b)
	idle0 := machineIdle(b)
	start := time.Now()
	stop := make(chan struct{})
	done := make(chan setupFigures)
	go func() { done <- m.sample(ctx, stop) }()
	if err := setupRound(ctx, m.c, k, sessions, m.clients, token); err != nil {
		b.Fatalf("%d node(s): %v", k, err)
	}
	wall := time.Since(start)
	close(stop)
	f := <-done
	nodes1, pg1, self1 := m.cpu(b)
	periods1, throttled1 := m.throttling(b)
	f.idle = machineIdle(b) - idle0
	for i := range periods1 {
		f.periods = append(f.periods, periods1[i]-periods0[i])
		f.throttled = append(f.throttled, throttled1[i]-throttled0[i])
	}
	f.setups, f.wall, f.pgCPU, f.client = sessions, wall, pg1-pg0, self1-self0
	for i := range nodes1 {
		f.nodeCPU = append(f.nodeCPU, nodes1[i]-nodes0[i])
	}
	// The statistics reach pg_stat_database within a second of a
	// transaction's end; the sampler's own are not the setups'.
	time.Sleep(1500 * time.Millisecond)
	f.pgXacts = m.xacts(b) - xacts0 - int64(f.samples) - 3
	f.auditRows, f.auditTxs = m.auditAppends(b, seq0)
	return f
}

// throttling reads each node's cgroup's CFS periods and throttled
// periods so far; none without TANDEM_NODE_CPU.
func (m *setupMeter) throttling(b *testing.B) (periods, throttled []int64) {
	for _, g := range m.groups {
		p, t, err := g.stat()
		if err != nil {
			b.Fatal(err)
		}
		periods, throttled = append(periods, p), append(throttled, t)
	}
	return periods, throttled
}

// machineIdle is the machine's idle and I/O-wait time so far, summed over
// its cores (/proc/stat's cpu line).
func machineIdle(b *testing.B) time.Duration {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		b.Fatal(err)
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	fields := strings.Fields(line)
	if len(fields) < 6 {
		b.Fatalf("/proc/stat: %q", line)
	}
	var ticks int64
	for _, f := range fields[4:6] { // idle, iowait
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			b.Fatalf("/proc/stat: %q", line)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// auditSeq is the audit chain's newest sequence number.
func (m *setupMeter) auditSeq(b *testing.B) int64 {
	var seq int64
	if err := m.sampler.QueryRow(context.Background(), `SELECT coalesce(max(seq), 0) FROM audit_log`).Scan(&seq); err != nil {
		b.Fatal(err)
	}
	return seq
}

// auditAppends counts the audit entries after seq and the transactions
// that wrote them (by the rows' xmin, the writing transaction's ID).
func (m *setupMeter) auditAppends(b *testing.B, seq int64) (rows, txs int64) {
	err := m.sampler.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT xmin::text) FROM audit_log WHERE seq > $1`, seq).
		Scan(&rows, &txs)
	if err != nil {
		b.Fatal(err)
	}
	return rows, txs
}

// setupRound is the setup workload of logSetupRate and the benchmark:
// sessions setups from clients at once, each session's two sides on
// different nodes among the first k.
func setupRound(ctx context.Context, c *signalingCluster, k, sessions, clients int, token string) error {
	next := make(chan int, sessions)
	for i := range sessions {
		next <- i
	}
	close(next)
	errc := make(chan error, clients)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := range next {
				if _, _, err := pair(ctx, c, c.nodes[i%k].url, c.nodes[(i+1)%k].url, token); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// auditLock names the store's audit advisory lock in pg_locks: its 64-bit
// key's high and low halves (package store, auditLockKey).
const auditLockClassID, auditLockObjID = 0x74616e64, 0x656d0001

// sample polls, every 5 ms until stop, whether the audit lock is held
// and which wait events the database's backends are in.
func (m *setupMeter) sample(ctx context.Context, stop <-chan struct{}) setupFigures {
	f := setupFigures{waits: map[string]int{}}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for {
		select {
		case <-stop:
			f.sampling = time.Since(start)
			return f
		case <-tick.C:
		}
		var held bool
		var waits []string
		err := m.sampler.QueryRow(ctx, `SELECT
			EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND granted),
			ARRAY(SELECT wait_event_type || ':' || wait_event FROM pg_stat_activity
				WHERE datname = 'tandem' AND state = 'active' AND pid <> pg_backend_pid() AND wait_event IS NOT NULL)`,
			auditLockClassID, auditLockObjID).Scan(&held, &waits)
		if err != nil {
			continue // the round's own failure, if any, is what is reported
		}
		f.samples++
		if held {
			f.held++
		}
		for _, w := range waits {
			f.waits[w]++
		}
	}
}

// xacts is the database's committed transactions so far.
func (m *setupMeter) xacts(b *testing.B) int64 {
	var n int64
	if err := m.sampler.QueryRow(context.Background(), `SELECT xact_commit FROM pg_stat_database WHERE datname = 'tandem'`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}
