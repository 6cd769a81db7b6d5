package agentui

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// tree makes a small home folder: folders, files, a hidden file, and a
// link to a folder.
func tree(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	for _, d := range []string{"Documents", "Desktop", "projects", ".cache"} {
		if err := os.Mkdir(filepath.Join(home, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"notes.txt", "Budget.ods", ".netrc", "Documents/report.pdf"} {
		if err := os.WriteFile(filepath.Join(home, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(home, "projects"), filepath.Join(home, "work")); err != nil {
		t.Fatal(err)
	}
	return home
}

func names(l listing) []string {
	var out []string
	for _, e := range l.Entries {
		n := e.Name
		if e.Dir {
			n += "/"
		}
		out = append(out, n)
	}
	return out
}

func TestListFolder(t *testing.T) {
	home := tree(t)
	for _, c := range []struct {
		name, path string
		want       []string
	}{
		{"a folder: folders first, then files, by name; no hidden entries", home + "/",
			[]string{"Desktop/", "Documents/", "projects/", "work/", "Budget.ods", "notes.txt"}},
		{"a folder without the trailing separator lists it too", home,
			[]string{"Desktop/", "Documents/", "projects/", "work/", "Budget.ods", "notes.txt"}},
		{"the start of a name narrows, whatever its case", filepath.Join(home, "d"), []string{"Desktop/", "Documents/"}},
		{"a leading dot lists hidden entries", home + "/.", []string{".cache/", ".netrc"}},
		{"inside a folder", filepath.Join(home, "Documents") + "/", []string{"report.pdf"}},
		{"nothing matches", filepath.Join(home, "zzz"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := listFolder(c.path)
			if l.Err != nil {
				t.Fatal(l.Err)
			}
			if got := names(l); !slices.Equal(got, c.want) {
				t.Errorf("listFolder(%q) = %q, want %q", c.path, got, c.want)
			}
		})
	}
	if l := listFolder(filepath.Join(home, "missing") + "/"); l.Err == nil {
		t.Error("a missing folder listed without an error")
	}
}

func TestListFolderShowsAPage(t *testing.T) {
	dir := t.TempDir()
	for i := range chooserShown + 3 {
		if err := os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".txt"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	l := listFolder(dir + "/")
	if len(l.Entries) != chooserShown || l.More != 3 {
		t.Errorf("listed %d and %d more, want %d and 3 more", len(l.Entries), l.More, chooserShown)
	}
}

func TestChoose(t *testing.T) {
	home := tree(t)
	t.Setenv("HOME", home)
	for _, c := range []struct {
		name, path, open, send string
		err                    error
	}{
		{"a folder opens", filepath.Join(home, "Documents"), filepath.Join(home, "Documents"), "", nil},
		{"a link to a folder opens", filepath.Join(home, "work") + "/", filepath.Join(home, "work"), "", nil},
		{"a file is sent", filepath.Join(home, "Documents", "report.pdf"), "", filepath.Join(home, "Documents", "report.pdf"), nil},
		{"~ is the home folder", "~/notes.txt", "", filepath.Join(home, "notes.txt"), nil},
		{"a relative path starts at the home folder", "Documents/report.pdf", "", filepath.Join(home, "Documents", "report.pdf"), nil},
		{"spaces around are ignored", "  " + filepath.Join(home, "notes.txt") + " ", "", filepath.Join(home, "notes.txt"), nil},
		{"a missing file says so", filepath.Join(home, "nope.txt"), "", "", errNoSuchPath},
		{"a device is no plain file", "/dev/null", "", "", errNotPlain},
	} {
		t.Run(c.name, func(t *testing.T) {
			open, send, err := choose(c.path)
			if open != c.open || send != c.send || !errors.Is(err, c.err) {
				t.Errorf("choose(%q) = %q, %q, %v; want %q, %q, %v", c.path, open, send, err, c.open, c.send, c.err)
			}
		})
	}
}

func TestShortcuts(t *testing.T) {
	home := tree(t)
	conf := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", conf)
	// A French desktop: the documents folder is localized; Downloads does
	// not exist, so it is not offered.
	if err := os.Mkdir(filepath.Join(home, "Bureau"), 0o755); err != nil {
		t.Fatal(err)
	}
	dirs := "XDG_DESKTOP_DIR=\"$HOME/Bureau\"\nXDG_DOWNLOAD_DIR=\"$HOME/Téléchargements\"\n"
	if err := os.WriteFile(filepath.Join(conf, "user-dirs.dirs"), []byte(dirs), 0o600); err != nil {
		t.Fatal(err)
	}
	got := shortcuts(home)
	want := []shortcut{{mHome, home}, {mDesktop, filepath.Join(home, "Bureau")}, {mDocuments, filepath.Join(home, "Documents")}}
	if !slices.Equal(got, want) {
		t.Errorf("shortcuts = %v, want %v", got, want)
	}
}

func TestSentText(t *testing.T) {
	en, fr := table["en"], table["fr"]
	for _, c := range []struct {
		t    *texts
		s    SentFile
		want string
	}{
		{en, SentFile{Name: "a.log", Outcome: SendDone}, "“a.log” sent."},
		{en, SentFile{Name: "a.log", Outcome: SendDeclined}, "The technician declined “a.log”."},
		{fr, SentFile{Name: "a.log", Outcome: SendWaiting}, "« a.log » : en attente de l’accord du technicien…"},
		{en, SentFile{Name: "a.log", Outcome: SendFailed, Detail: "disk full"}, "“a.log” not sent: disk full"},
	} {
		if got := c.t.sentText(c.s); got != c.want {
			t.Errorf("sentText(%+v) = %q, want %q", c.s, got, c.want)
		}
	}
}
