package deploy

import (
	"bufio"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// testOnly are packages of the test stack that building and `make run`
// never need; the build set must not ask for any of them.
var testOnly = []string{"chromium", "coturn", "xvfb", "xterm", "xdotool", "nodejs", "npm",
	"iproute2", "iptables", "postgresql", "wine", "fonts-dejavu-core", "libgl1-mesa-dri"}

// mains are the binaries `make build` builds.
var mains = []string{"./agent", "./technician", "./signaling", "./turnrelay"}

// depsList runs scripts/install-deps.sh --list SET in root.
func depsList(t *testing.T, root, set string) []string {
	t.Helper()
	return strings.Fields(run(t, root, nil, filepath.Join(root, "scripts/install-deps.sh"), "--list", set))
}

func TestInstallDepsSets(t *testing.T) {
	root := repoRoot(t)
	build, test := depsList(t, root, "build"), depsList(t, root, "test")
	for _, p := range build {
		if !slices.Contains(test, p) {
			t.Errorf("build package %s is not in the test set: `make test` then `make run` would install again", p)
		}
	}
	for _, p := range testOnly {
		if slices.Contains(build, p) {
			t.Errorf("the build set asks for %s, a test-only package", p)
		}
	}
	for _, p := range []string{"chromium", "coturn", "xvfb"} {
		if !slices.Contains(test, p) {
			t.Errorf("the test set lost %s", p)
		}
	}
}

// TestBuildSetCoversCgo derives, from the Go build graph of the four
// binaries, every file outside Go the build reads (headers their cgo
// files include, pkg-config files, static libraries, gcc and pkg-config)
// and checks that installing the build set (with its dependencies, as
// apt would) brings each of them.
func TestBuildSetCoversCgo(t *testing.T) {
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("needs Debian (dpkg-query)")
	}
	root := repoRoot(t)
	needs := buildNeeds(t, root)
	db := readDpkg(t)
	have := db.closure(depsList(t, root, "build"))
	for path, owner := range needs {
		if !have[owner] {
			t.Errorf("the build reads %s (package %s), which the build set does not bring", path, owner)
		}
	}
	t.Logf("%d files the build reads, from packages %s, all brought by the build set", len(needs), strings.Join(owners(needs), " "))
}

func owners(needs map[string]string) []string {
	var o []string
	for _, p := range needs {
		if !slices.Contains(o, p) {
			o = append(o, p)
		}
	}
	slices.Sort(o)
	return o
}

// goEnv is the environment the tests give the go command and make.
func goEnv() []string {
	env := []string{"GOTOOLCHAIN=auto"}
	if _, err := exec.LookPath("go"); err != nil {
		env = append(env, "PATH=/usr/local/go/bin:"+os.Getenv("PATH"))
	}
	return env
}

var includeRE = regexp.MustCompile(`(?m)^\s*#\s*include\s*<([^>]+)>`)

// buildNeeds maps each file outside Go that building the mains reads to
// the Debian package that owns it.
func buildNeeds(t *testing.T, root string) map[string]string {
	t.Helper()
	const format = `{{if .CgoFiles}}{{.Dir}}|{{join .CgoFiles ","}},{{join .CFiles ","}},{{join .HFiles ","}}|{{join .CgoPkgConfig ","}}|{{join .CgoLDFLAGS " "}}{{"\n"}}{{end}}`
	out := run(t, root, goEnv(), "go", append([]string{"list", "-deps", "-f", format}, mains...)...)
	multiarch := strings.TrimSpace(run(t, "", nil, "gcc", "-dumpmachine"))
	paths := map[string]bool{}
	for _, tool := range []string{"gcc", "pkg-config"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		paths[p] = true
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 4 {
			t.Fatalf("go list line %q", line)
		}
		for _, h := range includes(t, f[0], strings.Split(f[1], ",")) {
			if p := findHeader(h, multiarch); p != "" {
				paths[p] = true
			}
		}
		for _, pc := range strings.Split(f[2], ",") {
			if pc != "" {
				paths[strings.TrimSpace(run(t, "", nil, "pkg-config", "--path", pc))] = true
			}
		}
		for _, lib := range libraries(f[3]) {
			paths[lib] = true
		}
	}
	needs := ownersOf(t, slices.Collect(maps.Keys(paths)))
	return needs
}

// includes lists the <system> headers the named files in dir include.
func includes(t *testing.T, dir string, files []string) []string {
	t.Helper()
	var hs []string
	for _, f := range files {
		if f == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range includeRE.FindAllSubmatch(b, -1) {
			hs = append(hs, string(m[1]))
		}
	}
	return hs
}

