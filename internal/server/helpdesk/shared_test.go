package helpdesk

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// memRecord is a shared record in memory with the same contract as the
// signaling server's PostgreSQL table (a conditional replace on the
// number of events), and a bus between the nodes that, like NATS, keeps
// one sender's news in order and never echoes them to their sender.
type memRecord struct {
	lmu   sync.Mutex
	lines []string
	mu    sync.Mutex
	rows  map[string]memRow
	nodes []*memNode
}

func (r *memRecord) log(s string) {
	r.lmu.Lock()
	r.lines = append(r.lines, s)
	r.lmu.Unlock()
}

type memRow struct {
	events int
	snap   []byte
	ended  time.Time
}

// memNode is one node's view: its hub's Shared.
type memNode struct {
	rec *memRecord
	hub *Hub
	in  chan []byte

	mu        sync.Mutex
	hold      bool     // news for this node waits until release
	held      [][]byte // news held back
	delivered int      // news handed to the hub
}

func (n *memNode) Put(_ context.Context, id string, was, events int, snap []byte, ended time.Time) error {
	r := n.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	row, ok := r.rows[id]
	switch {
	case was < 0 && ok, was >= 0 && (!ok || row.events != was || !row.ended.IsZero()):
		return ErrStale
	}
	r.rows[id] = memRow{events: events, snap: snap, ended: ended}
	return nil
}

func (n *memNode) Get(_ context.Context, id string) ([]byte, error) {
	n.rec.mu.Lock()
	defer n.rec.mu.Unlock()
	row, ok := n.rec.rows[id]
	if !ok {
		return nil, ErrStale
	}
	return row.snap, nil
}

func (n *memNode) Open(context.Context) ([][]byte, error) {
	n.rec.mu.Lock()
	defer n.rec.mu.Unlock()
	var out [][]byte
	for _, row := range n.rec.rows {
		if row.ended.IsZero() {
			out = append(out, row.snap)
		}
	}
	return out, nil
}

func (n *memNode) Forget(_ context.Context, before time.Time) error {
	n.rec.mu.Lock()
	defer n.rec.mu.Unlock()
	for id, row := range n.rec.rows {
		if !row.ended.IsZero() && row.ended.Before(before) {
			delete(n.rec.rows, id)
		}
	}
	return nil
}

func (n *memNode) Publish(b []byte) {
	n.rec.log(fmt.Sprintf("%p publish %s", n, b))
	n.rec.mu.Lock()
	nodes := n.rec.nodes
	n.rec.mu.Unlock()
	for _, o := range nodes {
		if o != n {
			o.deliver(b)
		}
	}
}

func (n *memNode) deliver(b []byte) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.hold {
		n.held = append(n.held, b)
		return
	}
	n.in <- b
}

// setHold holds back the news for n, or hands over what it held.
func (n *memNode) setHold(hold bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.hold = hold
	if !hold {
		for _, b := range n.held {
			n.in <- b
		}
		n.held = nil
	}
}

func (n *memNode) run() {
	for b := range n.in {
		n.rec.log(fmt.Sprintf("%p receive %s", n, b))
		n.hub.Receive(b)
		n.mu.Lock()
		n.delivered++
		n.mu.Unlock()
	}
}

// waitDelivered waits until the hub has taken k news in all.
func (n *memNode) waitDelivered(t *testing.T, k int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		n.mu.Lock()
		d := n.delivered
		n.mu.Unlock()
		if d >= k {
			return
		}
	}
	t.Fatalf("the node never took %d news", k)
}

func (n *memNode) deliveredSoFar() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.delivered
}

