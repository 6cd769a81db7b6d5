package filexfer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/peer"
)

// cutConn closes the link under it once `after` data messages have been
// received: a cut in the middle of a transfer.
type cutConn struct {
	Conn
	after int32
	n     atomic.Int32
	cut   func()
	// cutDone closes once cut has returned. A channel, not a WaitGroup:
	// the test learns of the cut through the network, which the race
	// detector does not count as ordering an Add before a Wait.
	cutDone chan struct{}
}

func (c *cutConn) Recv(ctx context.Context) ([]byte, error) {
	p, err := c.Conn.Recv(ctx)
	if err == nil && msgType(p[0]&^flagMine) == msgData && c.n.Add(1) == c.after {
		go func() { // Close waits for pion, which may wait for this reader
			c.cut()
			close(c.cutDone)
		}()
	}
	return p, err
}

// waitCut waits for the cut to be over.
func (c *cutConn) waitCut(t *testing.T) {
	t.Helper()
	select {
	case <-c.cutDone:
	case <-time.After(time.Minute):
		t.Fatal("the link was never cut")
	}
}

// TestResumeAfterCut cuts a link mid-transfer, then offers the same file on
// a new link: the receiver resumes from what it kept, the second attempt
// carries less than the file, and the result matches the original.
func TestResumeAfterCut(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 2*time.Minute)
	const size, cutAt = 32 << 20, 100 // chunks of 64 KiB: the cut comes early
	path, data := randomFile(t, "big.bin", size)
	dirA, dirB := t.TempDir(), t.TempDir()

	off, ans := links(t)
	conn := &cutConn{Conn: ans.Channel(peer.ChannelFile), after: cutAt, cut: func() { _ = ans.Close() }, cutDone: make(chan struct{})}
	a := start(t, off.Channel(peer.ChannelFile), Config{Dir: dirA}, nil)
	b := start(t, conn, Config{Dir: dirB}, accept)
	_, err := a.ep.Send(ctx, path)
	conn.waitCut(t)
	wantErr(t, err, ErrLinkLost)
	<-b.ep.Done() // it has written what it got and let the partial go
	kept := listing(t, dirB)
	if len(kept) != 1 || !strings.HasSuffix(kept[0], partialSuffix) {
		t.Fatalf("after the cut the folder holds %q, want one partial", kept)
	}

	off2, ans2 := links(t)
	a2 := start(t, off2.Channel(peer.ChannelFile), Config{Dir: dirA}, nil)
	start(t, ans2.Channel(peer.ChannelFile), Config{Dir: dirB}, accept)
	res, err := a2.ep.Send(ctx, path)
	check(t, err)
	if res.Resumed < cutAt*int64(DefaultChunkSize) || res.Sent >= size || res.Resumed+res.Sent != size {
		t.Fatalf("second attempt resumed at %d and sent %d of %d; want it to resume past %d",
			res.Resumed, res.Sent, size, cutAt*DefaultChunkSize)
	}
	sameContent(t, filepath.Join(dirB, "big.bin"), data)
	if got := listing(t, dirB); !slices.Equal(got, []string{"big.bin"}) {
		t.Fatalf("folder holds %q, want only big.bin", got)
	}
	t.Logf("resumed at %d of %d bytes", res.Resumed, size)
}

// TestResumeCorruptPartial: a partial altered between attempts fails the
// final check and is removed; nothing lands under the final name.
func TestResumeCorruptPartial(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 10*time.Second)
	path, data := randomFile(t, "f.bin", 200<<10)
	ca, cb := memPipe()
	defer ca.close()
	a := start(t, ca, Config{}, nil)
	b := start(t, cb, Config{}, accept)
	name, _ := Sanitize("f.bin")
	sum := [32]byte(sha(data))
	partial := filepath.Join(b.dir, partialName(name, transferKey(name, int64(len(data)), sum)))
	bad := append([]byte(nil), data[:100<<10]...)
	bad[5] ^= 0xff
	check(t, os.WriteFile(partial, bad, 0o600))
	res, err := a.ep.Send(ctx, path)
	wantErr(t, err, ErrHashMismatch)
	if res.Resumed != 100<<10 {
		t.Fatalf("resumed at %d, want %d", res.Resumed, 100<<10)
	}
	if got := listing(t, b.dir); len(got) != 0 {
		t.Fatalf("folder holds %q, want nothing", got)
	}
}
