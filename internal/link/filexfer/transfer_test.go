package filexfer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestOfferBothWays sends a file each way over a real link: the offerer's
// side to the answerer's and back, each landing verified in the receiver's
// folder, with progress on both sides ending at the full size.
func TestOfferBothWays(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, time.Minute)
	a, b := pairOver(t, Config{}, Config{}, accept, accept)
	for _, dir := range []struct {
		name     string
		from, to *side
	}{{"a to b", a, b}, {"b to a", b, a}} {
		t.Run(dir.name, func(t *testing.T) {
			path, data := randomFile(t, "notes.bin", 3<<20+17)
			res, err := dir.from.ep.Send(ctx, path)
			check(t, err)
			if res.Name != "notes.bin" || res.Sent != int64(len(data)) || res.Resumed != 0 {
				t.Fatalf("result %+v, want notes.bin sent whole", res)
			}
			sameContent(t, filepath.Join(dir.to.dir, "notes.bin"), data)
			if got := listing(t, dir.to.dir); !slices.Equal(got, []string{"notes.bin"}) {
				t.Fatalf("receiver folder holds %q, want only notes.bin", got)
			}
			if p, _ := dir.from.lastProgress(res.ID); p.Done != p.Total || p.Total != int64(len(data)) || p.Incoming {
				t.Fatalf("sender's last progress %+v, want outgoing %d of %d", p, len(data), len(data))
			}
			if p, _ := dir.to.lastProgress(res.ID | 1<<31); p.Done != p.Total || p.Total != int64(len(data)) || !p.Incoming {
				t.Fatalf("receiver's last progress %+v, want incoming %d of %d", p, len(data), len(data))
			}
		})
	}
}

// TestOfferRefused: a refused offer writes nothing at all.
func TestOfferRefused(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, time.Minute)
	a, b := pairOver(t, Config{}, Config{}, nil, refuse)
	check(t, os.WriteFile(filepath.Join(b.dir, "existing.txt"), []byte("x"), 0o600))
	before := listing(t, b.dir)
	path, _ := randomFile(t, "secret.bin", 1<<20)
	_, err := a.ep.Send(ctx, path)
	wantErr(t, err, ErrRefused)
	if b.asked.Load() != 1 {
		t.Fatalf("Decide asked %d times, want once", b.asked.Load())
	}
	if after := listing(t, b.dir); !slices.Equal(after, before) {
		t.Fatalf("folder changed from %q to %q after a refusal", before, after)
	}
}

// TestNoDecideRefuses: an Endpoint without a Decide hook refuses offers
// and requests.
func TestNoDecideRefuses(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	ca, cb := memPipe()
	defer ca.close()
	a := start(t, ca, Config{}, nil)
	b := start(t, cb, Config{}, nil)
	path, _ := randomFile(t, "x.bin", 10)
	_, err := a.ep.Send(ctx, path)
	wantErr(t, err, ErrRefused)
	_, err = a.ep.Request(ctx, path)
	wantErr(t, err, ErrRefused)
	if got := listing(t, b.dir); len(got) != 0 {
		t.Fatalf("folder holds %q after refusals", got)
	}
}

// TestNoOverwrite: a file arriving under a taken name gets "name (1).ext";
// the existing file is untouched.
func TestNoOverwrite(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	ca, cb := memPipe()
	defer ca.close()
	a := start(t, ca, Config{}, nil)
	b := start(t, cb, Config{}, accept)
	old := filepath.Join(b.dir, "a.txt")
	check(t, os.WriteFile(old, []byte("old"), 0o600))
	path, data := randomFile(t, "a.txt", 1000)
	for i, want := range []string{"a (1).txt", "a (2).txt"} {
		res, err := a.ep.Send(ctx, path)
		check(t, err)
		if res.Name != want {
			t.Fatalf("transfer %d stored as %q, want %q", i, res.Name, want)
		}
		sameContent(t, filepath.Join(b.dir, want), data)
	}
	sameContent(t, old, []byte("old"))
}

