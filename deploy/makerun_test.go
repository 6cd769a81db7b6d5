package deploy

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The fresh-machine test: `make run` in a clean clone, on a machine where
// every build dependency is absent, must install them and start a server
// that answers /healthz.
//
// The machine is this one, with the packages the build needs made
// invisible in a private mount namespace: every file the build reads from
// them (derived from the Go build graph: buildNeeds) is covered by an
// empty, non-executable file. A shim dpkg-query says no package is
// installed; a shim apt-get records what it is asked for and "installs"
// a package by uncovering the files of it and of its dependencies, as
// apt would bring them. The real build and the real server then run.
//
// It proves: make run calls the installer before building; the installer
// asks apt for exactly the build set, which brings every file the build
// reads; nothing of the test stack is asked for; the cgo packages then
// compile for real (a fresh CGO_CFLAGS defeats the build cache for them);
// the server answers. It does not prove: that Debian's archive has these
// packages or that apt resolves them on a really fresh system (the shim
// uncovers what this machine already has), nor anything about files
// outside the build (the Go toolchain and make are taken as given, as
// the README does).

// shimAptGet stands in for apt-get inside the namespace.
const shimAptGet = `#!/bin/bash
set -eu
shim=$(dirname "$0")
echo "$*" >>"$shim/apt.log"
cmd= pkgs=()
for a in "$@"; do
	case "$a" in
	-*) ;;
	*) if [ -z "$cmd" ]; then cmd=$a; else pkgs+=("$a"); fi ;;
	esac
done
case "$cmd" in
update) exit 0 ;;
install) ;;
*) echo "apt-get (test shim): no $cmd" >&2; exit 100 ;;
esac
for p in "${pkgs[@]}"; do
	brings=$(awk -F'\t' -v p="$p" '$1 == p { print $2; found = 1 } END { exit !found }' "$shim/packages.tsv") || {
		echo "apt-get (test shim): $p is not installed on this machine, so it cannot stand in for it" >&2
		exit 100
	}
	while IFS=$'\t' read -r owner path; do
		if [[ " $brings " == *" $owner "* ]] && ! grep -qxF "$path" "$shim/shown"; then
			umount "$path"
			echo "$path" >>"$shim/shown"
		fi
	done <"$shim/hidden.tsv"
	echo "$p" >>"$shim/installed"
done
`

// shimDpkgQuery answers install-deps.sh's one query as a fresh machine
// would: only what the shim apt-get installed is installed.
const shimDpkgQuery = `#!/bin/bash
shim=$(dirname "$0")
case "$*" in
'-W -f=${Package} ${db:Status-Status}\n '*) ;;
*) echo "dpkg-query (test shim): only install-deps.sh's query is known, not: $*" >&2; exit 2 ;;
esac
/usr/bin/dpkg-query "$@" 2>/dev/null | while read -r p s; do
	if grep -qxF "$p" "$shim/installed"; then echo "$p $s"; else echo "$p not-installed"; fi
done
exit 0
`

// setupNamespace covers the build's files, checks the build fails, then
// runs the command it is given (make run).
const setupNamespace = `#!/bin/bash
set -eu
shim=$1 clone=$2
shift 2
n=0
while IFS=$'\t' read -r owner path; do
	mount --bind "$shim/empty" "$path"
	n=$((n + 1))
done <"$shim/hidden.tsv"
echo "deploytest: covered $n files"
if (cd "$clone" && CGO_ENABLED=1 go build -o /dev/null ./internal/media/vpx) >"$shim/negative.log" 2>&1; then
	echo "deploytest: internal/media/vpx built with its dependencies covered" >&2
	exit 1
fi
echo "deploytest: internal/media/vpx does not build while covered"
exec "$@"
`

func TestMakeRunFreshMachine(t *testing.T) {
	needRootDebian(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare (util-linux)")
	}
	clone := cleanClone(t)
	shim := writeShims(t, clone)
	build := depsList(t, clone, "build")

	out, metrics := startMakeRun(t, clone, shim)
	if code := healthz(t, metrics); code != http.StatusOK {
		t.Fatalf("/healthz answered %d\n%s", code, out())
	}
	t.Logf("make run: built and answered /healthz at %s", metrics)

	log := readFile(t, filepath.Join(shim, "apt.log"))
	t.Logf("apt-get was asked:\n%s", log)
	calls := strings.Split(strings.TrimSpace(log), "\n")
	if len(calls) != 2 || calls[0] != "update -qq" || !strings.HasPrefix(calls[1], "install ") {
		t.Fatalf("apt-get calls %q, want update then one install", calls)
	}
	asked := slices.DeleteFunc(strings.Fields(calls[1])[1:], func(s string) bool { return strings.HasPrefix(s, "-") })
	if !sameSet(asked, build) {
		t.Errorf("apt-get install %v, want the build set %v", asked, build)
	}
	for _, p := range testOnly {
		if slices.Contains(asked, p) {
			t.Errorf("make run asked for %s, a test-only package", p)
		}
	}
	hidden, shown := lines(readFile(t, filepath.Join(shim, "hidden.tsv"))), lines(readFile(t, filepath.Join(shim, "shown")))
	if len(shown) != len(hidden) {
		t.Errorf("%d of %d covered files were brought by the install", len(shown), len(hidden))
	}
	checkOrders(t, clone, shim, build)
}

