//go:build windows

package platform

import (
	"image"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/tandem-remote/tandem/internal/agent/localinput"
)

var (
	user32               = windows.NewLazySystemDLL("user32.dll")
	kernel32             = windows.NewLazySystemDLL("kernel32.dll")
	procGetLastInputInfo = user32.NewProc("GetLastInputInfo")
	procGetCursorPos     = user32.NewProc("GetCursorPos")
	procGetTickCount     = kernel32.NewProc("GetTickCount")
)

// lastInput follows the customer's own keyboard and mouse with
// GetLastInputInfo, read every lastInputPoll: the system's time of the
// last input event, injected ones included. Input within injectSlack of
// the agent's own injection counts as the agent's; the rest is
// Options.Ignore's to judge, as a move when the pointer moved since the
// last read, else as a key. Any input, the agent's or the customer's,
// also calls input (the screen capture's Wake: the screen is about to
// change). Low-level hooks would tell each event's origin
// (LLMHF_INJECTED) and are the better watcher for later.
type lastInput struct {
	ignore  func(localinput.Kind, image.Point) bool
	input   func()
	act     chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	mu      sync.Mutex
	last    time.Time
	injects uint32 // GetTickCount at the last injection
}

const (
	lastInputPoll = 100 * time.Millisecond
	injectSlack   = 250 // ms
)

func tickCount() uint32 {
	r, _, _ := procGetTickCount.Call()
	return uint32(r)
}

func lastInputTick() uint32 {
	li := struct{ size, time uint32 }{size: 8}
	procGetLastInputInfo.Call(uintptr(unsafe.Pointer(&li)))
	return li.time
}

func newLastInput(o LocalOptions, input func()) *lastInput {
	l := &lastInput{ignore: o.Ignore, input: input, act: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go l.watch(lastInputTick())
	return l
}

func (l *lastInput) watch(seen uint32) {
	defer close(l.done)
	t := time.NewTicker(lastInputPoll)
	defer t.Stop()
	pos := cursorPos()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		// The pointer is read only when input came (GetCursorPos asks
		// the X server too, under Wine): it moves only with input.
		now := lastInputTick()
		if now == seen {
			continue
		}
		seen = now
		was := pos
		pos = cursorPos()
		l.input()
		l.mu.Lock()
		mine := int32(now-l.injects) < injectSlack
		l.mu.Unlock()
		if !mine && !l.ignored(pos, pos != was) {
			l.mu.Lock()
			l.last = time.Now()
			l.mu.Unlock()
			select {
			case l.act <- struct{}{}:
			default:
			}
		}
	}
}

// ignored asks Ignore about input GetLastInputInfo does not describe: a
// move when the pointer moved (over the agent's window or not), else a
// key (or a click where the pointer rests), judged by the window's focus.
func (l *lastInput) ignored(at image.Point, moved bool) bool {
	if l.ignore == nil {
		return false
	}
	if moved {
		return l.ignore(localinput.Motion, at)
	}
	return l.ignore(localinput.KeyDown, at)
}

func cursorPos() image.Point {
	var pt struct{ X, Y int32 }
	procGetCursorPos.Call(uintptr(unsafe.Pointer(&pt)))
	return image.Pt(int(pt.X), int(pt.Y))
}

func (l *lastInput) Activity() <-chan struct{} { return l.act }

func (l *lastInput) LastActivity() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// Injecting notes the time of an injection about to happen.
func (l *lastInput) Injecting(localinput.Kind, uint32, image.Point) {
	l.mu.Lock()
	l.injects = tickCount()
	l.mu.Unlock()
}

func (l *lastInput) Close() error {
	l.once.Do(func() { close(l.stop) })
	<-l.done
	return nil
}
