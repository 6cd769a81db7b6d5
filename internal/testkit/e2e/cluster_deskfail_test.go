package e2e

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
	"github.com/tandem-remote/tandem/internal/technician/deskclient"
	"github.com/tandem-remote/tandem/internal/testkit/netlab"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// TestClusterDeskNodeKilled: the operator's desks lose their node. Three
// nodes behind a TCP front that, as a load balancer, forwards each
// connection to the first node that takes it; the visitors' pages are on
// node 3. First the headless technician's desk and the console's desk
// (on node 1, then on node 2) in turn lose their node.
func TestClusterDeskNodeKilled(t *testing.T) {
	b := binaries(t)
	c := startCluster(t, b, 3)
	op := c.admin.AddOperator("deskfail")
	var backends []string
	for _, nd := range c.nodes {
		backends = append(backends, strings.TrimPrefix(nd.url, "https://"))
	}
	front := startFront(t, backends)
	t.Run("technician", func(t *testing.T) { technicianDeskFailover(t, b, c, op, front) })
	t.Run("console", func(t *testing.T) { consoleDeskFailover(t, c, op, front) })
}

// technicianDeskFailover: the headless technician's desk and a second
// desk of the same operator (package deskclient, in the test) reach node
// 1 through the front. Node 1 is killed (SIGKILL): both desks report the
// loss, dial the front again, land on node 2 and report they are back;
// the visitor's next message reaches both, once; the operator's reply
// from the second desk reaches the visitor; and the technician leaving
// ends the chat on the page.
func technicianDeskFailover(t *testing.T, b netlab.Binaries, c *signalingCluster, op signalingtest.Operator, front string) {
	pw := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pw, []byte(op.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 40 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.roots}}}
	page := &deskCustomer{url: c.nodes[2].url, hc: hc}
	var visit struct{ ID, Key string }
	if st := page.post(t, "/v1/desk/visit", map[string]string{"name": "Zoé", "topic": "l'imprimante", "lang": "fr"}, &visit); st != http.StatusOK {
		t.Fatalf("visit on node 3: %d", st)
	}
	page.connect(t, visit.ID, visit.Key)
	page.send(t, map[string]string{"type": "send", "cid": "c1", "text": "Bonjour"})
	page.next(t, "message")

	tech := start(t, b["technician"], nil, "-server", front, "-ca", c.ca, "-user", op.ID, "-password-file", pw,
		"-headless", "-json", "-desk", "-pick", "first", "-desk-say", "Bonjour Zoé")
	if m := tech.next(t, "desk-message"); m["text"] != "Bonjour" {
		t.Fatalf("the operator saw %v", m)
	}
	page.next(t, "assigned")
	if m := page.next(t, "message"); m["text"] != "Bonjour Zoé" {
		t.Fatalf("the page got %v", m)
	}
	tech.next(t, "desk-message") // the greeting
	desk2 := followingDesk(t, front, c, op.Token, visit.ID)

	if err := c.nodes[0].proc.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	tech.next(t, "desk-lost")
	tech.next(t, "desk-reconnected")
	t.Logf("the technician's desk was back %v after node 1's SIGKILL", time.Since(killed).Round(time.Millisecond))
	desk2.until(t, deskclient.TypeReconnected)

	page.send(t, map[string]string{"type": "send", "cid": "c2", "text": "Toujours là ?"})
	if m := tech.next(t, "desk-message"); m["text"] != "Toujours là ?" {
		t.Fatalf("after the reconnect the operator saw %v first, want the visitor's new message", m)
	}
	if e := desk2.event(t); e.Text != "Toujours là ?" {
		t.Fatalf("after the reconnect the second desk got %+v first, want the visitor's new message", e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := desk2.dc.Say(ctx, visit.ID, "Oui, je regarde"); err != nil {
		t.Fatal(err)
	}
	page.next(t, "message") // its own, echoed
	if m := page.next(t, "message"); m["from"] != "operator" || m["text"] != "Oui, je regarde" {
		t.Fatalf("the page got %v, want the operator's reply", m)
	}
	tech.next(t, "desk-message") // the reply, seen by the technician's desk too

	tech.cmd.Process.Signal(syscall.SIGINT) // its End goes out on the new connection
	if e := page.next(t, "closed"); e["reason"] != "operator-left" {
		t.Fatalf("closed %v", e)
	}
	tech.wait(t, 30*time.Second)
	eachMessageOnce(t, tech)
}

// eachMessageOnce checks the technician printed each numbered message of
// the conversation once, across the reconnect.
func eachMessageOnce(t *testing.T, p *proc) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[float64]int{}
	for _, e := range p.events {
		if e["event"] == "desk-message" {
			seen[e["seq"].(float64)]++
		}
	}
	if len(seen) != 4 {
		t.Errorf("the technician printed messages %v, want 4 (hello, greeting, new message, reply)", seen)
	}
	for seq, n := range seen {
		if n != 1 {
			t.Errorf("message %v printed %d times", seq, n)
		}
	}
}