// checkOrders checks, with the shims, that a second make run asks apt
// for nothing, that after the test set the build set needs nothing, and
// that after the build set the test set asks for the rest only.
func checkOrders(t *testing.T, clone, shim string, build []string) {
	t.Helper()
	deps := filepath.Join(clone, "scripts/install-deps.sh")
	env := []string{"PATH=" + shim + ":" + os.Getenv("PATH")}
	aptLog := filepath.Join(shim, "apt.log")
	before := readFile(t, aptLog)
	if out := run(t, clone, env, deps, "build"); !strings.Contains(out, "packages present") || readFile(t, aptLog) != before {
		t.Errorf("second run of the build set: %q; apt-get asked: %q", out, strings.TrimPrefix(readFile(t, aptLog), before))
	}
	test := depsList(t, clone, "test")
	writeFile(t, filepath.Join(shim, "installed"), strings.Join(test, "\n")+"\n")
	if out := run(t, clone, env, deps, "build"); !strings.Contains(out, "packages present") {
		t.Errorf("build set after the test set: %q", out)
	}
}

// writeShims makes the shim folder: the fake apt-get and dpkg-query, the
// files to cover (hidden.tsv: owner, path) and what each installed
// package would bring of them (packages.tsv: package, owners).
func writeShims(t *testing.T, clone string) string {
	t.Helper()
	shim := filepath.Join(t.TempDir(), "shim")
	needs := buildNeeds(t, clone)
	var hidden strings.Builder
	for _, p := range slices.Sorted(maps.Keys(needs)) {
		fmt.Fprintf(&hidden, "%s\t%s\n", needs[p], p)
	}
	db, wanted := readDpkg(t), owners(needs)
	var pkgs strings.Builder
	for _, p := range slices.Sorted(maps.Keys(db.deps)) {
		var brings []string
		for o := range db.closure([]string{p}) {
			if slices.Contains(wanted, o) {
				brings = append(brings, o)
			}
		}
		fmt.Fprintf(&pkgs, "%s\t%s\n", p, strings.Join(brings, " "))
	}
	for name, body := range map[string]string{"apt-get": shimAptGet, "dpkg-query": shimDpkgQuery, "setup.sh": setupNamespace} {
		writeFile(t, filepath.Join(shim, name), body)
		if err := os.Chmod(filepath.Join(shim, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range map[string]string{"hidden.tsv": hidden.String(), "packages.tsv": pkgs.String(),
		"empty": "", "installed": "", "shown": "", "apt.log": ""} {
		writeFile(t, filepath.Join(shim, name), body)
	}
	return shim
}

var metricsLine = regexp.MustCompile(`Metrics: (http://\S+)/metrics`)

// startMakeRun starts `make run` in the namespace, on loopback ports of
// its own, and waits for the server's metrics address; the process group
// is stopped when the test ends. out returns what it printed so far.
func startMakeRun(t *testing.T, clone, shim string) (out func() string, metrics string) {
	t.Helper()
	flags := "-addr 127.0.0.1:0 -metrics-addr 127.0.0.1:0 -relay-udp 127.0.0.1:0 -relay-tcp 127.0.0.1:0"
	cmd := exec.Command("unshare", "--mount", "--propagation", "private",
		filepath.Join(shim, "setup.sh"), shim, clone,
		"make", "-C", clone, "run", "DATA="+filepath.Join(t.TempDir(), "data"), "RUN_FLAGS="+flags)
	cmd.Env = append(os.Environ(), goEnv()...)
	cmd.Env = append(cmd.Env, "PATH="+shim+":"+pathWithGo(),
		// A CGO_CFLAGS no build had: every cgo package compiles anew.
		fmt.Sprintf("CGO_CFLAGS=-O2 -g -DTANDEM_DEPLOYTEST=%d", time.Now().UnixNano()))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var buf strings.Builder
	out = func() string { mu.Lock(); defer mu.Unlock(); return buf.String() }
	found, exited := make(chan string, 1), make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			mu.Lock()
			buf.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := metricsLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	go func() { exited <- cmd.Wait(); w.Close() }()
	t.Cleanup(func() { stopGroup(cmd.Process.Pid, exited) })
	select {
	case metrics = <-found:
		return out, metrics
	case err := <-exited:
		exited <- err
		t.Fatalf("make run ended (%v) before the server started:\n%s\nnegative control:\n%s", err, out(), readFile(t, filepath.Join(shim, "negative.log")))
	case <-time.After(20 * time.Minute):
		t.Fatalf("make run: no server after 20 minutes:\n%s", out())
	}
	return out, ""
}

// stopGroup ends make and the server it started: SIGTERM, then SIGKILL.
func stopGroup(pid int, exited chan error) {
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-exited
	}
}

// healthz asks the server's /healthz (its listener is open before the
// line that names it is printed).
func healthz(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("/healthz: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func pathWithGo() string {
	p := os.Getenv("PATH")
	if goBin, err := exec.LookPath("go"); err == nil {
		return filepath.Dir(goBin) + ":" + p
	}
	return "/usr/local/go/bin:" + p
}

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}

// lines splits s into its non-empty lines.
func lines(s string) []string { return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' }) }

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, name, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
