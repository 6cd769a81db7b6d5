package filexfer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCheckFetchPath(t *testing.T) {
	for _, tc := range []struct {
		name, in, why string // why: part of the error, "" if accepted
	}{
		{"absolute", "/home/u/Documents/a.pdf", ""},
		{"relative to home", "Documents/Relevé 2026.pdf", ""},
		{"tilde", "~/Documents/a.pdf", ""},
		{"dot element", "./Documents/a.pdf", ""},
		{"dot dot in the middle", "Documents/Invoices/../../.ssh/id_ed25519", `".." element`},
		{"dot dot after dot", "./x/../y", `".." element`},
		{"dot dot absolute", "/home/u/Documents/../.ssh/id_ed25519", `".." element`},
		{"dot dot last", "/home/u/..", `".." element`},
		{"dot dot backslash", `Documents\..\..\x`, `".." element`},
		{"tilde user", "~root/.ssh/id_ed25519", "~user"},
		{"empty", "", "is empty"},
		{"blank", "  ", "is empty"},
		{"RTL override", "/home/u/invoice\u202Efdp.exe", "U+202E (RIGHT-TO-LEFT OVERRIDE)"},
		{"zero width space", "/home/u/Docu\u200Bments/a.pdf", "U+200B (ZERO WIDTH SPACE)"},
		{"byte order mark", "/home/u/\uFEFFa.pdf", "invisible character U+FEFF"},
		{"hangul filler", "/home/u/\u3164/a.pdf", "invisible character U+3164"},
		{"tag character", "/home/u/a\U000E0041.pdf", "invisible character U+E0041"},
		{"line separator", "/home/u/a\u2028b.pdf", "line break U+2028"},
		{"variation selector in the name", "/home/u/report\uFE0F.pdf", "variation selector U+FE0F (VARIATION SELECTOR-16)"},
		{"variation selector in a folder", "Documents\U000E0100/a.pdf", "variation selector U+E0100"},
		{"newline", "/home/u/a\n/etc/passwd", "control character"},
		{"invalid UTF-8", "/home/u/a\xff", "not valid UTF-8"},
		{"too long", "/" + strings.Repeat("a", maxTextLen), "longer than"},
		{"drive absolute", `C:\Users\u\Documents\a.pdf`, ""},
		{"drive absolute slashes", "C:/Users/u/a.pdf", ""},
		{"UNC share", `\\attacker\share\x`, "network share or a device"},
		{"UNC slashes", "//attacker/share/x", "network share or a device"},
		{"UNC mixed", `/\attacker\share\x`, "network share or a device"},
		{"UNC long form", `\\?\UNC\attacker\share\x`, "network share or a device"},
		{"long path prefix", `\\?\C:\Users\u\a.pdf`, "network share or a device"},
		{"device namespace", `\\.\pipe\spoolss`, "network share or a device"},
		{"NT object path", `\??\UNC\attacker\share\x`, "network share or a device"},
		{"NT object path slashes", "/??/C:/x", "network share or a device"},
		{"drive relative", "C:foo.pdf", "drive-relative"},
		{"drive alone", "C:", "drive-relative"},
		{"stream", `C:\Users\u\a.pdf:secret`, "colon"},
		{"device with colon", "COM1:", "colon"},
		{"colon in a folder", "/home/u/a:b/c.pdf", "colon"},
		{"device name", `C:\Users\u\CON`, `"CON", a device name`},
		{"device name with extension", "Documents/nul.txt", `"nul.txt", a device name`},
		{"device folder", "/home/u/com1/a.pdf", `"com1", a device name`},
		{"device superscript", "/home/u/COM¹", "device name"},
		{"not a device", "/home/u/CONSOLE.txt", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckFetchPath(tc.in)
			if tc.why == "" {
				if err != nil {
					t.Fatalf("CheckFetchPath(%q) = %v, want it accepted", tc.in, err)
				}
				return
			}
			if !errors.Is(err, ErrBadName) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("CheckFetchPath(%q) = %v; want ErrBadName saying %q", tc.in, err, tc.why)
			}
		})
	}
}

// customer is a home folder with an SSH key, documents, and links that
// point into .ssh from innocent-looking places.
type customer struct {
	home, key, report string
	keyData, repData  []byte
}

