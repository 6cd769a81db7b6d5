package e2e

import (
	"bufio"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// browser is a headless Chromium driven by web/drive.mjs (playwright-core
// with Debian's /usr/bin/chromium; no browser is ever downloaded).
type browser struct {
	t       *testing.T
	cmd     *exec.Cmd
	in      io.WriteCloser
	replies chan driveReply
	stderr  lockedBuffer
	n       int
}

type driveReply struct {
	ID    int             `json:"id"`
	OK    bool            `json:"ok"`
	Value json.RawMessage `json:"value"`
	Error string          `json:"error"`
}

// needBrowser skips the test when Chromium or Node is missing, and fails
// it when playwright-core is not installed (make test installs it).
func needBrowser(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "node"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("the help page's browser tests need %s (scripts/install-deps.sh installs it): %v", p, err)
		}
	}
	dir, err := filepath.Abs("web")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("playwright-core is not installed: run `npm --prefix internal/testkit/e2e/web ci` (make test does)")
	}
	return dir
}

// openBrowser starts the driver and a browser context with args (see
// drive.mjs's "open").
func openBrowser(t *testing.T, args map[string]any) *browser {
	t.Helper()
	dir := needBrowser(t)
	b := &browser{t: t, replies: make(chan driveReply, 16)}
	b.cmd = exec.Command("node", filepath.Join(dir, "drive.mjs"))
	b.cmd.Dir = dir
	b.cmd.Env = append(os.Environ(), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
	b.cmd.Stderr = &b.stderr
	var err error
	if b.in, err = b.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start the browser driver: %v", err)
	}
	go func() {
		defer close(b.replies)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var r driveReply
			if json.Unmarshal(sc.Bytes(), &r) == nil {
				b.replies <- r
			}
		}
	}()
	t.Cleanup(func() {
		b.in.Close() // the driver closes the browser at the end of its input
		done := make(chan struct{})
		go func() { b.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			b.cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("browser driver's stderr:\n%s", b.stderr.String())
		}
	})
	b.do("open", args)
	return b
}

// do runs one driver command and returns its value; a failed command
// fails the test.
func (b *browser) do(op string, args map[string]any) json.RawMessage {
	b.t.Helper()
	v, err := b.try(op, args)
	if err != nil {
		b.t.Fatalf("browser %s %v: %v\n%s", op, args, err, b.stderr.String())
	}
	return v
}

// try runs one driver command and returns its error.
func (b *browser) try(op string, args map[string]any) (json.RawMessage, error) {
	b.n++
	line, _ := json.Marshal(map[string]any{"id": b.n, "op": op, "args": args})
	if _, err := b.in.Write(append(line, '\n')); err != nil {
		return nil, fmt.Errorf("write to the driver: %w", err)
	}
	select {
	case r, ok := <-b.replies:
		if !ok {
			return nil, fmt.Errorf("the driver exited")
		}
		if !r.OK {
			return nil, fmt.Errorf("%s", r.Error)
		}
		return r.Value, nil
	case <-time.After(90 * time.Second):
		return nil, fmt.Errorf("no answer from the driver in 90 s")
	}
}

func (b *browser) waitText(sel, text string) {
	b.t.Helper()
	b.do("waitText", map[string]any{"sel": sel, "text": text})
}

func (b *browser) texts(sel string) []string {
	b.t.Helper()
	var s []string
	if err := json.Unmarshal(b.do("texts", map[string]any{"sel": sel}), &s); err != nil {
		b.t.Fatal(err)
	}
	return s
}

func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	var s *string
	json.Unmarshal(b.do("attr", map[string]any{"sel": sel, "name": name}), &s)
	if s == nil {
		return ""
	}
	return *s
}

// pageRequest is one request the page made, as the driver recorded it.
type pageRequest struct {
	Kind, Method, URL string
}

func (b *browser) requests() []pageRequest {
	b.t.Helper()
	var r []pageRequest
	if err := json.Unmarshal(b.do("requests", nil), &r); err != nil {
		b.t.Fatal(err)
	}
	return r
}

// spkiHashes returns the base64 SHA-256 of the public keys of every
// certificate in the PEM file: Chromium's
// --ignore-certificate-errors-spki-list trusts exactly those keys.
func spkiHashes(t *testing.T, pemFile string) []string {
	t.Helper()
	data, err := os.ReadFile(pemFile)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		var blk *pem.Block
		if blk, data = pem.Decode(data); blk == nil {
			break
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
		out = append(out, base64.StdEncoding.EncodeToString(sum[:]))
	}
	if len(out) == 0 {
		t.Fatalf("no certificate in %s", pemFile)
	}
	return out
}

// checkPNG fails unless file is a PNG of w×h pixels (or taller, for a
// full page) with real content: many colours, not one blank fill.
func checkPNG(t *testing.T, file string, w, h int) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	bd := img.Bounds()
	if bd.Dx() != w || bd.Dy() < h {
		t.Errorf("%s is %dx%d, want %dx%d", file, bd.Dx(), bd.Dy(), w, h)
	}
	colours := map[[3]uint32]int{}
	for y := bd.Min.Y; y < bd.Max.Y; y += 2 {
		for x := bd.Min.X; x < bd.Max.X; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, b >> 8}]++
		}
	}
	if len(colours) < 16 {
		t.Errorf("%s has %d colours: blank?", file, len(colours))
	}
}

// lines is how many of ss contain sub.
func lines(ss []string, sub string) int {
	n := 0
	for _, s := range ss {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

// a11yAudit runs in the page: every visible form control has a name
// (its label, aria-label or text), and every visible text has a contrast
// of at least 4.5:1 against the background it is drawn on (WCAG AA).
// It returns what fails.
const a11yAudit = `(() => {
  const bad = [];
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
  for (const el of document.querySelectorAll('input:not([type=hidden]), textarea, select, button')) {
    if (!visible(el)) continue;
    const label = el.id && document.querySelector('label[for="' + el.id + '"]');
    const name = (label && label.textContent.trim()) || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent.trim());
    if (!name) bad.push('no label: ' + el.outerHTML.slice(0, 80));
  }
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => {
    for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3); }
    return [255, 255, 255];
  };
  let checked = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || !visible(el) || el.closest('[disabled], noscript')) continue;
    const fg = rgb(getComputedStyle(el).color).slice(0, 3), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    checked++;
    if (ratio < 4.5) bad.push('contrast ' + ratio.toFixed(2) + ': "' + n.textContent.trim().slice(0, 40) + '"');
  }
  if (checked < 5) bad.push('only ' + checked + ' texts checked');
  return bad;
})()`

// checkAccessible fails the test with what a11yAudit finds.
func checkAccessible(t *testing.T, b *browser, view string) {
	t.Helper()
	var bad []string
	if err := json.Unmarshal(b.do("eval", map[string]any{"expr": a11yAudit}), &bad); err != nil {
		t.Fatal(err)
	}
	for _, s := range bad {
		t.Errorf("%s: %s", view, s)
	}
}

// focusRing is the focused element's outline: "style width".
const focusRing = `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth; })()`