// TestRequest: a download request is served only when accepted, lands in
// the requester's folder, and a refusal writes nothing.
func TestRequest(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, time.Minute)
	var mu sync.Mutex
	var asked []Ask
	decide := func(_ context.Context, a Ask) bool {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, a)
		return a.Name != "private.bin"
	}
	tech, _ := pairOver(t, Config{}, Config{}, nil, decide)
	path, data := randomFile(t, "log.bin", 2<<20+5)
	res, err := tech.ep.Request(ctx, path)
	check(t, err)
	if res.Path != filepath.Join(tech.dir, "log.bin") || res.Size != int64(len(data)) {
		t.Fatalf("result %+v, want log.bin of %d bytes in %s", res, len(data), tech.dir)
	}
	sameContent(t, res.Path, data)
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 1 || asked[0].Kind != KindRequest || asked[0].Path != path {
		t.Fatalf("customer was asked %+v, want one request for %s", asked, path)
	}

	mu.Unlock()
	private, _ := randomFile(t, "private.bin", 100)
	before := listing(t, tech.dir)
	_, err = tech.ep.Request(ctx, private)
	mu.Lock()
	wantErr(t, err, ErrRefused)
	if after := listing(t, tech.dir); !slices.Equal(after, before) {
		t.Fatalf("requester's folder changed from %q to %q after a refusal", before, after)
	}
}

// TestRequestUnservable: missing files, folders and devices are not
// served even when the customer accepts.
func TestRequestUnservable(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	ca, cb := memPipe()
	defer ca.close()
	tech := start(t, ca, Config{}, nil)
	dir := t.TempDir()
	start(t, cb, Config{Home: dir}, accept)
	for _, tc := range []struct{ name, path string }{
		{"missing", filepath.Join(dir, "missing")},
		{"folder", dir},
		{"home", "~"},
		{"relative missing", "target.bin"},
		{"device", "/dev/zero"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tech.ep.Request(ctx, tc.path)
			wantErr(t, err, ErrUnavailable)
			if got := listing(t, tech.dir); len(got) != 0 {
				t.Fatalf("requester's folder holds %q", got)
			}
		})
	}
}

// TestRequestMisleadingPath: paths that could fool the consent dialog are
// refused before the customer is asked, by Request and, for a requester
// that skips that check, by the side asked.
func TestRequestMisleadingPath(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	ca, cb := memPipe()
	defer ca.close()
	tech := start(t, ca, Config{}, nil)
	cust := start(t, cb, Config{}, accept)
	for _, tc := range []struct{ name, path string }{
		{"bidi in folder", "/home/u/\u202Egpj.exe/x.txt"},
		{"bidi in name", "/home/u/photo\u202Egpj.exe"},
		{"zero width space", "/home/u/Docu\u200Bments/x.txt"},
		{"newline", "/home/u/a\n/etc/passwd"},
		{"escape", "/home/u/\x1b[2Ja.txt"},
		{"dot dot", "/home/u/Documents/../.ssh/id_ed25519"},
		{"reserved name", "/home/u/CON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tech.ep.Request(ctx, tc.path)
			wantErr(t, err, ErrBadName)
			_, err = tech.ep.request(ctx, tech.ep.newKey(), tc.path)
			wantErr(t, err, ErrBadName)
			if cust.asked.Load() != 0 {
				t.Fatal("the customer was asked about a misleading path")
			}
		})
	}
}

// TestHashMismatch: a chunk corrupted in transit leaves neither a final
// file nor a partial.
func TestHashMismatch(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	ca, cb := memPipe()
	defer ca.close()
	a := start(t, ca, Config{}, nil)
	b := start(t, cb, Config{}, accept)
	a.ep.tamper = func(off int64, p []byte) {
		if off == 0 {
			p[10] ^= 1
		}
	}
	path, _ := randomFile(t, "data.bin", 300<<10)
	_, err := a.ep.Send(ctx, path)
	wantErr(t, err, ErrHashMismatch)
	if got := listing(t, b.dir); len(got) != 0 {
		t.Fatalf("folder holds %q after a hash mismatch, want nothing", got)
	}
}

// TestSizeLimit: an offer over MaxSize is refused before anyone is asked
// or anything written; one at the limit passes.
func TestSizeLimit(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	ca, cb := memPipe()
	defer ca.close()
	a := start(t, ca, Config{}, nil)
	b := start(t, cb, Config{MaxSize: 1000}, accept)
	big, _ := randomFile(t, "big.bin", 1001)
	_, err := a.ep.Send(ctx, big)
	wantErr(t, err, ErrTooLarge)
	if b.asked.Load() != 0 || len(listing(t, b.dir)) != 0 {
		t.Fatalf("over the limit: asked %d times, folder %q; want neither", b.asked.Load(), listing(t, b.dir))
	}
	fits, _ := randomFile(t, "fits.bin", 1000)
	_, err = a.ep.Send(ctx, fits)
	check(t, err)
}

