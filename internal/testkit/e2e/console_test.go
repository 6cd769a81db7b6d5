package e2e

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/tandem-remote/tandem/internal/testkit/netlab"
)

// The operator console (package console) in Debian's Chromium
// (playwright-core, web/drive.mjs and web/console.spec.mjs) against the
// real signaling binary: SCRAM in the page, lockout, TOTP, the HttpOnly
// cookie, the CSP, framing and French.

var (
	consoleBuild    sync.Once
	consoleBins     netlab.Binaries
	consoleBuildErr error
)

// consoleServer builds only signaling (the console needs nothing else)
// and runs it on loopback.
func consoleServer(t *testing.T) (*sigServer, netlab.Binaries) {
	t.Helper()
	needBrowser(t)
	consoleBuild.Do(func() {
		dir, err := os.MkdirTemp("", "tandem-console-bin")
		if err != nil {
			consoleBuildErr = err
			return
		}
		builtDirs.add(dir)
		consoleBins, consoleBuildErr = netlab.Build(dir, "signaling")
	})
	if consoleBuildErr != nil {
		t.Fatalf("build: %v", consoleBuildErr)
	}
	return server(t, consoleBins), consoleBins
}

const consolePassword = "amber quarry lantern été 58"

// consolePasswordTyped is consolePassword as another keyboard may type
// it: a no-break space, a soft hyphen and decomposed accents. SASLprep
// makes them the same password, in the page as in the desktop client
// (NFKC alone would keep the soft hyphen).
const consolePasswordTyped = "amber\u00a0quarry lan\u00adtern e\u0301te\u0301 58"

// consoleLogin fills the login form and submits it with Enter.
func consoleLogin(b *browser, id, password, code string) {
	b.t.Helper()
	b.do("fill", map[string]any{"sel": "#id", "value": id})
	b.do("fill", map[string]any{"sel": "#password", "value": password})
	b.do("fill", map[string]any{"sel": "#totp", "value": code})
	b.do("press", map[string]any{"sel": "#password", "key": "Enter"})
}

func evalString(t *testing.T, b *browser, expr string) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(b.do("eval", map[string]any{"expr": expr}), &s); err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return s
}