// node starts one more node of rec: a hub served over TLS, sharing rec.
func (r *memRecord) node(t *testing.T) (*testDesk, *memNode) {
	t.Helper()
	n := &memNode{rec: r, in: make(chan []byte, 1000)}
	td := startHub(t, func(c *Config) { c.Shared = n })
	n.hub = td.hub
	t.Cleanup(func() {
		if t.Failed() {
			td.hub.mu.Lock()
			for id, c := range td.hub.convs {
				t.Logf("node %p: %s operator %q events %+v", n, id, c.operatorID, c.events)
			}
			td.hub.mu.Unlock()
			t.Logf("node %p: delivered %d held %d", n, n.deliveredSoFar(), len(n.held))
			for _, l := range r.lines {
				t.Log(l)
			}
		}
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.run()
	}()
	t.Cleanup(func() {
		close(n.in)
		<-done
	})
	r.mu.Lock()
	r.nodes = append(r.nodes, n)
	r.mu.Unlock()
	return td, n
}

// newRecord is a shared record for the nodes a test starts; the test
// fails if goroutines outlive it.
func newRecord(t *testing.T) *memRecord {
	leakcheck.Check(t)
	return &memRecord{rows: map[string]memRow{}}
}

// TestSharedAcrossNodes: a customer's chat opened on node A is in the
// queue of the operator's desk on node B, with its message; the
// operator's reply from B reaches the page on A; the page reconnects to B
// with the last number it saw and carries on, its unechoed message resent
// there not doubled; the operator's other desk, on A, sees the same.
func TestSharedAcrossNodes(t *testing.T) {
	rec := newRecord(t)
	a, _ := rec.node(t)
	b, _ := rec.node(t)
	opB := b.operator(t, "alice-token")
	next(t, opB, queueWith(0))
	v := a.visit(t, chatwire.Visit{Name: "Marie", Topic: "the printer"})
	if q := next(t, opB, queueWith(1)); q.Conversations[0].ID != v.ID || q.Conversations[0].Name != "Marie" {
		t.Fatalf("node B's queue %+v", q.Conversations)
	}
	pageA := a.customer(t, v, 0)
	send(t, pageA, map[string]string{"type": "send", "cid": "c1", "text": "Bonjour"})
	next(t, pageA, ofType(chatwire.EventMessage)) // recorded

	send(t, opB, chatwire.DeskRequest{Type: "pick", Conversation: v.ID})
	h := next(t, opB, ofType("history"))
	if len(h.Events) != 1 || h.Events[0].Text != "Bonjour" || h.Events[0].Seq != 1 {
		t.Fatalf("history on node B %+v", h.Events)
	}
	send(t, opB, chatwire.DeskRequest{Type: "send", Conversation: v.ID, Text: "Bonjour Marie"})
	if m := next(t, pageA, func(f frame) bool { return f.Type == chatwire.EventMessage && f.From == chatwire.FromOperator }); m.Seq != 3 || m.Text != "Bonjour Marie" {
		t.Fatalf("page on A got %+v", m.Event)
	}
	send(t, opB, chatwire.DeskRequest{Type: "typing", Conversation: v.ID})
	next(t, pageA, ofType(chatwire.EventTyping))

	opA := a.operator(t, "alice-token")
	if q := next(t, opA, queueWith(1)); q.Conversations[0].State != chatwire.StateYours {
		t.Fatalf("node A's desk sees %+v", q.Conversations[0])
	}
	pageA.CloseNow()
	pageB := b.customer(t, v, 3)
	send(t, pageB, map[string]string{"type": "typing"})
	next(t, opB, ofType("typing"))
	send(t, pageB, map[string]string{"type": "send", "cid": "c1", "text": "Bonjour"}) // resent: known
	send(t, pageB, map[string]string{"type": "send", "cid": "c2", "text": "Merci"})
	for _, d := range []struct {
		node string
		conn *websocket.Conn
	}{{"B", opB}, {"A", opA}} {
		m := next(t, d.conn, func(f frame) bool {
			return f.Type == "event" && f.Inner != nil && f.Inner.Type == chatwire.EventMessage && f.Inner.From == chatwire.FromCustomer
		})
		if m.Inner.CID != "c2" || m.Inner.Seq != 4 {
			t.Errorf("desk on node %s got %+v, want c2 as event 4", d.node, m.Inner)
		}
	}
	if echo := next(t, pageB, ofType(chatwire.EventMessage)); echo.CID != "c2" || echo.Seq != 4 {
		t.Errorf("page on B: %+v", echo.Event)
	}
}

// TestSharedRace: a node whose copy is behind (the other node's news
// held back) adds an event: the record refuses it, the node reads the
// other's event, passes it to its page and desk, and numbers its own
// after it; the late news then adds nothing. Of two operators picking the
// same customer on two nodes at once, the second is told it is taken.
func TestSharedRace(t *testing.T) {
	rec := newRecord(t)
	a, na := rec.node(t)
	b, _ := rec.node(t)
	opB := b.operator(t, "alice-token")
	next(t, opB, queueWith(0))
	v := a.visit(t, chatwire.Visit{Name: "Marie"})
	next(t, opB, queueWith(1))
	opA := a.operator(t, "bob-token")
	next(t, opA, queueWith(1))

	na.setHold(true)
	send(t, opB, chatwire.DeskRequest{Type: "pick", Conversation: v.ID})
	next(t, opB, ofType("history"))
	send(t, opA, chatwire.DeskRequest{Type: "pick", Conversation: v.ID})
	if e := next(t, opA, ofType(chatwire.TypeError)); e.Error != chatwire.CodeTaken {
		t.Fatalf("the second pick, on node A: %+v", e)
	}
	send(t, opB, chatwire.DeskRequest{Type: "send", Conversation: v.ID, Text: "Bonjour Marie"})
	next(t, opB, deskEventOf(chatwire.EventMessage)) // recorded

	pageA := a.customer(t, v, 0) // node A has not heard of the pick nor the reply
	send(t, pageA, map[string]string{"type": "send", "cid": "c1", "text": "Bonjour"})
	var got []string
	for len(got) < 3 {
		f := next(t, pageA, func(f frame) bool { return f.Seq > 0 })
		got = append(got, fmt.Sprintf("%d %s %s", f.Seq, f.Type, f.Text))
	}
	want := []string{"1 assigned ", "2 message Bonjour Marie", "3 message Bonjour"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("page on A got %q, want %q", got, want)
	}
	if m := next(t, opB, deskEventOf(chatwire.EventMessage)); m.Inner.Seq != 3 || m.Inner.CID != "c1" {
		t.Fatalf("desk on B got %+v", m.Inner)
	}
	seen := na.deliveredSoFar()
	na.setHold(false)
	na.waitDelivered(t, seen+2) // the pick and the reply, late
	a.hub.mu.Lock()
	n := len(a.hub.convs[v.ID].events)
	a.hub.mu.Unlock()
	if n != 3 {
		t.Errorf("node A holds %d events after the late news, want 3", n)
	}
}

// TestSharedNodeStarts: a node started after conversations began takes
// the open ones from the record (not the ended ones), and a page
// reconnecting to it replays from there; a waiting customer whose page
// is connected to one node is not ended as gone by another node's sweep,
// but is once the page has left every node.
func TestSharedNodeStarts(t *testing.T) {
	rec := newRecord(t)
	a, _ := rec.node(t)
	ctx := context.Background()
	open := a.visit(t, chatwire.Visit{Name: "Marie"})
	if _, err := a.hub.Say(ctx, open.ID, open.Key, "c1", "toujours là"); err != nil {
		t.Fatal(err)
	}
	ended := a.visit(t, chatwire.Visit{Name: "Paul"})
	opA := a.operator(t, "alice-token")
	send(t, opA, chatwire.DeskRequest{Type: "pick", Conversation: ended.ID})
	next(t, opA, ofType("history"))
	send(t, opA, chatwire.DeskRequest{Type: "close", Conversation: ended.ID})
	next(t, opA, deskEventOf(chatwire.EventClosed))

	c, nc := rec.node(t)
	c.hub.mu.Lock()
	_, hasEnded := c.hub.convs[ended.ID]
	c.hub.mu.Unlock()
	if hasEnded {
		t.Error("the new node took an ended conversation")
	}
	page := c.customer(t, open, 0)
	if m := next(t, page, ofType(chatwire.EventMessage)); m.Seq != 1 || m.Text != "toujours là" {
		t.Fatalf("replay on the new node: %+v", m.Event)
	}

	// The page is on C; A's clock passes the time a waiting customer
	// has to come back, but C says, at its sweep, that the page is there.
	a.clock.Add(3 * time.Minute)
	seen := na(t, rec, a).deliveredSoFar()
	c.hub.Sweep(ctx)
	na(t, rec, a).waitDelivered(t, seen+1)
	a.hub.Sweep(ctx)
	if isClosed(a.hub, open.ID) {
		t.Fatal("node A ended a customer whose page is on node C")
	}
	page.CloseNow()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		c.hub.mu.Lock()
		gone := len(c.hub.convs[open.ID].sockets) == 0
		c.hub.mu.Unlock()
		if gone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("node C still counts the page's socket")
		}
	}
	seen = nc.deliveredSoFar()
	a.clock.Add(3 * time.Minute)
	a.hub.Sweep(ctx)
	nc.waitDelivered(t, seen+1) // A's end of it
	if !isClosed(c.hub, open.ID) {
		t.Error("node C did not hear that node A ended the abandoned conversation")
	}
}

