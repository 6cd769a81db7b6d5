package filexfer

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// withoutOpenat2 makes openNoFollow take the way kernels older than 5.6
// (and seccomp filters that refuse openat2) leave it, for one test.
func withoutOpenat2(t *testing.T) {
	t.Helper()
	forceWalk = true
	t.Cleanup(func() { forceWalk = false })
}

// TestOpenWalkRefusesLinks: without openat2 a link anywhere in the path is
// refused, not only as its last element, and a plain path still opens.
func TestOpenWalkRefusesLinks(t *testing.T) {
	withoutOpenat2(t)
	c := newCustomer(t)
	f, size, err := openRegular(c.report)
	check(t, err)
	f.Close()
	if size != int64(len(c.repData)) {
		t.Fatalf("size %d, want %d", size, len(c.repData))
	}
	for _, path := range []string{
		filepath.Join(c.home, "Documents", "keys", "id_ed25519"), // a folder that is a link
		filepath.Join(c.home, "Desktop", "Invoice.pdf"),          // a file that is a link
	} {
		if f, _, err := openRegular(path); err == nil {
			f.Close()
			t.Errorf("opened %s through a link", path)
		}
	}
}

// TestRequestFolderSwappedBeforeOpen: without openat2, a folder swapped
// for a link between the path's resolution and its opening does not make
// the customer's yes fetch a file the question did not name.
func TestRequestFolderSwappedBeforeOpen(t *testing.T) {
	checkLeaks(t)
	withoutOpenat2(t)
	ctx := testContext(t, 20*time.Second)
	c := newCustomer(t)
	docs := filepath.Join(c.home, "Documents")
	resolvedHook = func(string) {
		check(t, os.Rename(docs, docs+".old"))
		check(t, os.Symlink(filepath.Join(c.home, ".ssh"), docs))
		check(t, os.WriteFile(filepath.Join(c.home, ".ssh", "report.pdf"), c.keyData, 0o600))
	}
	t.Cleanup(func() { resolvedHook = nil })
	ca, cb := memPipe()
	defer ca.close()
	tech := start(t, ca, Config{}, nil)
	cust := &asker{answer: true}
	start(t, cb, Config{Home: c.home}, cust.decide)
	res, err := tech.ep.Request(ctx, "Documents/report.pdf")
	if asked := cust.take(); len(asked) != 1 || asked[0].Path != c.report {
		t.Fatalf("asked %+v, want one question about %s", asked, c.report)
	}
	if err == nil {
		sameContent(t, res.Path, c.repData)
		return
	}
	wantErr(t, err, ErrUnavailable)
	if got := listing(t, tech.dir); len(got) != 0 {
		t.Fatalf("requester's folder holds %q", got)
	}
}