// findHeader is the file gcc would read for #include <h> from the
// system's folders, or "" (gcc's own headers, another OS's).
func findHeader(h, multiarch string) string {
	for _, d := range []string{"/usr/include/" + multiarch, "/usr/include"} {
		p := filepath.Join(d, h)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// libraries resolves cgo LDFLAGS' -lNAME to the files the linker reads:
// libNAME.a between -Bstatic and -Bdynamic, else a regular libNAME.so
// (a linker script such as libm.so); symlinks to run-time libraries are
// left out, as hiding them would hide what installed programs run on.
func libraries(ldflags string) []string {
	var libs []string
	static := false
	for _, f := range strings.Fields(ldflags) {
		switch {
		case f == "-Wl,-Bstatic":
			static = true
		case f == "-Wl,-Bdynamic":
			static = false
		case strings.HasPrefix(f, "-l"):
			name := "lib" + f[2:] + ".so"
			if static {
				name = "lib" + f[2:] + ".a"
			}
			out, err := exec.Command("gcc", "-print-file-name="+name).Output()
			p := filepath.Clean(strings.TrimSpace(string(out)))
			if fi, err2 := os.Lstat(p); err == nil && err2 == nil && fi.Mode().IsRegular() {
				libs = append(libs, p)
			}
		}
	}
	return libs
}

// ownersOf maps each path to the Debian package that installed it,
// asking dpkg once (each query reads every package's file list).
func ownersOf(t *testing.T, paths []string) map[string]string {
	t.Helper()
	alias := map[string]string{} // a spelling dpkg may know -> the path
	spellings := map[string][]string{}
	for _, p := range paths {
		cands := []string{p}
		if r, err := filepath.EvalSymlinks(p); err == nil {
			cands = append(cands, r)
		}
		for _, c := range slices.Clone(cands) {
			if s, ok := strings.CutPrefix(c, "/usr/"); ok {
				cands = append(cands, "/"+s) // merged /usr: dpkg may know /lib/...
			}
		}
		for _, c := range cands {
			if _, ok := alias[c]; !ok {
				alias[c] = p
			}
		}
		spellings[p] = cands
	}
	out, _ := exec.Command("dpkg-query", append([]string{"-S"}, slices.Collect(maps.Keys(alias))...)...).Output()
	byFile := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		pkgs, file, ok := strings.Cut(line, ": ")
		if ok && !strings.HasPrefix(line, "diversion") {
			pkg, _, _ := strings.Cut(strings.Split(pkgs, ", ")[0], ":")
			byFile[file] = pkg
		}
	}
	owner := map[string]string{}
	for _, p := range paths {
		for _, c := range spellings[p] { // the path's own spelling first
			if owner[p] == "" {
				owner[p] = byFile[c]
			}
		}
		if owner[p] == "" {
			t.Fatalf("no Debian package owns %s", p)
		}
	}
	return owner
}

// dpkgDB is what dpkg knows of the installed packages' dependencies.
type dpkgDB struct {
	deps      map[string][][]string // package -> AND of OR-groups
	providers map[string][]string   // virtual name -> installed packages
}

func readDpkg(t *testing.T) dpkgDB {
	t.Helper()
	out := run(t, "", nil, "dpkg-query", "-W", "-f", "${Package}\t${db:Status-Status}\t${Provides}\t${Pre-Depends}, ${Depends}\n")
	db := dpkgDB{deps: map[string][][]string{}, providers: map[string][]string{}}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 4 || f[1] != "installed" {
			continue
		}
		for _, g := range relations(f[2]) {
			db.providers[g[0]] = append(db.providers[g[0]], f[0])
		}
		db.deps[f[0]] = relations(f[3])
	}
	return db
}

// relations parses a Depends-style field into OR-groups of bare names.
func relations(field string) [][]string {
	var groups [][]string
	for _, and := range strings.Split(field, ",") {
		var g []string
		for _, or := range strings.Split(and, "|") {
			name, _, _ := strings.Cut(strings.TrimSpace(or), " ")
			name, _, _ = strings.Cut(name, ":")
			if name != "" {
				g = append(g, name)
			}
		}
		if len(g) > 0 {
			groups = append(groups, g)
		}
	}
	return groups
}

// closure is what installing names would install here, as apt picks:
// each package's dependencies, the first installed choice of each
// alternative, a virtual name's first installed provider.
func (db dpkgDB) closure(names []string) map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if _, ok := db.deps[n]; !ok {
			if ps := db.providers[n]; len(ps) > 0 {
				n = ps[0]
			} else {
				return
			}
		}
		if seen[n] {
			return
		}
		seen[n] = true
		for _, g := range db.deps[n] {
			for _, alt := range g {
				if _, ok := db.deps[alt]; ok || len(db.providers[alt]) > 0 {
					visit(alt)
					break
				}
			}
		}
	}
	for _, n := range names {
		visit(n)
	}
	return seen
}
