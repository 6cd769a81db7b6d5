package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// recordChannels is the console tests' init script: it keeps the page's
// data channels by label (and their connection as pc), and every message the page sends on the input
// channel (as arrays of bytes), so that a test can say what went out.
const recordChannels = `(() => {
  const made = {};
  const sent = [];
  Object.defineProperty(window, 'tandemTest', { value: { channels: made, input: sent } });
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (...args) {
    made.pc = this;
    const ch = create.apply(this, args);
    made[ch.label] = ch;
    if (ch.label === 'input') {
      const send = ch.send;
      ch.send = function (data) {
        sent.push(Array.from(new Uint8Array(data instanceof ArrayBuffer ? data : data.buffer)));
        return send.call(this, data);
      };
    }
    return ch;
  };
})()`

// sentInput returns what the page sent on the input channel since the
// last call, and forgets it.
func sentInput(t *testing.T, b *browser) [][]byte {
	t.Helper()
	var got [][]int
	json.Unmarshal(b.do("eval", map[string]any{"expr": `window.tandemTest.input.splice(0)`}), &got)
	out := make([][]byte, len(got))
	for i, m := range got {
		for _, v := range m {
			out[i] = append(out[i], byte(v))
		}
	}
	return out
}

// waitTyped waits until the xterm's file holds want (a hang guard only).
func waitTyped(t *testing.T, typed, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var got []byte
	for time.Now().Before(deadline) {
		if got, _ = os.ReadFile(typed); string(got) == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("xterm received %q, want %q", got, want)
}

// checkConsoleIME composes 日本 with an input method (the DevTools
// protocol's, as an IME drives Chromium: three composition updates, then
// the commit) in the page's keyboard field: the page sends one text
// message and no key, and the customer's xterm gets the composed text
// once (then Enter, which ends its line).
func checkConsoleIME(t *testing.T, b *browser, typed, before string) {
	t.Helper()
	sentInput(t, b)
	for _, s := range []string{"n", "に", "日本"} {
		n := len([]rune(s))
		b.do("cdp", map[string]any{"method": "Input.imeSetComposition",
			"params": map[string]any{"text": s, "selectionStart": n, "selectionEnd": n}})
	}
	b.do("cdp", map[string]any{"method": "Input.insertText", "params": map[string]any{"text": "日本"}})
	msgs := sentInput(t, b)
	if len(msgs) != 1 || msgs[0][0] != 7 || string(msgs[0][3:]) != "日本" {
		t.Errorf("during the composition the page sent %v, want one text message 日本", msgs)
	}
	// The xterm's terminal hands cat whole lines.
	b.do("press", map[string]any{"sel": "#keys", "key": "Enter"})
	waitTyped(t, typed, before+"日本\n")
}

// checkConsoleExit: Ctrl+Alt+Shift in the keyboard field releases the
// customer's keys (release-all goes out), moves the focus out of the
// picture and says so in a status line; Tab then moves between the page's
// controls instead of going to the customer.
func checkConsoleExit(t *testing.T, b *browser) {
	t.Helper()
	if f := focused(t, b); f != "keys" {
		t.Fatalf("before the chord the focus is on %q, want the keyboard field", f)
	}
	sentInput(t, b)
	b.do("keyboard", map[string]any{"key": "Control+Alt+Shift"})
	if f := focused(t, b); f != "keys-help" {
		t.Errorf("after Ctrl+Alt+Shift the focus is on %q, want the keyboard's help", f)
	}
	if s := b.texts("#keys-status")[0]; !strings.Contains(s, "keyboard is back on this page") {
		t.Errorf("the status line says %q", s)
	}
	if role := b.attr("#keys-status", "role"); role != "status" {
		t.Errorf("the announcement's role is %q, want status", role)
	}
	msgs := sentInput(t, b)
	if len(msgs) == 0 || msgs[len(msgs)-1][0] != 8 {
		t.Errorf("the chord sent %v, want the two modifiers then release-all", msgs)
	}
	b.do("keyboard", map[string]any{"key": "Tab"})
	if f := focused(t, b); f == "keys" || f == "keys-help" || f == "" {
		t.Errorf("Tab after the chord focused %q, want the page's next control", f)
	}
	if msgs := sentInput(t, b); len(msgs) != 0 {
		t.Errorf("Tab after the chord went to the customer: %v", msgs)
	}
	t.Logf("after the chord, Tab focused #%s", focused(t, b))
}