// deskReader is a deskclient.Client read by the test.
type deskReader struct {
	dc *deskclient.Client
	ch chan deskclient.Message
}

// followingDesk opens a desk of the operator's through the front and
// takes up conversation id on it (the operator's already).
func followingDesk(t *testing.T, front string, c *signalingCluster, token, id string) *deskReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dc, err := deskclient.Dial(ctx, front, c.roots, token)
	if err != nil {
		t.Fatal(err)
	}
	d := &deskReader{dc: dc, ch: make(chan deskclient.Message, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := dc.Next(ctx)
			if err != nil {
				close(d.ch)
				return
			}
			d.ch <- m
		}
	}()
	t.Cleanup(func() { cancel(); dc.Close(); <-done })
	if err := dc.Pick(ctx, id); err != nil {
		t.Fatal(err)
	}
	d.until(t, chatwire.TypeHistory)
	return d
}

func (d *deskReader) until(t *testing.T, typ string) deskclient.Message {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case m, ok := <-d.ch:
			if !ok {
				t.Fatalf("desk ended waiting for %q", typ)
			}
			if m.Type == typ {
				return m
			}
		case <-timeout:
			t.Fatalf("desk: no %q", typ)
		}
	}
}

// event returns the desk's next conversation event other than typing.
func (d *deskReader) event(t *testing.T) deskclient.Event {
	t.Helper()
	for {
		if m := d.until(t, chatwire.TypeEvent); m.Event != nil {
			return *m.Event
		}
	}
}

// startFront is a TCP load balancer on loopback: each connection goes to
// the first of backends that accepts it, and is closed when either side
// closes. It returns its https:// URL.
func startFront(t *testing.T, backends []string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { forward(conn, backends) })
		}
	})
	return "https://" + ln.Addr().String()
}

func forward(conn net.Conn, backends []string) {
	defer conn.Close()
	var up net.Conn
	for _, b := range backends {
		var err error
		if up, err = net.DialTimeout("tcp", b, 5*time.Second); err == nil {
			break
		}
	}
	if up == nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, conn); done <- struct{}{} }()
	go func() { io.Copy(conn, up); done <- struct{}{} }()
	<-done // either side gone: close both
	conn.Close()
	up.Close()
	<-done
}

// consoleDeskFailover: the browser console, opened through the front
// (now on node 2), takes a new visitor of node 3; node 2 is killed; the
// page says the desk connection is back (on node 3, through the front,
// with its cookie), shows the visitor's next message once, and its reply
// reaches the visitor.
func consoleDeskFailover(t *testing.T, c *signalingCluster, op signalingtest.Operator, front string) {
	needBrowser(t)
	hc := &http.Client{Timeout: 40 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.roots}}}
	page := &deskCustomer{url: c.nodes[2].url, hc: hc}
	var visit struct{ ID, Key string }
	if st := page.post(t, "/v1/desk/visit", map[string]string{"name": "Zoé", "topic": "l'imprimante"}, &visit); st != http.StatusOK {
		t.Fatalf("visit on node 3: %d", st)
	}
	page.connect(t, visit.ID, visit.Key)
	page.send(t, map[string]string{"type": "send", "cid": "c1", "text": "Bonjour"})
	page.next(t, "message")

	br := openBrowser(t, map[string]any{"spki": spkiHashes(t, c.ca)})
	br.do("goto", map[string]any{"url": front + "/console"})
	br.do("waitAttr", map[string]any{"sel": "#app", "name": "data-view", "value": "login"})
	consoleLogin(br, op.ID, op.Password, "")
	br.waitText("#queue", "Zoé — l'imprimante")
	br.do("click", map[string]any{"sel": "#queue li[data-state=waiting] button"})
	br.do("waitAttr", map[string]any{"sel": "#queue li", "name": "data-state", "value": "yours"})
	br.waitText("#desk-log", "Bonjour")

	if err := c.nodes[1].proc.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	br.waitText("#desk-status", "Desk reconnected")
	t.Logf("the console's desk was back %v after node 2's SIGKILL", time.Since(killed).Round(time.Millisecond))
	page.send(t, map[string]string{"type": "send", "cid": "c2", "text": "Toujours là ?"})
	br.waitText("#desk-log", "Toujours là ?")
	br.do("fill", map[string]any{"sel": "#desk-text", "value": "Oui, je regarde"})
	br.do("press", map[string]any{"sel": "#desk-text", "key": "Enter"})
	for {
		if m := page.next(t, "message"); m["from"] == "operator" {
			if m["text"] != "Oui, je regarde" {
				t.Fatalf("the page got %v, want the operator's reply", m)
			}
			break
		}
	}
	br.waitText("#desk-log", "Oui, je regarde")
	if got := br.texts("#desk-log li"); len(got) != 3 {
		t.Errorf("the console's log %q, want 3 messages, each once", got)
	}
}