// TestHostileOffers: offers a hostile peer crafts by hand are refused with
// ErrBadName, without asking the user, and nothing is written anywhere.
func TestHostileOffers(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	ca, cb := memPipe()
	defer ca.close()
	parent := t.TempDir()
	dir := filepath.Join(parent, "Downloads")
	check(t, os.Mkdir(dir, 0o700))
	b := start(t, cb, Config{Dir: dir}, accept)
	for i, name := range []string{"../x", "/etc/passwd", `C:\x`, "CON", "nul.txt", "a\x00b", "\x1b[31m", ".", "..", "", "x.", "x ", "evil\u202Etxt.exe",
		"invoice\u200B.pdf", "a\u200Db.txt", "\uFEFFa.txt", "soft\u00ADhyphen.txt", "\u3164.txt", "a\u2028b.txt"} {
		m := &message{Type: msgOffer, Mine: true, ID: uint32(i + 1), Size: 3, Text: name}
		check(t, ca.Send(ctx, appendMessage(nil, m)))
		p, err := ca.Recv(ctx)
		check(t, err)
		got, err := decodeMessage(p)
		check(t, err)
		if got.Type != msgRefuse || got.Code != codeBadName {
			t.Errorf("offer of %q answered %+v, want a bad-name refusal", name, got)
		}
		if strings.Contains(name, "\u200B") && !strings.Contains(got.Text, "invisible character U+200B (ZERO WIDTH SPACE)") {
			t.Errorf("offer of %q refused with %q, which does not name the invisible character", name, got.Text)
		}
	}
	if b.asked.Load() != 0 {
		t.Errorf("user asked %d times about hostile names", b.asked.Load())
	}
	if got := listing(t, dir); len(got) != 0 {
		t.Errorf("folder holds %q", got)
	}
	if got := listing(t, parent); !slices.Equal(got, []string{"Downloads"}) {
		t.Errorf("parent folder holds %q", got)
	}
}

// TestSymlinkDestination: a destination that is a link is refused, at New
// and when it is swapped for a link later.
func TestSymlinkDestination(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "Downloads")
	check(t, os.Symlink(real, link))
	if _, err := New(nil, Config{Dir: link}); err == nil {
		t.Fatal("New accepted a symbolic link as destination")
	}

	ca, cb := memPipe()
	defer ca.close()
	a := start(t, ca, Config{}, nil)
	dir := filepath.Join(t.TempDir(), "Downloads")
	check(t, os.Mkdir(dir, 0o700))
	start(t, cb, Config{Dir: dir}, accept)
	check(t, os.Remove(dir))
	check(t, os.Symlink(real, dir))
	path, _ := randomFile(t, "x.bin", 10)
	if _, err := a.ep.Send(ctx, path); err == nil {
		t.Fatal("a file was stored through a symbolic link")
	}
	if got := listing(t, real); len(got) != 0 {
		t.Fatalf("link target holds %q", got)
	}
}

// TestConcurrent: two transfers at once, one each way, both verified.
func TestConcurrent(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, time.Minute)
	a, b := pairOver(t, Config{}, Config{}, accept, accept)
	p1, d1 := randomFile(t, "one.bin", 4<<20)
	p2, d2 := randomFile(t, "two.bin", 3<<20+1)
	p3, d3 := randomFile(t, "three.bin", 2<<20+3)
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for _, s := range []struct {
		from *side
		path string
	}{{a, p1}, {a, p2}, {b, p3}} {
		wg.Go(func() {
			_, err := s.from.ep.Send(ctx, s.path)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		check(t, err)
	}
	sameContent(t, filepath.Join(b.dir, "one.bin"), d1)
	sameContent(t, filepath.Join(b.dir, "two.bin"), d2)
	sameContent(t, filepath.Join(a.dir, "three.bin"), d3)
}

// TestOfferWithdrawn: when the offering side gives up while the receiver's
// Decide still waits (the customer took back a file the technician had
// not answered), Decide's context is canceled, so the question goes away
// with the offer instead of waiting out its own timeout; nothing lands.
func TestOfferWithdrawn(t *testing.T) {
	checkLeaks(t)
	asked := make(chan struct{})
	gone := make(chan error, 1)
	a, b := pairOver(t, Config{}, Config{}, nil, func(ctx context.Context, _ Ask) bool {
		close(asked)
		<-ctx.Done()
		gone <- ctx.Err()
		return true // too late: the offer is gone
	})
	path, _ := randomFile(t, "draft.bin", 1<<20)
	ctx, cancel := context.WithCancel(testContext(t, time.Minute))
	sent := make(chan error, 1)
	go func() {
		_, err := a.ep.Send(ctx, path)
		sent <- err
	}()
	<-asked
	cancel()
	wantErr(t, <-sent, context.Canceled)
	select {
	case err := <-gone:
		wantErr(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("Decide still asked 10 s after the offer was withdrawn")
	}
	if got := listing(t, b.dir); len(got) != 0 {
		t.Fatalf("receiver folder holds %q after a withdrawn offer", got)
	}
}
