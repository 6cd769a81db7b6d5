package console

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/wiretest"
)

// inputCases encodes, with web/input.js, the events of the input
// channel's golden files (internal/link/input/wire_golden_test.go), and
// prints their bytes in hex as one JSON object.
const inputCases = `
import * as m from %q;
const kb = (code) => { const out = []; const k = new m.Keyboard((b) => out.push(b)); return [k, out]; };
const [k1, q] = kb(); k1.down({ code: 'KeyQ', key: 'a' });
const [k2, shift] = kb(); k2.down({ code: 'ShiftLeft', key: 'Shift' }); k2.up({ code: 'ShiftLeft', key: 'Shift' });
const [k3, zhe] = kb(); k3.down({ code: '', key: 'Ж' });
const hex = (b) => Buffer.from(b).toString('hex');
console.log(JSON.stringify({
  'pointer-move.hex': hex(m.pointerMove(2, 1919, 300)),
  'button-down.hex': hex(m.button(true, m.wireButton(0))),
  'button-up.hex': hex(m.button(false, m.wireButton(2))),
  'wheel.hex': hex(m.wheel(30, -120)),
  'key-down.hex': hex(q[0]),
  'key-up.hex': hex(shift[1]),
  'key-down-unnamed.hex': hex(zhe[0]),
  'text.hex': hex(m.texts('Grüße €')[0]),
  'release-all.hex': hex(m.releaseAll()),
}));
`

// TestInputWire: what the page sends on the input channel is byte for
// byte what docs/wire.md's golden files say, keys as a browser reports
// them (KeyboardEvent code and key) included.
func TestInputWire(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (scripts/install-deps.sh installs it)")
	}
	mod, err := filepath.Abs("web/input.js")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, "--input-type=module", "-e", fmt.Sprintf(inputCases, "file://"+mod)).Output()
	if err != nil {
		t.Fatalf("node: %v %s", err, out)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node printed %s", out)
	}
	for file, h := range got {
		dump, err := os.ReadFile(filepath.Join("../../link/input/testdata/wire", file))
		if err != nil {
			t.Fatal(err)
		}
		if want := hex.EncodeToString(wiretest.Undump(t, dump)); h != want {
			t.Errorf("%s: the page sends %s, the golden has %s", file, h, want)
		}
	}
	if len(got) != 9 {
		t.Errorf("%d cases checked, want 9", len(got))
	}
}

// TestCursorWire: web/cursor.js reads the cursor channel's golden
// positions as internal/wire/proto's test wrote them.
func TestCursorWire(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (scripts/install-deps.sh installs it)")
	}
	mod, err := filepath.Abs("web/cursor.js")
	if err != nil {
		t.Fatal(err)
	}
	var hexes []string
	for _, f := range []string{"cursor-pos.hex", "cursor-pos-hidden.hex"} {
		dump, err := os.ReadFile(filepath.Join("../../wire/proto/testdata/wire", f))
		if err != nil {
			t.Fatal(err)
		}
		hexes = append(hexes, hex.EncodeToString(wiretest.Undump(t, dump)))
	}
	arg, _ := json.Marshal(hexes)
	script := fmt.Sprintf(`import { parsePosition } from %q;
const out = %s.map((h) => parsePosition(new Uint8Array(Buffer.from(h, 'hex')).buffer));
console.log(JSON.stringify(out));`, "file://"+mod, arg)
	out, err := exec.Command(node, "--input-type=module", "-e", script).Output()
	if err != nil {
		t.Fatalf("node: %v %s", err, out)
	}
	want := `[{"hidden":false,"seq":258,"serial":42,"x":1919,"y":-3},{"hidden":true,"seq":259,"serial":42,"x":0,"y":0}]`
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("cursor.js read %s, want %s", got, want)
	}
}

// TestControlWire: the control messages the page writes are the goldens'
// bytes (internal/wire/proto/testdata/wire), and a long clipboard text is
// cut into pieces of at most 8192 bytes between characters.
func TestControlWire(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (scripts/install-deps.sh installs it)")
	}
	link, _ := filepath.Abs("web/link.js")
	in, _ := filepath.Abs("web/input.js")
	script := fmt.Sprintf(`import { envelope } from %q;
import { clipboardPieces } from %q;
const long = clipboardPieces('x'.repeat(8191) + 'Жy');
console.log(JSON.stringify({
  'mode-request.json': envelope('mode-request', { id: 1, mode: 'control' }),
  'select-monitor.json': envelope('select-monitor', { id: 0 }),
  'hello-ack.json': envelope('hello-ack', { nonce: '9f86d081884c7d65', version: 'v1.4.0' }),
  'clipboard-piece.json': envelope('clipboard', clipboardPieces('first 8 KiB…').map((p) => ({ ...p, more: true }))[0]),
  pieces: long.map((p) => [Buffer.byteLength(p.text), !!p.more]),
}));`, "file://"+link, "file://"+in)
	out, err := exec.Command(node, "--input-type=module", "-e", script).Output()
	if err != nil {
		t.Fatalf("node: %v %s", err, out)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node printed %s", out)
	}
	for _, f := range []string{"mode-request.json", "select-monitor.json", "hello-ack.json", "clipboard-piece.json"} {
		golden, err := os.ReadFile(filepath.Join("../../wire/proto/testdata/wire", f))
		if err != nil {
			t.Fatal(err)
		}
		var page string
		json.Unmarshal(got[f], &page)
		if page != strings.TrimSuffix(string(golden), "\n") {
			t.Errorf("%s: the page writes %s, the golden has %s", f, page, golden)
		}
	}
	if p := string(got["pieces"]); p != "[[8191,true],[3,false]]" {
		t.Errorf("8191 x, Ж and y cut into %s, want 8191 bytes (Ж would split the limit) and 3", p)
	}
}

// TestFileWire: the page's offer and data messages, its streamed SHA-256
// and the transfer key are those of the file channel's goldens
// (internal/link/filexfer/testdata/wire).
func TestFileWire(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (scripts/install-deps.sh installs it)")
	}
	mod, _ := filepath.Abs("web/files.js")
	script := fmt.Sprintf(`import { hashFile, transferKey, offerMessage, dataMessage } from %q;
const file = new File(['hello world'], 'report.pdf');
const sha = await hashFile(file);
const key = await transferKey('report.pdf', 11, sha);
const hex = (b) => Buffer.from(b).toString('hex');
console.log(JSON.stringify({
  sha: hex(sha), key: hex(key),
  'offer.hex': hex(offerMessage(1, 'report.pdf', 11, sha, key)),
  'data.hex': hex(dataMessage(1, 6, new TextEncoder().encode('world'))),
}));`, "file://"+mod)
	out, err := exec.Command(node, "--input-type=module", "-e", script).Output()
	if err != nil {
		t.Fatalf("node: %v %s", err, out)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node printed %s", out)
	}
	dir := "../../link/filexfer/testdata/wire"
	keys, err := os.ReadFile(filepath.Join(dir, "key.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sha256  " + got["sha"], "key     " + got["key"]} {
		if !strings.Contains(string(keys), want+"\n") {
			t.Errorf("key.txt has no line %q:\n%s", want, keys)
		}
	}
	for _, f := range []string{"offer.hex", "data.hex"} {
		dump, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if want := hex.EncodeToString(wiretest.Undump(t, dump)); got[f] != want {
			t.Errorf("%s: the page sends %s, the golden has %s", f, got[f], want)
		}
	}
}
