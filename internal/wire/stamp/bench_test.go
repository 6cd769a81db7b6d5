package stamp

import (
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkWrite measures serving one stamped download of a 20 MB agent
// from its file as the signaling server does: the trailer signed for the
// download, then the file and the trailer copied out. The baseline, in the
// same run, is a plain io.Copy of the same file (what serving the
// unstamped binary costs); stamping reports its ratio to it as x-copy. Stamp reading, the agent's side, is measured
// alone: it reads only the file's tail.
func BenchmarkWrite(b *testing.B) {
	bin := make([]byte, 20<<20)
	rand.Read(bin)
	path := filepath.Join(b.TempDir(), "agent")
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		b.Fatal(err)
	}
	stampedPath := filepath.Join(b.TempDir(), "tandem-agent")
	if err := os.WriteFile(stampedPath, stamped(b, bin, testPayload()), 0o755); err != nil {
		b.Fatal(err)
	}
	p, key := testPayload(), testKey()
	var base float64
	for _, bc := range []struct {
		name string
		f    func(w io.Writer, f *os.File) error
	}{
		{"baseline-io.Copy", func(w io.Writer, f *os.File) error { _, err := io.Copy(w, f); return err }},
		{"stamp.Trailer", func(w io.Writer, f *os.File) error {
			tr, err := Trailer(p, key)
			if err != nil {
				return err
			}
			if _, err := io.Copy(w, f); err != nil {
				return err
			}
			_, err = w.Write(tr)
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bin)))
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				if err := bc.f(writerOnly{io.Discard}, f); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if base == 0 {
				base = ns
			}
			b.ReportMetric(ns/base, "x-copy")
		})
	}
	b.Run("Read", func(b *testing.B) {
		for b.Loop() {
			if _, err := Read(stampedPath); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// writerOnly hides io.Discard's ReaderFrom, so both runs move the bytes
// through io.Copy's buffer as an HTTP response writer does.
type writerOnly struct{ io.Writer }
