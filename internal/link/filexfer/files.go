package filexfer

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkDir fails unless dir is a real directory: a symbolic link to one is
// refused, so nothing is ever written through a link.
func checkDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("destination folder: %w; choose an existing folder", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("destination folder %s is a symbolic link; choose the real folder", dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("destination %s is not a folder; choose a folder", dir)
	}
	return nil
}

// openRegular opens path for reading without following a symbolic link
// and fails unless it is a regular file.
func openRegular(path string) (*os.File, int64, error) {
	if !filepath.IsAbs(path) {
		return nil, 0, fmt.Errorf("%w: %q is not an absolute path", ErrUnavailable, path)
	}
	f, err := openNoFollow(path)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrUnavailable, err) // err names the path
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%w: %s is not a regular file", ErrUnavailable, path)
	}
	return f, fi.Size(), nil
}

// hashFile returns the SHA-256 of f's whole content.
func hashFile(ctx context.Context, f *os.File) ([32]byte, error) {
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, io.NewSectionReader(f, 0, 1<<62)}); err != nil {
		return [32]byte{}, fmt.Errorf("hash %s: %w", f.Name(), err)
	}
	return [32]byte(h.Sum(nil)), nil
}

// ctxReader stops a long read (hashing gigabytes) when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// transferKey identifies one file's content under one name across
// attempts: a re-offer after a cut finds the partial the first left.
func transferKey(name string, size int64, sum [32]byte) [keyLen]byte {
	h := sha256.New()
	h.Write([]byte("tandem filexfer key\x00" + name + "\x00"))
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(size)))
	h.Write(sum[:])
	return [keyLen]byte(h.Sum(nil))
}

// partialName is the hidden name a file has while it is being received.
func partialName(name string, k [keyLen]byte) string {
	return "." + name + "." + hex.EncodeToString(k[:6]) + partialSuffix
}

// partialSize returns how many bytes a partial for (name, k) holds in dir,
// 0 if there is none.
func partialSize(dir, name string, k [keyLen]byte) int64 {
	fi, err := os.Lstat(filepath.Join(dir, partialName(name, k)))
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	return fi.Size()
}

// openPartial creates the partial file, or reopens the one an interrupted
// attempt left, returning it positioned at its end with a hash of what it
// holds. Never through a link: O_EXCL to create, O_NOFOLLOW to reopen.
func openPartial(ctx context.Context, path string, size int64) (*os.File, int64, hash.Hash, error) {
	h := sha256.New()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL|oNoFollow, 0o600)
	if err == nil {
		return f, 0, h, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, 0, nil, fmt.Errorf("create %s: %w", path, err)
	}
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return nil, 0, nil, fmt.Errorf("%s exists and is not a regular file; remove it", path)
	}
	if f, err = os.OpenFile(path, os.O_RDWR|oNoFollow, 0); err != nil {
		return nil, 0, nil, fmt.Errorf("reopen %s: %w", path, err)
	}
	off, err := resumeFrom(ctx, f, size, h)
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	return f, off, h, nil
}

// resumeFrom hashes what f holds and positions it at its end; a partial
// longer than the file is started over.
func resumeFrom(ctx context.Context, f *os.File, size int64, h hash.Hash) (int64, error) {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("%s is not a regular file", f.Name())
	}
	off := fi.Size()
	if off > size {
		off = 0
		if err := f.Truncate(0); err != nil {
			return 0, fmt.Errorf("truncate %s: %w", f.Name(), err)
		}
	}
	if _, err := io.Copy(h, ctxReader{ctx, io.NewSectionReader(f, 0, off)}); err != nil {
		return 0, fmt.Errorf("read back %s: %w", f.Name(), err)
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return 0, fmt.Errorf("seek %s: %w", f.Name(), err)
	}
	return off, nil
}

// place gives the verified partial its final name in dir: name, or
// "name (1).ext", "name (2).ext"... whichever does not exist yet. A hard
// link (or, where the file system has none, a no-replace rename) never
// replaces an existing file, so nothing is overwritten even if another
// program creates the same name meanwhile.
func place(partial, dir, name string) (string, error) {
	for i := 0; i < 10000; i++ {
		final := numbered(name, i)
		err := linkNoReplace(partial, filepath.Join(dir, final))
		if err == nil {
			if err := os.Remove(partial); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("remove %s: %w", partial, err)
			}
			syncDir(dir)
			return final, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("store %s: %w", final, err)
		}
	}
	return "", fmt.Errorf("store %s: too many files with that name in %s", name, dir)
}

// numbered returns name with " (i)" before its extension (i > 0).
func numbered(name string, i int) string {
	if i == 0 {
		return name
	}
	ext := filepath.Ext(name)
	if ext == name {
		ext = ""
	}
	return fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(name, ext), i, ext)
}

// syncDir makes a new directory entry durable; failure only costs
// durability, which the file's own fsync already bounded.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
