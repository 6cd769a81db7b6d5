package filexfer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// A requested path is shown to the serving side's user as the file it
// will really read. So before anyone is asked the path is checked
// (CheckFetchPath), made absolute from the home folder, cleaned, its
// symbolic links resolved, and the file opened by that resolved path
// without following any link: the question names the file that is read,
// and the file read is the one that was open while the question was on
// screen. A lookalike folder name ("Dоcuments" with a Cyrillic о) can only
// name a folder that really exists under that name, and the question shows
// where it is; what would make it hide another file (a link) is resolved.

// CheckFetchPath refuses, on either side, a requested path that could
// mislead the question its owner is asked: a ".." element (the path
// "Documents/Invoices/../../.ssh/id_ed25519" reads as Invoices and names
// the SSH key), characters that are invisible or change how the rest
// reads, "~user", and what Windows would read as a network share, a
// device or a stream (localProblem), on every OS. An absolute path, a path
// relative to the owner's home folder and "~/..." are accepted. The error
// wraps ErrBadName.
func CheckFetchPath(path string) error {
	if msg := fetchPathProblem(path); msg != "" {
		return fmt.Errorf("%w: the path %s", ErrBadName, msg)
	}
	return nil
}

func fetchPathProblem(path string) string {
	switch {
	case strings.TrimSpace(path) == "":
		return "is empty; name a file"
	case len(path) > maxTextLen:
		return fmt.Sprintf("is longer than %d bytes", maxTextLen)
	case !utf8.ValidString(path):
		return "is not valid UTF-8"
	}
	for _, r := range path {
		if msg := runeProblem(r); msg != "" {
			return msg + ", which would hide what the customer is asked about"
		}
	}
	for _, elem := range strings.FieldsFunc(path, isSeparator) {
		if elem == ".." {
			return `has a ".." element; name the file by its path without ".."`
		}
	}
	if msg := localProblem(path); msg != "" {
		return msg
	}
	if strings.HasPrefix(path, "~") && path != "~" && !strings.HasPrefix(path, "~/") {
		return `starts with "~user"; name the file by its full path`
	}
	return ""
}

// isSeparator is true of '/' and of '\', a separator on the other side if
// it runs Windows.
func isSeparator(r rune) bool { return r == '/' || r == '\\' }

// source is a requested file made ready to ask about.
type source struct {
	// path is what the question shows: the resolved absolute path, or, when
	// it could not be resolved, the cleaned one (nothing is read then).
	path string
	// f is the file at path, opened before asking; nil when opening
	// failed, and err says why.
	f    *os.File
	size int64
	err  error
	// outside is set when path is not in the home folder; hidden when a
	// folder below the home folder (or below / when outside) or the file
	// itself is hidden (its name starts with a dot).
	outside, hidden bool
}

// offer builds the offer for the opened file, or says why it cannot be
// served.
func (s *source) offer(ctx context.Context) (*message, error) {
	if s.err != nil {
		return nil, s.err
	}
	return describe(ctx, s.f, filepath.Base(s.path), s.size)
}

func (s *source) close() {
	if s.f != nil {
		s.f.Close()
	}
}

// resolveFetch turns a requested path into the source to ask about. Its
// error (ErrBadName) refuses the request before anyone is asked: a path
// CheckFetchPath refuses, or one whose real location has a name that
// would be refused on arrival or could mislead; so does ErrUnavailable for
// a path in a folder that mounts network shares on demand (checkOnDemand),
// since resolving it would reach the network. A file that cannot be
// opened (missing, a folder, unreadable) is not refused here but in
// source.err, after the question: refusing at once would tell the asker
// which files exist without their owner seeing anything.
func resolveFetch(path, home string) (*source, error) {
	if err := CheckFetchPath(path); err != nil {
		return nil, err
	}
	abs, err := absFetch(path, home)
	if err != nil {
		return nil, err
	}
	if err := checkOnDemand(abs); err != nil {
		return nil, err
	}
	s := &source{path: abs, size: -1}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		s.err = fmt.Errorf("%w: %v", ErrUnavailable, err)
	} else if msg := fetchPathProblem(real); msg != "" {
		return nil, fmt.Errorf("%w: the path leads through a link to one that %s", ErrBadName, msg)
	} else {
		s.path = real
	}
	if _, err := Sanitize(filepath.Base(s.path)); err != nil {
		return nil, err
	}
	if s.err == nil {
		if resolvedHook != nil {
			resolvedHook(s.path)
		}
		if s.f, s.size, s.err = openResolved(s.path); s.err != nil {
			s.size = -1
		}
	}
	s.outside, s.hidden = placeOf(s.path, home)
	return s, nil
}

// resolvedHook, if set (tests), runs between a path's resolution and its
// opening.
var resolvedHook func(path string)

// absFetch makes a checked path absolute: "~", "~/x" and relative paths
// start at home.
func absFetch(path, home string) (string, error) {
	rest, tilde := strings.CutPrefix(path, "~")
	if !tilde && filepath.IsAbs(path) {
		return filepath.Clean(path), nil
	}
	if home == "" {
		return "", fmt.Errorf("%w: %q is not a full path, and this computer has no home folder to start from; name the file by its full path", ErrUnavailable, path)
	}
	if !tilde {
		rest = path
	}
	return filepath.Join(home, rest), nil
}

// openResolved opens the regular file at a resolved path, following no
// link, and checks it is the file that path named a moment before (a
// file swapped in between is refused, not read).
func openResolved(path string) (*os.File, int64, error) {
	before, err := os.Lstat(path)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if !before.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%w: %s is not a regular file", ErrUnavailable, path)
	}
	f, size, err := openRegular(path)
	if err != nil {
		return nil, 0, err
	}
	if after, err := f.Stat(); err != nil || !os.SameFile(before, after) {
		f.Close()
		return nil, 0, fmt.Errorf("%w: %s changed while being opened; ask again", ErrUnavailable, path)
	}
	return f, size, nil
}

// placeOf says whether path is outside home, and whether it is hidden:
// the file or a folder on the way to it (below home, or below the root
// when outside) has a name starting with a dot.
func placeOf(path, home string) (outside, hidden bool) {
	rel := ""
	if home != "" {
		if r, err := filepath.Rel(home, path); err == nil && r != "." && r != ".." &&
			!strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			rel = r
		}
	}
	if rel == "" {
		outside = true
		rel = path
	}
	for _, elem := range strings.FieldsFunc(rel, isSeparator) {
		if strings.HasPrefix(elem, ".") {
			hidden = true
		}
	}
	return outside, hidden
}

// homeDir returns the real (links resolved) home folder of this side's
// user, "" if it has none.
func homeDir(home string) string {
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return ""
		}
	}
	if real, err := filepath.EvalSymlinks(home); err == nil {
		return real
	}
	return filepath.Clean(home)
}
