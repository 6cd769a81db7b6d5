package agentui

import (
	"context"
	"slices"
	"sync"
	"time"
)

// armDelay is how long a question must have been on screen before Allow
// counts: a click or Enter meant for what was there before the question
// appeared must not allow it.
const armDelay = 700 * time.Millisecond

// maxChat is how many chat lines the panel keeps.
const maxChat = 200

// prompt is one Ask waiting for, or showing, its answer.
type prompt struct {
	id    uint64
	req   Request
	reply chan reply // buffered: gets exactly one reply
	// Set when the prompt reaches the front of the queue.
	shown, deadline time.Time
	timer           *time.Timer
	// drawn is when a window frame first showed it; Allow counts from
	// armDelay after that, however slow the window was to draw it.
	drawn time.Time
}

type reply struct {
	a   Answer
	err error
}

// ChatLine is one chat message in the panel.
type chatLine struct {
	From, Text string
	At         time.Time
}

// model is the window's state, apart from Gio and X so that it can be
// tested alone: the question queue with its timeouts, the session status,
// the chat and the windows to choose from. Its methods are safe for
// concurrent use; changed (which wakes the window) is called without the
// lock held.
type model struct {
	changed func()

	mu      sync.Mutex
	nextID  uint64
	queue   []*prompt // queue[0] is on screen
	closed  bool
	status  Status
	chat    []chatLine
	chatSeq uint64 // counts AddChat calls, so the window opens the chat
	apps    []AppWindow
	appsSeq uint64 // counts SetAppWindows calls
}

func newModel(changed func()) *model {
	if changed == nil {
		changed = func() {}
	}
	return &model{changed: changed}
}

// ask queues r and waits for its answer, the end of ctx, or close.
func (m *model) ask(ctx context.Context, r Request) (Answer, error) {
	if err := r.validate(); err != nil {
		return Deny, err
	}
	p, err := m.enqueue(r)
	if err != nil {
		return Deny, err
	}
	return m.wait(ctx, p)
}

// wait waits for p's answer, the end of ctx (which withdraws p), or close.
func (m *model) wait(ctx context.Context, p *prompt) (Answer, error) {
	select {
	case rp := <-p.reply:
		return rp.a, rp.err
	case <-ctx.Done():
		if m.withdraw(p) {
			return Deny, ctx.Err()
		}
		rp := <-p.reply // answered meanwhile
		return rp.a, rp.err
	}
}

func (m *model) enqueue(r Request) (*prompt, error) {
	if r.Timeout == 0 {
		r.Timeout = DefaultTimeout
	}
	r.Functions = slices.Clone(r.Functions)
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	m.nextID++
	p := &prompt{id: m.nextID, req: r, reply: make(chan reply, 1)}
	m.queue = append(m.queue, p)
	if len(m.queue) == 1 {
		m.show(p)
	}
	m.mu.Unlock()
	m.changed()
	return p, nil
}

// show puts p on screen and starts its countdown. m.mu is held.
func (m *model) show(p *prompt) {
	p.shown = time.Now()
	p.deadline = p.shown.Add(p.req.Timeout)
	p.timer = time.AfterFunc(p.req.Timeout, func() { m.answer(p.id, Timeout) })
}

// answer answers the question on screen if its id is id; an Allow that
// comes before the question is armed does not count. It reports whether
// the answer was taken.
func (m *model) answer(id uint64, a Answer) bool {
	m.mu.Lock()
	if len(m.queue) == 0 || m.queue[0].id != id {
		m.mu.Unlock()
		return false
	}
	p := m.queue[0]
	if a == Allow && (p.drawn.IsZero() || time.Since(p.drawn) < armDelay) {
		m.mu.Unlock()
		return false
	}
	m.remove(0)
	m.mu.Unlock()
	p.reply <- reply{a: a}
	m.changed()
	return true
}

// markDrawn records that a window frame shows question id, and returns
// when Allow counts for it.
func (m *model) markDrawn(id uint64) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.queue) == 0 || m.queue[0].id != id {
		return armedAt(time.Time{})
	}
	p := m.queue[0]
	if p.drawn.IsZero() {
		p.drawn = time.Now()
	}
	return armedAt(p.drawn)
}

