package agentui

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
)

// The file chooser of "Send a file…" lives in the window: Gio has no file
// dialog that works without a desktop portal (none under Xvfb, nor on
// many plain X sessions), and an in-window chooser keeps the keyboard
// path the rest of the window has. It is a path field that starts at the
// home folder and lists the entries of the folder it names (those whose
// name starts with what is typed after the last separator), shortcuts to
// the usual folders, and Enter: a folder opens, a file is sent. This file
// is its model, apart from Gio so that it can be tested alone.

// chooserShown is how many entries the chooser lists at once; typing the
// start of a name narrows the list.
const chooserShown = 8

// folderEntry is one entry of the chooser's listing.
type folderEntry struct {
	Name string
	Dir  bool
}

// listing is what the chooser shows for the path in its field.
type listing struct {
	Dir     string        // the folder listed
	Entries []folderEntry // folders first, then files, by name; at most chooserShown
	More    int           // entries matching but not listed
	Err     error         // the folder could not be read
}

// listFolder lists the folder path names when it is one or ends with a
// separator, else the entries of its parent whose names start with its
// last element (case-insensitively). Hidden entries (a leading dot) are
// listed only when what is typed starts with a dot.
func listFolder(path string) listing {
	dir, prefix := splitTyped(path)
	l := listing{Dir: dir}
	des, err := os.ReadDir(dir)
	if err != nil {
		l.Err = fmt.Errorf("read the folder %s: %w", dir, err)
		return l
	}
	var es []folderEntry
	for _, de := range des {
		if matches(de.Name(), prefix) {
			es = append(es, folderEntry{Name: de.Name(), Dir: isDir(dir, de)})
		}
	}
	slices.SortFunc(es, func(a, b folderEntry) int {
		if a.Dir != b.Dir {
			return map[bool]int{true: -1, false: 1}[a.Dir]
		}
		return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	l.Entries, l.More = es[:min(len(es), chooserShown)], max(len(es)-chooserShown, 0)
	return l
}

// splitTyped splits the field's text into the folder to list and the
// start of a name typed after it.
func splitTyped(path string) (dir, prefix string) {
	path = expandHome(path)
	if filepath.Base(path) == "." && !strings.HasSuffix(path, string(filepath.Separator)) {
		return filepath.Dir(path), "." // a dot typed after a folder: its hidden entries
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return filepath.Clean(path), ""
	}
	if strings.HasSuffix(path, string(filepath.Separator)) {
		return filepath.Clean(path), ""
	}
	return filepath.Dir(path), filepath.Base(path)
}

func matches(name, prefix string) bool {
	if strings.HasPrefix(name, ".") && !strings.HasPrefix(prefix, ".") {
		return false
	}
	return strings.HasPrefix(strings.ToLower(name), strings.ToLower(prefix))
}

// isDir says whether entry de of dir is a folder, following a symbolic
// link (a link to a folder opens like one).
func isDir(dir string, de fs.DirEntry) bool {
	if de.Type()&fs.ModeSymlink == 0 {
		return de.IsDir()
	}
	st, err := os.Stat(filepath.Join(dir, de.Name()))
	return err == nil && st.IsDir()
}

// Why Enter on the chooser's path did nothing.
var (
	errNoSuchPath = errors.New("no such file or folder")
	errNotPlain   = errors.New("not a plain file")
)

// choose is what Enter on path does: open names a folder to list (the
// field becomes it, with a trailing separator), send a regular file to
// send; else err says why neither.
func choose(path string) (open, send string, err error) {
	path = filepath.Clean(expandHome(strings.TrimSpace(path)))
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return "", "", errNoSuchPath
	case st.IsDir():
		return path, "", nil
	case !st.Mode().IsRegular():
		return "", "", errNotPlain
	}
	return "", path, nil
}

// withSeparator is a folder as the field shows it once opened: with a
// trailing separator, so that what is typed next names an entry of it.
func withSeparator(dir string) string {
	if strings.HasSuffix(dir, string(filepath.Separator)) {
		return dir
	}
	return dir + string(filepath.Separator)
}

// expandHome turns a leading "~" into the home folder, and reads a
// relative path from there (filexfer sends absolute paths only).
func expandHome(path string) string {
	home, err := os.UserHomeDir()
	if err != nil || path == "" {
		return path
	}
	if rest, ok := strings.CutPrefix(path, "~"); ok && (rest == "" || rest[0] == filepath.Separator || rest[0] == '/') {
		return home + rest
	}
	if filepath.IsAbs(path) {
		return path
	}
	abs := filepath.Join(home, path)
	if strings.HasSuffix(path, string(filepath.Separator)) {
		abs = withSeparator(abs) // still "list this folder"
	}
	return abs
}

// shortcut is one of the chooser's folder buttons.
type shortcut struct {
	label msg
	dir   string
}

// shortcuts are the home folder and, when they exist, the desktop,
// documents and downloads folders: where the user-dirs file
// (~/.config/user-dirs.dirs, localized: "Bureau" on a French desktop)
// puts them, else their English names in the home folder.
func shortcuts(home string) []shortcut {
	out := []shortcut{{mHome, home}}
	for _, s := range []struct {
		label      msg
		key, plain string
	}{{mDesktop, "XDG_DESKTOP_DIR", "Desktop"}, {mDocuments, "XDG_DOCUMENTS_DIR", "Documents"}, {mDownloads, "XDG_DOWNLOAD_DIR", "Downloads"}} {
		d := filexfer.UserDir(home, s.key)
		if d == "" {
			d = filepath.Join(home, s.plain)
		}
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			out = append(out, shortcut{s.label, d})
		}
	}
	return out
}
