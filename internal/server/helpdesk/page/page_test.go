package page

import (
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, url string, header ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHeadersOnEveryResponse(t *testing.T) {
	h := Handler(Options{})
	for _, url := range []string{"/", "/s/123456789", "/static/page.js", "/static/page.css", "/static/nope.js", "/elsewhere"} {
		res := get(t, h, url)
		hd := res.Header
		if got := hd.Get("Content-Security-Policy"); got != CSP {
			t.Errorf("%s: Content-Security-Policy %q, want %q", url, got, CSP)
		}
		for k, want := range map[string]string{
			"Referrer-Policy":        "no-referrer",
			"X-Frame-Options":        "DENY",
			"X-Content-Type-Options": "nosniff",
		} {
			if got := hd.Get(k); got != want {
				t.Errorf("%s: %s %q, want %q", url, k, got, want)
			}
		}
		if !strings.Contains(hd.Get("Permissions-Policy"), "camera=()") {
			t.Errorf("%s: Permissions-Policy %q does not refuse the camera", url, hd.Get("Permissions-Policy"))
		}
		if c := hd.Values("Set-Cookie"); len(c) > 0 {
			t.Errorf("%s sets cookies: %q", url, c)
		}
	}
}

func TestCSPIsTheAgreedOne(t *testing.T) {
	for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
		"connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(CSP, d) {
			t.Errorf("CSP lacks %q", d)
		}
	}
	if strings.Contains(CSP, "unsafe") {
		t.Errorf("CSP allows something unsafe: %s", CSP)
	}
}

func TestRoutes(t *testing.T) {
	h := Handler(Options{})
	tests := []struct {
		url   string
		code  int
		ctype string
	}{
		{"/", 200, "text/html; charset=utf-8"},
		{"/s/123456789", 200, "text/html; charset=utf-8"},
		{"/s/123-456-789", 200, "text/html; charset=utf-8"},
		{"/s/12345", 200, "text/html; charset=utf-8"}, // the page says the code is short
		{"/s/1234567890", 404, ""},
		{"/s/abc", 404, ""},
		{"/s/", 404, ""},
		{"/static/page.js", 200, "text/javascript; charset=utf-8"},
		{"/static/page.css", 200, "text/css; charset=utf-8"},
		{"/static/", 404, ""},
		{"/static/missing.js", 404, ""},
		{"/static/../page.go", 404, ""},
		{"/index.html", 404, ""},
		{"/favicon.ico", 200, "image/png"},
	}
	for _, tt := range tests {
		res := get(t, h, tt.url)
		if res.StatusCode != tt.code {
			t.Errorf("GET %s: %d, want %d", tt.url, res.StatusCode, tt.code)
			continue
		}
		if tt.ctype != "" && res.Header.Get("Content-Type") != tt.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.url, res.Header.Get("Content-Type"), tt.ctype)
		}
	}
}

func TestOnlyGetAndHead(t *testing.T) {
	h := Handler(Options{})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/", strings.NewReader("x")))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", w.Code)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("HEAD", "/static/page.css", nil))
	if w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD /static/page.css: %d with %d bytes, want 200 and none", w.Code, w.Body.Len())
	}
}

func TestStaticRevalidates(t *testing.T) {
	h := Handler(Options{})
	etag := get(t, h, "/static/page.js").Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on page.js")
	}
	if res := get(t, h, "/static/page.js", "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match the same ETag: %d, want 304", res.StatusCode)
	}
}

func TestPageInBothLanguages(t *testing.T) {
	h := Handler(Options{})
	tests := []struct {
		header, url, lang, heading string
	}{
		{"en-GB,en;q=0.9", "/", "en", "Get help from a technician"},
		{"fr-FR,fr;q=0.9,en;q=0.5", "/", "fr", "Obtenir l’aide d’un technicien"},
		{"fr", "/?lang=en", "en", "Get help from a technician"},
		{"en", "/s/123456789?lang=fr", "fr", "Obtenir l’aide d’un technicien"},
	}
	for _, tt := range tests {
		res := get(t, h, tt.url, "Accept-Language", tt.header)
		b := body(t, res)
		if !strings.Contains(b, `<html lang="`+tt.lang+`">`) {
			t.Errorf("%s with %q: no lang=%q on <html>", tt.url, tt.header, tt.lang)
		}
		if !strings.Contains(b, tt.heading) {
			t.Errorf("%s with %q: heading %q missing", tt.url, tt.header, tt.heading)
		}
		if got := res.Header.Get("Content-Language"); got != tt.lang {
			t.Errorf("%s with %q: Content-Language %q, want %q", tt.url, tt.header, got, tt.lang)
		}
		if !strings.Contains(res.Header.Get("Vary"), "Accept-Language") {
			t.Errorf("%s: Vary does not name Accept-Language", tt.url)
		}
	}
}

func TestLinkFillsTheCode(t *testing.T) {
	b := body(t, get(t, Handler(Options{}), "/s/123-456-789"))
	if !strings.Contains(b, `data-code="123456789"`) || !strings.Contains(b, `value="123456789"`) {
		t.Errorf("the page of /s/123-456-789 does not carry the code 123456789")
	}
	b = body(t, get(t, Handler(Options{}), "/"))
	if !strings.Contains(b, `data-code=""`) {
		t.Errorf("the page of / carries a code")
	}
}

