package console

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
)

// The page's Files (web/files.js, in node) against the agent's own file
// code (filexfer.Endpoint, in this process), over a pipe that carries one
// link at a time: a cut ends the link in the middle of a transfer, and the
// next link resumes it. Frames both ways: kind (0 a file-channel message,
// 1 JSON: a command to node, an event from it), length u32, body.

// pageHarness runs files.js in node on a fake data channel; events come
// back as JSON (states from the page's progress, plus cut-done).
const pageHarness = `import { Files, FileStore } from %q;
import { createHash } from 'node:crypto';
const frame = (kind, body) => {
  const h = Buffer.alloc(5);
  h[0] = kind;
  h.writeUInt32BE(body.length, 1);
  process.stdout.write(Buffer.concat([h, Buffer.from(body)]));
};
const event = (o) => frame(1, Buffer.from(JSON.stringify(o)));
class Chan extends EventTarget {
  constructor() { super(); this.readyState = 'open'; this.bufferedAmount = 0; }
  send(b) { if (this.readyState === 'open') frame(0, b instanceof ArrayBuffer ? new Uint8Array(b) : b); }
  close() { this.readyState = 'closed'; this.dispatchEvent(new Event('close')); }
}
const store = new FileStore();
const sent = new Map();
let ch, files;
const link = () => { ch = new Chan(); files = new Files(ch, progress, store); };
async function progress(ui, name, state, detail) {
  if (state === 'sending' || state === 'receiving' || state === 'hashing' || state === 'waiting') return;
  if (state === 'offered') files.acceptIncoming(ui);
  if (state === 'fetched') {
    const buf = Buffer.from(await detail.arrayBuffer());
    detail = { size: buf.length, sha: createHash('sha256').update(buf).digest('hex') };
  }
  if (state === 'cut') detail = { kind: detail.kind, at: detail.at };
  event({ ui: String(ui), name, state, detail });
}
function command(c) {
  if (c.op === 'cut') { ch.close(); link(); event({ state: 'cut-done' }); }
  if (c.op === 'offer') {
    const bytes = new Uint8Array(c.size).map((_, i) => (i * 7) %% 251);
    sent.set(c.name, new File([bytes], c.name));
    files.offer(sent.get(c.name));
  }
  if (c.op === 'again') files.offer(sent.get(c.name));
}
link();
let pending = Buffer.alloc(0);
process.stdin.on('data', (d) => {
  pending = Buffer.concat([pending, d]);
  while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
    const n = pending.readUInt32BE(1);
    const kind = pending[0];
    const body = Buffer.from(pending.subarray(5, 5 + n));
    pending = pending.subarray(5 + n);
    if (kind === 0) files.onMessage(body.buffer.slice(body.byteOffset, body.byteOffset + n));
    else command(JSON.parse(body));
  }
});
`

// pageEvent is one event of the harness.
type pageEvent struct {
	UI, Name, State string
	Detail          json.RawMessage
}

// nodePage is the page's Files in node, with the link it is on now.
type nodePage struct {
	t      *testing.T
	mu     sync.Mutex
	in     io.Writer
	link   *pipeLink // nil while a cut is settling
	events chan pageEvent
}

func startPage(t *testing.T) *nodePage {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (scripts/install-deps.sh installs it)")
	}
	mod, _ := filepath.Abs("web/files.js")
	cmd := exec.Command(node, "--input-type=module", "-e", fmt.Sprintf(pageHarness, "file://"+mod))
	cmd.Stderr = os.Stderr
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
	p := &nodePage{t: t, in: in, events: make(chan pageEvent, 64)}
	go p.read(bufio.NewReader(out))
	return p
}

// read hands file messages to the link of the moment and events to the
// test.
func (p *nodePage) read(r *bufio.Reader) {
	defer close(p.events)
	for {
		var h [5]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(h[1:]))
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		if h[0] == 1 {
			var e pageEvent
			json.Unmarshal(body, &e)
			p.events <- e
			continue
		}
		p.mu.Lock()
		l := p.link
		p.mu.Unlock()
		if l != nil {
			l.deliver(body)
		}
	}
}

