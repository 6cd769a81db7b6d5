package e2e

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// checkConsoleUnasked: a file the customer sends unasked is shown with
// Accept and Decline; accepted, it is received with its SHA-256 checked and
// saved from the page. The agent's window has no Send-a-file action yet, so
// its messages are put on the page's real file channel (a MessageEvent on
// the RTCDataChannel), built with the page's own encoders, which
// TestFileWire checks against the file channel's goldens; the console
// package's TestPageFilesWithAgent runs the same page code against the
// agent's filexfer sender. Offer, Accept and the data go in one task: the
// agent answers the page's accept for a transfer it never started with an
// abort, which must find it finished.
func checkConsoleUnasked(t *testing.T, b *browser) {
	t.Helper()
	const size = 150_000
	var ui string
	json.Unmarshal(b.do("eval", map[string]any{"expr": fmt.Sprintf(`(async () => {
		const { offerMessage, dataMessage, transferKey } = await import('/console/assets/files.js');
		const bytes = new Uint8Array(%d).map((_, i) => (i * 5) %% 253);
		const sha = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
		const name = 'photo du ticket.jpg';
		const key = await transferKey(name, bytes.length, sha);
		const ch = window.tandemTest.channels.file;
		const put = (m) => ch.dispatchEvent(new MessageEvent('message', { data: m.buffer }));
		const id = 0x70000001;
		put(offerMessage(id, name, bytes.length, sha, key));
		const accept = document.querySelector('#transfers [id^="accept-in"]');
		if (!accept) return '';
		accept.click();
		for (let at = 0; at < bytes.length; at += 65523) put(dataMessage(id, at, bytes.subarray(at, at + 65523)));
		return accept.id.slice('accept-'.length);
	})()`, size)}), &ui)
	if ui == "" {
		t.Fatal("the customer's offer showed no Accept button")
	}
	b.do("waitAttr", map[string]any{"sel": "#transfer-" + ui, "name": "data-state", "value": "fetched"})
	saved := filepath.Join(t.TempDir(), "saved.jpg")
	var dl struct{ Name string }
	json.Unmarshal(b.do("download", map[string]any{"sel": "#save-" + ui, "path": saved}), &dl)
	want := make([]byte, size)
	for i := range want {
		want[i] = byte(i * 5 % 253)
	}
	got, err := os.ReadFile(saved)
	if err != nil || sha256.Sum256(got) != sha256.Sum256(want) || dl.Name != "photo du ticket.jpg" {
		t.Errorf("the page saved %q, %d bytes (%v), want the customer's %d", dl.Name, len(got), err, size)
	}
}

// lastTransfer is the id of the newest transfer's line.
func lastTransfer(t *testing.T, b *browser) string {
	t.Helper()
	var id string
	json.Unmarshal(b.do("eval", map[string]any{"expr": `document.querySelector('#transfers li:last-child').id`}), &id)
	return id
}

// checkConsoleFetchResume fetches an 8 MB file and ends the session as
// soon as its first bytes are in (the page's connection closes: a cut),
// opens a new session with a new agent on the same display and presses
// Try again: the customer is asked again, the page accepts from the end of
// what it kept, and the saved file's SHA-256 matches. It ends both
// sessions.
func checkConsoleFetchResume(t *testing.T, b *browser, sig *sigServer, agent *proc, display string) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "sauvegarde.tar")
	content := make([]byte, 8<<20)
	for i := range content {
		content[i] = byte(i*31 + i>>11)
	}
	if err := os.WriteFile(src, content, 0o600); err != nil {
		t.Fatal(err)
	}
	b.do("fill", map[string]any{"sel": "#fetch-path", "value": src})
	b.do("press", map[string]any{"sel": "#fetch-path", "key": "Enter"})
	first := lastTransfer(t, b)
	// Ends the session from the page at the first data: the observer
	// runs before the next message is handled.
	b.do("eval", map[string]any{"expr": fmt.Sprintf(`window.tandemCut = new Promise((done) => {
		const li = document.getElementById(%q);
		const obs = new MutationObserver(() => {
			if (Number(li.dataset.fraction) > 0) { obs.disconnect(); document.getElementById('end').click(); done(li.dataset.fraction); }
		});
		obs.observe(li, { attributes: true });
	}), 0`, first)})
	if q := answer(t, agent, display, "allow"); q["kind"] != "file-out" {
		t.Fatalf("the customer was asked %v, want the download", q)
	}
	b.do("eval", map[string]any{"expr": `window.tandemCut`})
	b.do("waitAttr", map[string]any{"sel": "#" + first, "name": "data-state", "value": "cut"})
	held, _ := strconv.Atoi(b.attr("#"+first, "data-held"))
	if held <= 0 || held >= len(content) {
		t.Fatalf("the cut fetch holds %d bytes, want part of %d", held, len(content))
	}
	if st := agent.wait(t, 20*time.Second); st != 0 {
		t.Fatalf("agent exit %d after the operator ended the session\n%s", st, agent.stderr.String())
	}

	bins := binaries(t)
	b.do("click", map[string]any{"sel": "#start"})
	b.waitText("#session-status", "Waiting for the customer")
	code := b.texts("#code")[0]
	again := start(t, bins["agent"], nil, "-keep", "-server", sig.url, "-ca", sig.ca, "-code", code, "-json", "-display", display)
	answer(t, again, display, "allow")
	b.waitText("#mode", "You have control")
	b.do("click", map[string]any{"sel": "#again-" + first[len("transfer-"):]})
	if q := answer(t, again, display, "allow"); q["kind"] != "file-out" {
		t.Fatalf("the customer was asked %v, want the download again", q)
	}
	second := lastTransfer(t, b)
	b.do("waitAttr", map[string]any{"sel": "#" + second, "name": "data-state", "value": "fetched"})
	if r := b.attr("#"+second, "data-resumed"); r != strconv.Itoa(held) {
		t.Errorf("the second fetch resumed at %q, want the %d bytes the first kept", r, held)
	}
	saved := filepath.Join(t.TempDir(), "saved.tar")
	b.do("download", map[string]any{"sel": "#save-" + second[len("transfer-"):], "path": saved})
	got, err := os.ReadFile(saved)
	if err != nil || sha256.Sum256(got) != sha256.Sum256(content) {
		t.Errorf("the page saved %d bytes (%v), want the customer's %d", len(got), err, len(content))
	}
	t.Logf("fetch cut at %d of %d bytes, resumed in a new session", held, len(content))
	b.do("click", map[string]any{"sel": "#end"})
	if st := again.wait(t, 20*time.Second); st != 0 {
		t.Fatalf("second agent exit %d\n%s", st, again.stderr.String())
	}
}