func newCustomer(t *testing.T) customer {
	t.Helper()
	home, err := filepath.EvalSymlinks(t.TempDir())
	check(t, err)
	c := customer{home: home, keyData: []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n"), repData: []byte("%PDF-1.7 report")}
	for _, d := range []string{".ssh", "Documents/Invoices", "Desktop"} {
		check(t, os.MkdirAll(filepath.Join(home, d), 0o700))
	}
	c.key = filepath.Join(home, ".ssh", "id_ed25519")
	c.report = filepath.Join(home, "Documents", "report.pdf")
	check(t, os.WriteFile(c.key, c.keyData, 0o600))
	check(t, os.WriteFile(c.report, c.repData, 0o600))
	check(t, os.Symlink(filepath.Join(home, ".ssh"), filepath.Join(home, "Documents", "keys")))
	check(t, os.Symlink("../.ssh/id_ed25519", filepath.Join(home, "Desktop", "Invoice.pdf")))
	check(t, os.WriteFile(filepath.Join(home, "a\u200Bb.pdf"), nil, 0o600))
	check(t, os.Symlink("../a\u200Bb.pdf", filepath.Join(home, "Desktop", "plain.pdf")))
	return c
}

// asker records what Decide is asked and answers with answer.
type asker struct {
	mu     sync.Mutex
	asked  []Ask
	answer bool
}

func (a *asker) decide(_ context.Context, q Ask) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked = append(a.asked, q)
	return a.answer
}

func (a *asker) take() []Ask {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := a.asked
	a.asked = nil
	return q
}

// TestRequestHostilePaths: the serving side, sent hostile paths as a
// hostile technician would (past Request's own check), refuses ".." and
// invisible characters before asking, and asks about every other path as
// the file that would really be read: resolved through links, with where
// it is and whether it is hidden or outside the home folder.
func TestRequestHostilePaths(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 20*time.Second)
	c := newCustomer(t)
	ca, cb := memPipe()
	defer ca.close()
	tech := start(t, ca, Config{}, nil)
	cust := &asker{answer: true}
	start(t, cb, Config{Home: c.home}, cust.decide)
	for _, tc := range []struct {
		name, path string
		why        string // refused before asking with ErrBadName saying this
		want       *Ask   // else asked this (Kind and ID not compared)
		data       []byte // and, allowed, this arrives
	}{
		{name: "dot dot relative", path: "Documents/Invoices/../../.ssh/id_ed25519", why: `".." element`},
		{name: "dot dot absolute", path: c.home + "/Documents/Invoices/../../.ssh/id_ed25519", why: `".." element`},
		{name: "dot then dot dot", path: "./x/../y", why: `".." element`},
		{name: "RTL override", path: "Documents/report\u202Efdp.exe", why: "U+202E"},
		{name: "zero width space", path: "Documents/report\u200B.pdf", why: "U+200B"},
		{name: "variation selector", path: "Documents/report\uFE0F.pdf", why: "U+FE0F"},
		{name: "UNC share", path: `\\203.0.113.7\share\x.pdf`, why: "network share"},
		{name: "UNC slashes", path: "//203.0.113.7/share/x.pdf", why: "network share"},
		{name: "device", path: `\\.\COM1`, why: "device"},
		{name: "device name", path: "Documents/NUL", why: "device name"},
		{name: "drive relative", path: "C:report.pdf", why: "drive-relative"},
		{name: "link to an invisible name", path: "Desktop/plain.pdf", why: "leads through a link"},
		{name: "relative", path: "Documents/report.pdf",
			want: &Ask{Name: "report.pdf", Path: c.report, Size: int64(len(c.repData))}, data: c.repData},
		{name: "tilde", path: "~/Documents/./report.pdf",
			want: &Ask{Name: "report.pdf", Path: c.report, Size: int64(len(c.repData))}, data: c.repData},
		{name: "symlinked folder to .ssh", path: "Documents/keys/id_ed25519",
			want: &Ask{Name: "id_ed25519", Path: c.key, Size: int64(len(c.keyData)), Hidden: true}, data: c.keyData},
		{name: "symlink posing as an invoice", path: c.home + "/Desktop/Invoice.pdf",
			want: &Ask{Name: "id_ed25519", Path: c.key, Size: int64(len(c.keyData)), Hidden: true}, data: c.keyData},
		{name: "outside home", path: "/etc/passwd",
			want: &Ask{Name: "passwd", Path: "/etc/passwd", Size: fileSize(t, "/etc/passwd"), OutsideHome: true}},
		{name: "folder", path: "Documents/Invoices",
			want: &Ask{Name: "Invoices", Path: filepath.Join(c.home, "Documents/Invoices"), Size: -1}},
		{name: "missing", path: "Documents/Invoices/none.pdf",
			want: &Ask{Name: "none.pdf", Path: filepath.Join(c.home, "Documents/Invoices/none.pdf"), Size: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := listing(t, tech.dir)
			res, err := tech.ep.request(ctx, tech.ep.newKey(), tc.path)
			asked := cust.take()
			if tc.why != "" {
				if !errors.Is(err, ErrBadName) || !strings.Contains(err.Error(), tc.why) {
					t.Fatalf("error %v, want ErrBadName saying %q", err, tc.why)
				}
				if len(asked) != 0 {
					t.Fatalf("the customer was asked %+v", asked)
				}
				if after := listing(t, tech.dir); len(after) != len(before) {
					t.Fatalf("requester's folder went from %q to %q", before, after)
				}
				return
			}
			if len(asked) != 1 {
				t.Fatalf("asked %d times, want once", len(asked))
			}
			got := asked[0]
			got.Kind, got.ID = 0, 0
			if got != *tc.want {
				t.Fatalf("asked %+v, want %+v", got, *tc.want)
			}
			switch {
			case tc.want.Size < 0:
				wantErr(t, err, ErrUnavailable)
			case tc.data != nil:
				check(t, err)
				sameContent(t, res.Path, tc.data)
				stem := strings.TrimSuffix(tc.want.Name, filepath.Ext(tc.want.Name))
				if res.Name != tc.want.Name && !strings.HasPrefix(res.Name, stem+" (") {
					t.Fatalf("landed as %q, want %q", res.Name, tc.want.Name)
				}
			}
		})
	}
}

func fileSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Skipf("%s: %v", path, err)
	}
	return fi.Size()
}

// TestRequestSwappedWhileAsking: what is read after the customer's yes is
// the file shown, even if another file takes its name (or a link takes its
// folder's) while the question is on screen.
func TestRequestSwappedWhileAsking(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 20*time.Second)
	c := newCustomer(t)
	ca, cb := memPipe()
	defer ca.close()
	tech := start(t, ca, Config{}, nil)
	docs := filepath.Join(c.home, "Documents")
	start(t, cb, Config{Home: c.home}, func(_ context.Context, a Ask) bool {
		// The Documents folder becomes a link to .ssh, and a copy of
		// the key takes the report's name there.
		check(t, os.Rename(docs, docs+".old"))
		check(t, os.Symlink(filepath.Join(c.home, ".ssh"), docs))
		check(t, os.WriteFile(filepath.Join(c.home, ".ssh", "report.pdf"), c.keyData, 0o600))
		return a.Path == c.report
	})
	res, err := tech.ep.Request(ctx, "Documents/report.pdf")
	check(t, err)
	sameContent(t, res.Path, c.repData)
}

// FuzzCheckFetchPath checks that an accepted path, made absolute from a
// home folder, stays in that folder unless it was absolute, and holds
// nothing that would hide part of it from the question.
func FuzzCheckFetchPath(f *testing.F) {
	for _, s := range []string{"Documents/a.pdf", "~/a", "/etc/passwd", "a/../../b", "./x/../y", `a\..\b`,
		"~root/x", "a\u200Bb", "..", "~/..", "~", `\\h\s\x`, "//h/s", `\??\C:\x`, "C:x", `C:\a\nul`, "a:b"} {
		f.Add(s)
	}
	home := filepath.FromSlash("/home/c")
	f.Fuzz(func(t *testing.T, path string) {
		if CheckFetchPath(path) != nil {
			return
		}
		abs, err := absFetch(path, home)
		if err != nil {
			t.Fatalf("accepted %q, then %v", path, err)
		}
		if rel, err := filepath.Rel(home, abs); !filepath.IsAbs(path) && (err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))) {
			t.Fatalf("accepted %q leaves the home folder: %q", path, abs)
		}
		for _, r := range path {
			if runeProblem(r) != "" {
				t.Fatalf("accepted %q holds %U", path, r)
			}
		}
		if len(path) >= 2 && isSeparator(rune(path[0])) && isSeparator(rune(path[1])) {
			t.Fatalf("accepted %q, a network share or device path on Windows", path)
		}
		if i := strings.LastIndex(path, ":"); i >= 0 && (i != 1 || len(path) == 2 || !isSeparator(rune(path[2]))) {
			t.Fatalf("accepted %q, whose colon Windows reads as a drive-relative path, a device or a stream", path)
		}
	})
}