// armedAt is when Allow counts for a question first drawn at drawn: never
// if it was not drawn yet.
func armedAt(drawn time.Time) time.Time {
	if drawn.IsZero() {
		return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return drawn.Add(armDelay)
}

// withdraw takes p out of the queue unanswered; false if it was answered
// already.
func (m *model) withdraw(p *prompt) bool {
	m.mu.Lock()
	i := slices.Index(m.queue, p)
	if i >= 0 {
		m.remove(i)
	}
	m.mu.Unlock()
	if i >= 0 {
		m.changed()
	}
	return i >= 0
}

// remove drops queue[i] and shows the next question if i was on screen.
// m.mu is held.
func (m *model) remove(i int) {
	if t := m.queue[i].timer; t != nil {
		t.Stop()
	}
	m.queue = slices.Delete(m.queue, i, i+1)
	if i == 0 && len(m.queue) > 0 {
		m.show(m.queue[0])
	}
}

// close denies every question with ErrClosed; later asks fail.
func (m *model) close() {
	m.mu.Lock()
	q := m.queue
	m.queue, m.closed = nil, true
	m.mu.Unlock()
	for _, p := range q {
		if p.timer != nil {
			p.timer.Stop()
		}
		p.reply <- reply{a: Deny, err: ErrClosed}
	}
}

// setStatus keeps s; the window redraws only if alike (nil: never) says
// the panel would draw it differently from the last status: a file's
// progress comes ten times a second, and most reports change no digit
// the panel shows.
func (m *model) setStatus(s Status, alike func(a, b Status) bool) {
	s.Transfers = slices.Clone(s.Transfers)
	m.mu.Lock()
	same := alike != nil && alike(m.status, s)
	m.status = s
	m.mu.Unlock()
	if !same {
		m.changed()
	}
}

func (m *model) addChat(from, text string, at time.Time) {
	m.mu.Lock()
	m.chat = append(m.chat, chatLine{From: from, Text: text, At: at})
	if len(m.chat) > maxChat {
		m.chat = slices.Delete(m.chat, 0, len(m.chat)-maxChat)
	}
	m.chatSeq++
	m.mu.Unlock()
	m.changed()
}

func (m *model) setApps(ws []AppWindow) {
	m.mu.Lock()
	m.apps = slices.Clone(ws)
	m.appsSeq++
	m.mu.Unlock()
	m.changed()
}

// snapshot is the model as one window frame draws it.
type snapshot struct {
	prompt  *promptView // nil: show the panel
	status  Status
	chat    []chatLine
	chatSeq uint64
	apps    []AppWindow
	appsSeq uint64
}

// promptView is the question on screen.
type promptView struct {
	id              uint64
	req             Request
	deadline, armed time.Time
	waiting         int // questions queued behind it
}

func (m *model) snapshot() snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := snapshot{status: m.status, chat: slices.Clone(m.chat), chatSeq: m.chatSeq,
		apps: slices.Clone(m.apps), appsSeq: m.appsSeq}
	if len(m.queue) > 0 {
		p := m.queue[0]
		s.prompt = &promptView{id: p.id, req: p.req, deadline: p.deadline,
			armed: armedAt(p.drawn), waiting: len(m.queue) - 1}
	}
	return s
}

// promptText is what a question says: a title, the line naming who asks
// and what, and the lines after it.
func (t *texts) promptText(r Request) (title, asks string, more []string) {
	who := t.who(r.Operator, r.Organisation)
	switch r.Kind {
	case KindSession, KindMode:
		title = t[mTitleSession]
		if r.Kind == KindMode {
			title = t[mTitleMode]
		}
		asks = t.f(map[string]msg{ModeView: mAsksView, ModeControl: mAsksControl, ModeDemonstrate: mAsksDemo}[r.Mode], who)
		if len(r.Functions) > 0 {
			more = append(more, t.f(mAlsoAsks, t.functions(r.Functions)))
		}
		if r.Browser {
			more = append(more, t[mInBrowser])
		}
	case KindFileIn:
		title, asks = t[mTitleFileIn], t.f(mSendsFile, who, r.File, t.size(r.Size))
	case KindFileOut:
		title, asks = t[mTitleFileOut], t.f(mAsksDownload, who, r.File, t.size(r.Size))
		more = t.downloadNotes(r)
	}
	return title, asks, more
}

// downloadNotes are the lines under a download question: the folder the
// file is in, then what makes it sensitive.
func (t *texts) downloadNotes(r Request) []string {
	var more []string
	if r.Dir != "" {
		more = append(more, t.f(mFromFolder, r.Dir))
	}
	if r.Hidden {
		more = append(more, t[mHiddenFile])
	}
	if r.OutsideHome {
		more = append(more, t[mOutsideHome])
	}
	return more
}

// statusLine is the panel's first line.
func (t *texts) statusLine(s Status) string {
	who := t.who(s.Operator, s.Organisation)
	switch {
	case s.Operator == "":
		return t[mIdle]
	case s.Paused:
		return t[mPaused]
	case s.InputSuspended && s.Mode == ModeControl:
		return t.f(mInputSuspended, who)
	case s.Mode == ModeControl:
		return t.f(mControlling, who)
	case s.Mode == ModeDemonstrate:
		return t.f(mDemonstrating, who)
	}
	return t.f(mViewing, who)
}