func (p *nodePage) write(kind byte, body []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var h [5]byte
	h[0] = kind
	binary.BigEndian.PutUint32(h[1:], uint32(len(body)))
	_, err := p.in.Write(append(h[:], body...))
	return err
}

func (p *nodePage) command(c map[string]any) {
	b, _ := json.Marshal(c)
	if err := p.write(1, b); err != nil {
		p.t.Fatal(err)
	}
}

// wait returns the page's next event in state (any, for ""), failing on
// a failure.
func (p *nodePage) wait(state string) pageEvent {
	p.t.Helper()
	timeout := time.After(time.Minute) // a hang guard: each step takes milliseconds
	for {
		select {
		case e, ok := <-p.events:
			if !ok {
				p.t.Fatalf("node ended before %s", state)
			}
			if e.State == state || state == "" {
				return e
			}
			if e.State == "failed" || e.State == "refused" {
				p.t.Fatalf("the page's transfer %s %s: %s", e.Name, e.State, e.Detail)
			}
		case <-timeout:
			p.t.Fatalf("no %s from the page", state)
		}
	}
}

// newLink puts the page on a new link; cutAfter > 0 cuts it once that many
// data messages have gone either way.
func (p *nodePage) newLink(cutAfter int32) *pipeLink {
	l := &pipeLink{page: p, in: make(chan []byte, 1024), cut: make(chan struct{}), after: cutAfter}
	p.mu.Lock()
	p.link = l
	p.mu.Unlock()
	return l
}

// cut ends the link for both sides: the Go endpoint's Recv and Send fail,
// the page's channel closes; once nothing of the old link is in flight it
// returns the page's last cut transfer, if any.
func (p *nodePage) cut(l *pipeLink) (last pageEvent) {
	p.t.Helper()
	l.close()
	p.mu.Lock()
	p.link = nil
	p.mu.Unlock()
	p.command(map[string]any{"op": "cut"})
	for {
		e := p.wait("")
		switch e.State {
		case "cut":
			last = e
		case "cut-done":
			return last
		}
	}
}

// pipeLink is one link's file channel as filexfer.Conn.
type pipeLink struct {
	page  *nodePage
	in    chan []byte
	cut   chan struct{}
	once  sync.Once
	after int32
	data  atomic.Int32
}

var errCut = errors.New("link cut")

func (l *pipeLink) close() { l.once.Do(func() { close(l.cut) }) }

func (l *pipeLink) isData(p []byte) bool { return len(p) > 0 && p[0]&0x7f == 5 }

// counted reports whether p reaches the cut point.
func (l *pipeLink) counted(p []byte) bool {
	return l.after > 0 && l.isData(p) && l.data.Add(1) == l.after
}

func (l *pipeLink) deliver(p []byte) {
	select {
	case l.in <- p:
	case <-l.cut:
	}
}

func (l *pipeLink) Send(ctx context.Context, p []byte) error {
	select {
	case <-l.cut:
		return errCut
	default:
	}
	if err := l.page.write(0, p); err != nil {
		return err
	}
	if l.counted(p) {
		l.close()
	}
	return nil
}

