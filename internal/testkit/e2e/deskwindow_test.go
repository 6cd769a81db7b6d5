package e2e

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestDeskWindow: the technician's desk window, with real clicks and
// typing: a customer waiting on the help page's chat appears in the
// queue, a click takes them, an answer typed in the window reaches the
// page, and Invite opens a session whose code the page receives and the
// customer's agent joins.
func TestDeskWindow(t *testing.T) {
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	page := newDeskCustomer(t, srv)
	var visit struct{ ID, Key string }
	if code := page.post(t, "/v1/desk/visit", map[string]string{"name": "Marie", "topic": "printer", "lang": "en"}, &visit); code != http.StatusOK {
		t.Fatalf("visit: %d", code)
	}
	page.connect(t, visit.ID, visit.Key)
	page.send(t, map[string]string{"type": "send", "cid": "c1", "text": "My printer prints blank pages"})
	page.next(t, "message")

	techDisplay := xvfb.Start(t, 1600, 1000)
	tech := start(t, b["technician"], []string{"DISPLAY=" + techDisplay, "LIBGL_ALWAYS_SOFTWARE=1"},
		"-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw, "-json", "-desk", "-mode", "view")
	control := deskControl(t, tech, techDisplay)
	clickControl(t, techDisplay, control("queue-"+visit.ID, "", false))
	page.next(t, "assigned")
	clickControl(t, techDisplay, control("reply", visit.ID, false))
	control("reply", visit.ID, true)
	xdo(t, techDisplay, "type", "Let me look at it")
	xdo(t, techDisplay, "key", "Return")
	if m := page.next(t, "message"); m["from"] != "operator" || m["text"] != "Let me look at it" {
		t.Fatalf("page got %v, want the technician's answer", m)
	}
	// The answer's line moves the buttons down: wait for the window's
	// report of that layout.
	for m := tech.next(t, "desk-message"); m["from"] != "operator"; m = tech.next(t, "desk-message") {
	}
	before := len(tech.all("desk-window"))
	for deadline := time.Now().Add(10 * time.Second); len(tech.all("desk-window")) == before && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}

	clickControl(t, techDisplay, control("invite", visit.ID, false))
	code := tech.next(t, "code")["code"].(string)
	if inv := page.next(t, "invite"); inv["code"] != code {
		t.Fatalf("invite %v, the technician's session code %s", inv, code)
	}
	display := xvfb.Start(t, 1024, 768)
	agent := start(t, b["agent"], nil, "-keep", "-server", srv.url, "-ca", srv.ca, "-code", code, "-json", "-display", display)
	answer(t, agent, display, "allow")
	tech.next(t, "connected")

	tech.cmd.Process.Signal(syscall.SIGINT)
	if c := page.next(t, "closed"); c["reason"] != "operator-left" {
		t.Errorf("closed %v, want the technician gone", c)
	}
	if st := tech.wait(t, 30*time.Second); st != 0 {
		t.Fatalf("technician exit %d\n%s", st, tech.stderr.String())
	}
}

// deskControl returns a function that waits until the desk window's latest
// report shows name (with the conversation shown and the reply line's
// keyboard as asked) and returns where it is on the screen.
func deskControl(t *testing.T, tech *proc, techDisplay string) func(name, conv string, editing bool) any {
	return func(name, conv string, editing bool) any {
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			ev := tech.last("desk-window")
			if ev == nil || (conv != "" && ev["conversation"] != conv) || (editing && ev["editing"] != true) {
				continue
			}
			if c, ok := ev["controls"].(map[string]any)[name].(map[string]any); ok {
				win := windowAt(t, techDisplay, xdoSearch(t, techDisplay, "Tandem desk"))
				return map[string]any{"x": c["x"].(float64) + float64(win.X), "y": c["y"].(float64) + float64(win.Y), "w": c["w"], "h": c["h"]}
			}
		}
		t.Fatalf("the desk window does not show %s (conversation %q, editing %v); last report %v", name, conv, editing, tech.last("desk-window"))
		return nil
	}
}

// TestDeskWindowStartSession: Start a session in the desk window gives
// the technician a code to read out; the customer who brings it to the
// help page shows up in the window's queue as theirs, and a click there
// starts the chat with them.
func TestDeskWindowStartSession(t *testing.T) {
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	techDisplay := xvfb.Start(t, 2600, 1000)
	tech := start(t, b["technician"], []string{"DISPLAY=" + techDisplay, "LIBGL_ALWAYS_SOFTWARE=1"},
		"-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw, "-json", "-desk", "-mode", "view")
	control := deskControl(t, tech, techDisplay)
	control("open", "", false)
	// No window manager places windows here: the session's viewer would
	// open over the desk at the origin.
	xdo(t, techDisplay, "windowmove", "--sync", xdoSearch(t, techDisplay, "Tandem desk"), "1700", "0")
	clickControl(t, techDisplay, control("open", "", false))
	code := tech.next(t, "code")["code"].(string)

	page := newDeskCustomer(t, srv)
	var visit struct{ ID, Key string }
	if st := page.post(t, "/v1/desk/visit", map[string]string{"code": code, "lang": "en"}, &visit); st != http.StatusOK {
		t.Fatalf("visit with the session's code: %d", st)
	}
	page.connect(t, visit.ID, visit.Key)
	page.send(t, map[string]string{"type": "send", "cid": "c1", "text": "I have the code"})
	clickControl(t, techDisplay, control("queue-"+visit.ID, "", false))
	clickControl(t, techDisplay, control("reply", visit.ID, false))
	control("reply", visit.ID, true)
	xdo(t, techDisplay, "type", "Thanks, now run the agent")
	xdo(t, techDisplay, "key", "Return")
	for m := page.next(t, "message"); m["from"] != "operator"; m = page.next(t, "message") {
	}
	tech.cmd.Process.Signal(syscall.SIGINT)
	if st := tech.wait(t, 30*time.Second); st != 0 {
		t.Fatalf("technician exit %d\n%s", st, tech.stderr.String())
	}
}