// TestConsoleLogin: a wrong password is refused and counted (three lock
// the ID), TOTP is needed when enrolled, the right password logs in and
// shows the operator's name, the cookie is out of the page's reach, the
// CSP blocks an inline script, Start a session shows a code and its
// link, and every request stayed on the server's origin.
func TestConsoleLogin(t *testing.T) {
	sig, bins := consoleServer(t)
	admin := func(stdin string, args ...string) string { t.Helper(); return sig.admin(t, bins, stdin, args...) }
	for _, u := range [][2]string{{"alice", "Alice Martin"}, {"carol", "Carol Roy"}, {"tess", "Tess Ng"}} {
		admin(consolePassword+"\n", "user", "add", "-name", u[1], u[0])
	}
	admin("", "perm", "set", "account", "alice", "observe", "remote-control")
	admin("", "totp", "require", "account", "tess")
	uri := regexp.MustCompile(`otpauth://\S+`).FindString(admin("", "totp", "enroll", "tess"))
	u, err := url.Parse(uri)
	if err != nil || u.Query().Get("secret") == "" {
		t.Fatalf("enroll printed no otpauth URI: %q", uri)
	}
	failures := func(id string) string {
		return regexp.MustCompile(`failed logins: \d+`).FindString(admin("", "user", "show", id))
	}

	b := openBrowser(t, map[string]any{"spki": spkiHashes(t, sig.ca), "viewport": map[string]any{"width": 1280, "height": 800}})
	b.do("goto", map[string]any{"url": sig.url + "/console"})
	if lang := b.attr("html", "lang"); lang != "en" {
		t.Errorf("<html lang=%q>, want en", lang)
	}
	b.do("waitAttr", map[string]any{"sel": "#app", "name": "data-view", "value": "login"})
	if f := focused(t, b); f != "id" {
		t.Errorf("the login view focuses %q, want the ID field", f)
	}
	checkCSP(t, b)
	checkAccessible(t, b, "the console's login view")
	var ring string
	json.Unmarshal(b.do("eval", map[string]any{"expr": focusRing}), &ring)
	if !strings.HasPrefix(ring, "solid") || ring == "solid 0px" {
		t.Errorf("the focused ID field's outline is %q: focus is not visible", ring)
	}
	consoleShot(t, b, "console-login-1280.png", 1280, 800)

	// TOTP enrolled: the password alone is refused (one failure), with the code it logs in.
	consoleLogin(b, "tess", consolePassword, "")
	b.waitText("#login-error", "authenticator code")
	if got := failures("tess"); got != "failed logins: 1" {
		t.Errorf("tess without a code: %q, want 1 failure", got)
	}
	code, err := totp.GenerateCode(u.Query().Get("secret"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	consoleLogin(b, "tess", consolePassword, code)
	b.waitText("#operator-name", "Tess Ng")
	b.do("click", map[string]any{"sel": "#logout"})
	b.do("waitAttr", map[string]any{"sel": "#app", "name": "data-view", "value": "login"})

	consoleLogin(b, "alice", "not the password at all", "")
	b.waitText("#login-error", "Login failed")
	if got := failures("alice"); got != "failed logins: 1" {
		t.Errorf("alice after a wrong password: %q, want 1 failure", got)
	}
	consoleLogin(b, "alice", consolePasswordTyped, "")
	b.waitText("#operator-name", "Alice Martin")
	if got := failures("alice"); got != "failed logins: 0" {
		t.Errorf("alice after logging in: %q, want 0", got)
	}
	if c := evalString(t, b, "document.cookie"); strings.Contains(c, "tandem") {
		t.Errorf("document.cookie shows the session cookie: %q", c)
	}
	if f := focused(t, b); f != "start" {
		t.Errorf("after login the focus is on %q, want Start a session", f)
	}
	b.do("keyboard", map[string]any{"key": "Enter"})
	startedSession(t, b, sig.url)
	checkAccessible(t, b, "the console's session view")
	consoleShot(t, b, "console-session-1280.png", 1280, 800)
	b.do("viewport", map[string]any{"width": 820, "height": 1180})
	consoleShot(t, b, "console-session-820.png", 820, 1180)

	// Reloading keeps the login (the cookie), and the page learns the name again.
	b.do("goto", map[string]any{"url": sig.url + "/console"})
	b.waitText("#operator-name", "Alice Martin")

	b.do("click", map[string]any{"sel": "#logout"})
	b.do("waitAttr", map[string]any{"sel": "#app", "name": "data-view", "value": "login"})
	for i := range 3 {
		consoleLogin(b, "carol", "wrong guess number "+string(rune('1'+i)), "")
		b.waitText("#login-error", "Login failed")
		b.do("eval", map[string]any{"expr": "document.getElementById('login-error').textContent = ''"})
		if i < 2 {
			continue
		}
		// The third failure blocks the ID (and starts a new count).
		if out := admin("", "user", "show", "carol"); !strings.Contains(out, "blocked until") {
			t.Errorf("carol after three wrong passwords in the console:\n%s", out)
		}
	}
	for _, r := range b.requests() {
		if !strings.HasPrefix(r.URL, sig.url+"/") && !strings.HasPrefix(r.URL, "wss"+strings.TrimPrefix(sig.url, "https")+"/") {
			t.Errorf("the page requested another origin: %s %s", r.Method, r.URL)
		}
	}
}

// startedSession waits for the session's code and checks its link.
func startedSession(t *testing.T, b *browser, server string) {
	t.Helper()
	b.do("waitText", map[string]any{"sel": "#session-status", "text": "Waiting for the customer"})
	code := b.texts("#code")[0]
	if !regexp.MustCompile(`^\d{9}$`).MatchString(code) {
		t.Fatalf("the page shows code %q", code)
	}
	if link := b.attr("#link", "href"); link != server+"/s/"+code {
		t.Errorf("the link is %q, want %s/s/%s", link, server, code)
	}
	if f := focused(t, b); f != "copy" {
		t.Errorf("the focus is on %q, want the copy button", f)
	}
	b.do("keyboard", map[string]any{"key": "Enter"})
	b.waitText("#copied", "Link copied")
}

// checkCSP: the page's CSP header is the strict one, and an inline script
// added to the page does not run.
func checkCSP(t *testing.T, b *browser) {
	t.Helper()
	csp := evalString(t, b, "fetch('/console').then((r) => r.headers.get('content-security-policy') || '')")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	got := evalString(t, b, `new Promise((done) => {
		document.addEventListener('securitypolicyviolation', (e) => done('blocked by ' + e.violatedDirective), { once: true });
		const s = document.createElement('script');
		s.textContent = 'window.inlineRan = true';
		document.head.appendChild(s);
		setTimeout(() => done(window.inlineRan ? 'ran' : 'silent'), 3000);
	})`)
	if !strings.HasPrefix(got, "blocked by script-src") {
		t.Errorf("an inline script: %s, want blocked by script-src", got)
	}
}

// TestConsoleFramedAndFrench: another origin's page that frames the
// console gets Chromium's error page (the control frame beside it
// renders); nothing the page sends while it logs in and opens a session
// holds the password in any spelling; a French browser gets the page in
// French.
func TestConsoleFramedAndFrench(t *testing.T) {
	sig, bins := consoleServer(t)
	sig.admin(t, bins, consolePassword+"\n", "user", "add", "-name", "Dana Roy", "dana")
	spki := spkiHashes(t, sig.ca)
	arg, _ := json.Marshal(map[string]any{"url": sig.url + "/console", "spki": spki,
		"login": map[string]string{"id": "dana", "password": consolePassword}})
	cmd := exec.Command("node", filepath.Join(needBrowser(t), "console.spec.mjs"), string(arg))
	cmd.Dir = needBrowser(t)
	cmd.Env = append(os.Environ(), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("console.spec.mjs: %v\n%s", err, out)
	}
	var res struct {
		Frames []struct {
			Name, URL string
			Form      bool
		}
		Console []string
		Sent    []string
		Code    string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("console.spec.mjs said %s", out)
	}
	// The refused frame becomes Chromium's error page (its URL
	// chrome-error://, its name lost, or kept in one CI run of many): of
	// the two frames, only the control may hold the form.
	rendered := 0
	for _, f := range res.Frames {
		if f.Form {
			rendered++
		}
		if strings.HasPrefix(f.URL, sig.url) || f.Name == "console" && (f.Form || !strings.HasPrefix(f.URL, "chrome-error:")) {
			t.Errorf("the framed console loaded: %+v", f)
		}
	}
	if len(res.Frames) != 2 || rendered != 1 {
		t.Fatalf("frames %+v: want two, only the control rendered", res.Frames)
	}
	if !strings.Contains(strings.Join(res.Console, "\n"), "frame-ancestors 'none'") {
		t.Errorf("Chromium did not report the frame-ancestors refusal: %q", res.Console)
	}
	t.Logf("frames %+v; console %q", res.Frames, res.Console)
	checkNoPassword(t, res.Sent, res.Code)

	b := openBrowser(t, map[string]any{"spki": spki, "locale": "fr-FR", "viewport": map[string]any{"width": 820, "height": 1180}})
	b.do("goto", map[string]any{"url": sig.url + "/console"})
	b.do("waitAttr", map[string]any{"sel": "#app", "name": "data-view", "value": "login"})
	if lang := b.attr("html", "lang"); lang != "fr" {
		t.Errorf("<html lang=%q>, want fr", lang)
	}
	if got := b.texts("#login-button")[0]; got != "Se connecter" {
		t.Errorf("the login button says %q, want Se connecter", got)
	}
	if got := b.texts("label[for=password]")[0]; got != "Mot de passe" {
		t.Errorf("the password label says %q", got)
	}
	checkAccessible(t, b, "the console in French")
	consoleShot(t, b, "console-login-fr-820.png", 820, 1180)
}

// consoleShot saves a screenshot in screenshotDir, checks it is a real
// picture of w×h, and that the page needs no sideways scrolling.
func consoleShot(t *testing.T, b *browser, name string, w, h int) {
	t.Helper()
	var sw int
	json.Unmarshal(b.do("eval", map[string]any{"expr": "document.documentElement.scrollWidth"}), &sw)
	if sw > w {
		t.Errorf("%s: the page is %d px wide in a %d px window", name, sw, w)
	}
	path := filepath.Join(screenshotDir(t), name)
	b.do("screenshot", map[string]any{"path": path})
	checkPNG(t, path, w, h)
	t.Logf("screenshot: %s", path)
}

// checkNoPassword fails if any of sent (what the page sent while it
// logged in and opened the session that showed code) holds the password
// as typed, prepared, base64 or URL-encoded, or if the exchange was not
// recorded at all.
func checkNoPassword(t *testing.T, sent []string, code string) {
	t.Helper()
	all := strings.Join(sent, "\n")
	for _, want := range []string{"/console/api/login/start", "/console/api/login/finish", `"client_final":"c=biws,r=`, `"type":"open"`} {
		if !strings.Contains(all, want) {
			t.Fatalf("the recording lacks %q (code %q):\n%s", want, code, all)
		}
	}
	pw := consolePassword
	for _, form := range []string{pw, base64.StdEncoding.EncodeToString([]byte(pw)), base64.RawURLEncoding.EncodeToString([]byte(pw)),
		url.QueryEscape(pw), url.PathEscape(pw), strings.Fields(pw)[2], hex.EncodeToString([]byte(pw))} {
		if strings.Contains(all, form) {
			t.Errorf("the page sent %q (a form of the password)", form)
		}
	}
	t.Logf("%d requests and frames sent, none with the password", len(sent))
}