// na finds td's node in rec.
func na(t *testing.T, rec *memRecord, td *testDesk) *memNode {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, n := range rec.nodes {
		if n.hub == td.hub {
			return n
		}
	}
	t.Fatal("no such node")
	return nil
}

func isClosed(h *Hub, id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.convs[id]
	return c != nil && c.closed()
}

// TestSharedResync: a node that missed the news (NATS away) catches up
// at its next sweep from the record: a new conversation joins its desks'
// queue, and one ended elsewhere leaves it.
func TestSharedResync(t *testing.T) {
	rec := newRecord(t)
	a, _ := rec.node(t)
	b, nb := rec.node(t)
	ctx := context.Background()
	nb.setHold(true) // never handed over: lost
	opB := b.operator(t, "alice-token")
	next(t, opB, queueWith(0))
	v := a.visit(t, chatwire.Visit{Name: "Marie"})
	if _, err := a.hub.Say(ctx, v.ID, v.Key, "c1", "allô ?"); err != nil {
		t.Fatal(err)
	}
	b.hub.Sweep(ctx)
	if q := next(t, opB, queueWith(1)); q.Conversations[0].ID != v.ID || q.Conversations[0].Messages != 1 {
		t.Fatalf("node B's queue after its sweep: %+v", q.Conversations)
	}
	opA := a.operator(t, "bob-token")
	send(t, opA, chatwire.DeskRequest{Type: "pick", Conversation: v.ID})
	next(t, opA, ofType("history"))
	send(t, opA, chatwire.DeskRequest{Type: "close", Conversation: v.ID})
	next(t, opA, deskEventOf(chatwire.EventClosed))
	b.hub.Sweep(ctx)
	next(t, opB, queueWith(0))
	if !isClosed(b.hub, v.ID) {
		t.Error("node B still holds the conversation open")
	}
}
