package filexfer

import (
	"fmt"
	"io/fs"
	"os"
)

// Windows has no O_NOFOLLOW; openNoFollow and openPartial check with
// Lstat instead.
const oNoFollow = 0

// openNoFollow opens path read-only, refusing a symbolic link or junction
// as its last element: the file opened must be the one Lstat saw.
func openNoFollow(path string) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&(fs.ModeSymlink|fs.ModeIrregular) != 0 {
		return nil, fmt.Errorf("%s is a link", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if fi2, err := f.Stat(); err != nil || !os.SameFile(fi, fi2) {
		f.Close()
		return nil, fmt.Errorf("%s changed while being opened", path)
	}
	return f, nil
}

// linkNoReplace hard-links old to new (NTFS), failing if new exists.
func linkNoReplace(old, new string) error { return os.Link(old, new) }