func (l *pipeLink) Recv(ctx context.Context) ([]byte, error) {
	select {
	case p := <-l.in:
		if l.counted(p) {
			l.close()
			return nil, errCut
		}
		return p, nil
	case <-l.cut:
		return nil, errCut
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// endpoint runs the agent's side of the file channel on l.
func endpoint(ctx context.Context, t *testing.T, l *pipeLink, dir string, asked *atomic.Int64) *filexfer.Endpoint {
	t.Helper()
	e, err := filexfer.New(l, filexfer.Config{Dir: dir, Decide: func(ctx context.Context, a filexfer.Ask) bool {
		asked.Store(a.Resume)
		return true
	}})
	if err != nil {
		t.Fatal(err)
	}
	go e.Run(ctx)
	return e
}

// TestPageFilesWithAgent: a file the customer sends unasked reaches the
// page (which accepts it: the console's operator clicks Accept), is cut in
// the middle and, sent again on the next link, resumes from what the page
// kept, its SHA-256 matching; and a file the page sends, cut, goes on from
// the agent's partial when the page offers it again.
func TestPageFilesWithAgent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	page := startPage(t)
	dir := t.TempDir()
	var resume atomic.Int64

	// The customer's file to the page: 40 data messages of 64 KiB, cut
	// after 10.
	src := filepath.Join(t.TempDir(), "capture d'écran.png")
	content := make([]byte, 40*filexfer.DefaultChunkSize-123)
	for i := range content {
		content[i] = byte(i*13 + i>>9)
	}
	os.WriteFile(src, content, 0o600)
	l := page.newLink(10)
	e := endpoint(ctx, t, l, dir, &resume)
	if _, err := e.Send(ctx, src); !errors.Is(err, filexfer.ErrLinkLost) {
		t.Fatalf("the cut send ended with %v, want ErrLinkLost", err)
	}
	cut := page.cut(l)
	var held struct {
		Kind string
		At   int64
	}
	json.Unmarshal(cut.Detail, &held)
	if held.Kind != "incoming" || held.At <= 0 || held.At >= int64(len(content)) {
		t.Fatalf("the page's cut transfer: %s, want an incoming one holding part of the file", cut.Detail)
	}
	l = page.newLink(0)
	e = endpoint(ctx, t, l, dir, &resume)
	res, err := e.Send(ctx, src)
	if err != nil || res.Resumed != held.At || res.Sent != int64(len(content))-held.At {
		t.Fatalf("the second send: %+v, %v; want it to resume at %d", res, err, held.At)
	}
	if r := page.wait("resumed"); string(r.Detail) != fmt.Sprint(held.At) {
		t.Errorf("the page says it resumed at %s, want %d", r.Detail, held.At)
	}
	got := page.wait("fetched")
	sum := sha256.Sum256(content)
	var saved struct {
		Size int
		SHA  string
	}
	json.Unmarshal(got.Detail, &saved)
	if saved.Size != len(content) || saved.SHA != hex.EncodeToString(sum[:]) {
		t.Errorf("the page saves %d bytes with SHA-256 %s, want %d and %x", saved.Size, saved.SHA, len(content), sum)
	}
	t.Logf("the customer's file: cut at %d of %d bytes, resumed with %d more", held.At, len(content), res.Sent)

	// The page's file to the agent, cut after 10 data messages received.
	page.cut(l)
	l = page.newLink(10)
	endpoint(ctx, t, l, dir, &resume)
	const name, size = "rapport final.bin", 30*filexfer.DefaultChunkSize + 7
	page.command(map[string]any{"op": "offer", "name": name, "size": size})
	<-l.cut
	if c := page.cut(l); c.State != "cut" || c.Name != name {
		t.Fatalf("the page's cut send: %+v", c)
	}
	l = page.newLink(0)
	endpoint(ctx, t, l, dir, &resume)
	page.command(map[string]any{"op": "again", "name": name})
	page.wait("done")
	if r := resume.Load(); r <= 0 || r >= size {
		t.Errorf("the agent was offered the page's file again holding %d bytes, want part of %d", r, size)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	want := make([]byte, size)
	for i := range want {
		want[i] = byte(i * 7 % 251)
	}
	if err != nil || sha256.Sum256(b) != sha256.Sum256(want) {
		t.Errorf("the agent stored %d bytes (%v), want the page's %d", len(b), err, size)
	}
	t.Logf("the page's file: resumed from %d of %d bytes", resume.Load(), size)
}
