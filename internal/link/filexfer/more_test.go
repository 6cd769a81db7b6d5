package filexfer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// memPair runs two Endpoints over an in-memory pipe.
func memPair(t *testing.T, cfgB Config, decideB func(context.Context, Ask) bool) (a, b *side) {
	t.Helper()
	ca, cb := memPipe()
	t.Cleanup(ca.close)
	a = start(t, ca, Config{}, nil)
	b = start(t, cb, cfgB, decideB)
	return a, b
}

func TestEmptyFile(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	a, b := memPair(t, Config{}, accept)
	path, _ := randomFile(t, "empty.txt", 0)
	res, err := a.ep.Send(ctx, path)
	check(t, err)
	if res.Name != "empty.txt" || res.Sent != 0 {
		t.Fatalf("result %+v", res)
	}
	sameContent(t, filepath.Join(b.dir, "empty.txt"), nil)
}

// TestResumeCompletePartial: a cut after the last byte but before the
// verdict leaves a complete partial; the re-offer sends nothing and stores it.
func TestResumeCompletePartial(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	a, b := memPair(t, Config{}, accept)
	path, data := randomFile(t, "f.bin", 5000)
	name := "f.bin"
	partial := filepath.Join(b.dir, partialName(name, transferKey(name, int64(len(data)), [32]byte(sha(data)))))
	check(t, os.WriteFile(partial, data, 0o600))
	res, err := a.ep.Send(ctx, path)
	check(t, err)
	if res.Sent != 0 || res.Resumed != int64(len(data)) {
		t.Fatalf("result %+v, want nothing sent", res)
	}
	sameContent(t, filepath.Join(b.dir, name), data)
	if got := listing(t, b.dir); !slices.Equal(got, []string{name}) {
		t.Fatalf("folder holds %q", got)
	}
}

// TestCancel: either side stops a transfer midway; the sender's Send
// ends with ErrCanceled and the receiver's folder keeps nothing of it.
func TestCancel(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	for _, tc := range []struct {
		name     string
		receiver bool // the receiver cancels, else the sender
	}{{"by receiver", true}, {"by sender", false}} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := memPair(t, Config{}, accept)
			held, release := make(chan struct{}), make(chan struct{})
			a.ep.tamper = func(off int64, _ []byte) {
				if off == 4*int64(DefaultChunkSize) {
					close(held) // a few chunks are out; hold the rest
					<-release
				}
			}
			path, _ := randomFile(t, "big.bin", 1<<20)
			errc := make(chan error, 1)
			go func() { _, err := a.ep.Send(ctx, path); errc <- err }()
			<-held
			canceler, id := a.ep, uint32(1)
			if tc.receiver {
				canceler, id = b.ep, 1|1<<31
			}
			if !canceler.Cancel(id) {
				t.Fatalf("Cancel(%#x) found no transfer", id)
			}
			if canceler.Cancel(12345) {
				t.Fatal("Cancel of an unknown ID reported success")
			}
			close(release)
			wantErr(t, <-errc, ErrCanceled)
			a.ep.tamper = nil
			// The pipe is ordered: once another file has arrived, the
			// receiver has handled the cancellation too.
			small, _ := randomFile(t, "small.txt", 10)
			_, err := a.ep.Send(ctx, small)
			check(t, err)
			if got := listing(t, b.dir); !slices.Equal(got, []string{"small.txt"}) {
				t.Fatalf("receiver folder holds %q, want only small.txt", got)
			}
		})
	}
}

// TestSameFileTwice: the same file offered twice at once is received once;
// the second offer is refused with ErrBusy while the first runs.
func TestSameFileTwice(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	a, b := memPair(t, Config{}, accept)
	held, release := make(chan struct{}), make(chan struct{})
	a.ep.tamper = func(off int64, _ []byte) {
		if off == 0 {
			close(held)
			<-release
		}
	}
	path, data := randomFile(t, "f.bin", 200<<10)
	errc := make(chan error, 1)
	go func() { _, err := a.ep.Send(ctx, path); errc <- err }()
	<-held
	a.ep.tamper = nil // only the first transfer's goroutine reads it
	_, err := a.ep.Send(ctx, path)
	wantErr(t, err, ErrBusy)
	close(release)
	check(t, <-errc)
	sameContent(t, filepath.Join(b.dir, "f.bin"), data)
}

// TestRemovePartials deletes partial files and nothing else.
func TestRemovePartials(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{".a.bin.0011223344ff.tandem-partial", ".b.0011223344ff.tandem-partial", "keep.txt", ".hidden"} {
		check(t, os.WriteFile(filepath.Join(dir, name), nil, 0o600))
	}
	check(t, os.Symlink("/etc/passwd", filepath.Join(dir, ".link.tandem-partial")))
	n, err := RemovePartials(dir)
	check(t, err)
	if got := listing(t, dir); n != 2 || !slices.Equal(got, []string{".hidden", ".link.tandem-partial", "keep.txt"}) {
		t.Fatalf("removed %d, left %q", n, got)
	}
}

// TestRequestResumes: a download cut earlier resumes when the same path is
// requested again.
func TestRequestResumes(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	ca, cb := memPipe()
	t.Cleanup(ca.close)
	tech := start(t, ca, Config{}, nil)
	start(t, cb, Config{}, accept)
	path, data := randomFile(t, "log.bin", 300<<10)
	name := "log.bin"
	partial := filepath.Join(tech.dir, partialName(name, transferKey(name, int64(len(data)), [32]byte(sha(data)))))
	check(t, os.WriteFile(partial, data[:100<<10], 0o600))
	res, err := tech.ep.Request(ctx, path)
	check(t, err)
	if res.Resumed != 100<<10 || res.Sent != int64(len(data))-100<<10 {
		t.Fatalf("result %+v, want resumed at %d", res, 100<<10)
	}
	sameContent(t, res.Path, data)
	if got := listing(t, tech.dir); !slices.Equal(got, []string{name}) {
		t.Fatalf("folder holds %q", got)
	}
}