func TestTextsComplete(t *testing.T) {
	keys := func(m map[string]string) []string {
		var k []string
		for s := range m {
			k = append(k, s)
		}
		sort.Strings(k)
		return k
	}
	en := keys(texts["en"])
	for _, l := range languages {
		got := keys(texts[l])
		if strings.Join(got, ",") != strings.Join(en, ",") {
			t.Errorf("texts[%q] has keys %v, want those of English %v", l, got, en)
		}
		for k, v := range texts[l] {
			if strings.TrimSpace(v) == "" {
				t.Errorf("texts[%q][%q] is empty", l, k)
			}
		}
	}
	same := 0
	for k, v := range texts["fr"] {
		if texts["en"][k] == v {
			same++
		}
	}
	if same > 3 { // "{name}", "{name}, {organisation}" and a few like them
		t.Errorf("%d French texts are the English ones: untranslated?", same)
	}
}

// TestScriptUsesOnlyKnownTexts catches a T.key in the script with no text
// behind it (it would show "undefined").
func TestScriptUsesOnlyKnownTexts(t *testing.T) {
	js := body(t, get(t, Handler(Options{}), "/static/page.js"))
	for _, m := range regexp.MustCompile(`\bT\.([A-Za-z]+)`).FindAllStringSubmatch(js, -1) {
		if _, ok := texts["en"][m[1]]; !ok {
			t.Errorf("page.js uses T.%s, which no text defines", m[1])
		}
	}
	for _, m := range regexp.MustCompile(`'((?:err|st|closed)[A-Z][A-Za-z]+)'`).FindAllStringSubmatch(js, -1) {
		if _, ok := texts["en"][m[1]]; !ok {
			t.Errorf("page.js names text %q, which no text defines", m[1])
		}
	}
}

// external finds what would make a browser reach another origin: an
// absolute or scheme-relative URL, or a CSS import.
var external = regexp.MustCompile(`(?i)[a-z][a-z0-9+.-]*://[a-z0-9\[]|["'(=\s]//[a-z0-9]|@import|url\(\s*["']?[a-z]+:`)

func TestNoExternalURLs(t *testing.T) {
	h := Handler(Options{})
	served := map[string]string{}
	for _, u := range []string{"/?lang=en", "/?lang=fr", "/s/123456789"} {
		served[u] = body(t, get(t, h, u))
	}
	for name := range h.(*handler).static {
		served["/static/"+name] = body(t, get(t, h, "/static/"+name))
	}
	if len(served) < 5 {
		t.Fatalf("scanned %d assets, want the page, the script and the stylesheet", len(served))
	}
	for u, b := range served {
		if m := external.FindString(b); m != "" {
			t.Errorf("%s refers to another origin: %q", u, m)
		}
		if strings.Contains(b, "style=") || regexp.MustCompile(`<script>|<script\s+>|<style`).MatchString(b) {
			t.Errorf("%s has inline style or script, which the CSP blocks", u)
		}
	}
}

// TestExternalScannerFinds keeps TestNoExternalURLs honest.
func TestExternalScannerFinds(t *testing.T) {
	for _, s := range []string{
		`<img src="https://cdn.example/x.png">`,
		`<script src="//cdn.example/x.js">`,
		`@import "x.css";`,
		`background: url(https://x)`,
		`new WebSocket("wss://evil.example/")`,
	} {
		if !external.MatchString(s) {
			t.Errorf("the scanner misses %q", s)
		}
	}
	for _, s := range []string{`'wss://' + location.host`, `href="/static/page.css"`, `// a comment`} {
		if external.MatchString(s) {
			t.Errorf("the scanner flags %q, which stays on this origin", s)
		}
	}
}

func TestFavicon(t *testing.T) {
	res := get(t, Handler(Options{}), "/favicon.ico")
	img, err := png.Decode(res.Body)
	if err != nil {
		t.Fatalf("/favicon.ico is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 32 || b.Dy() != 32 {
		t.Errorf("/favicon.ico is %v, want 32x32", b)
	}
}

// TestWindowsOffer: the page carries the Windows download (a second
// button posting the same code to /v1/agent/windows-amd64) and how to run
// it, SmartScreen's warning named as the customer sees it, in both
// languages; the script shows them to Windows by user agent or client
// hint (the e2e help-page test drives that in Chromium).
func TestWindowsOffer(t *testing.T) {
	h := Handler(Options{})
	for _, tt := range []struct {
		lang string
		says []string
	}{
		{"en", []string{"Download for Windows", "tandem-agent.exe", "Windows protected your PC", "More info", "Run anyway", "unknown publisher"}},
		{"fr", []string{"Télécharger pour Windows", "tandem-agent.exe", "Windows a protégé votre ordinateur", "Informations complémentaires", "Exécuter quand même", "éditeur inconnu"}},
	} {
		b := body(t, get(t, h, "/s/123456789?lang="+tt.lang))
		if !regexp.MustCompile(`<button type="submit" id="dl-windows" formaction="/v1/agent/windows-amd64" hidden>`).MatchString(b) {
			t.Errorf("%s: no hidden Windows button posting to /v1/agent/windows-amd64", tt.lang)
		}
		_, steps, ok := strings.Cut(b, `id="dl-steps-windows"`)
		steps, _, _ = strings.Cut(steps, "</ol>")
		if !ok {
			t.Fatalf("%s: no Windows steps", tt.lang)
		}
		for _, s := range tt.says {
			if !strings.Contains(steps, s) && !strings.Contains(b, ">"+s+"<") {
				t.Errorf("%s: the Windows offer does not say %q", tt.lang, s)
			}
		}
	}
	js := body(t, get(t, h, "/static/page.js"))
	for _, s := range []string{"/Windows/i.test(p) || /Windows/.test(ua)", "id: 'windows-amd64'", "$('dl-windows').hidden = !win", "$('dl-steps-windows').hidden = !win"} {
		if !strings.Contains(js, s) {
			t.Errorf("page.js lacks %q", s)
		}
	}
}
