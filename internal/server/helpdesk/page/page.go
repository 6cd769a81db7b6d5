package page

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"
)

// CSP is the Content-Security-Policy of every response: this origin's
// scripts, styles, images and connections only, nothing inline, no
// framing, forms posted only here.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

//go:embed assets
var assets embed.FS

// contentTypes are the static files' types, fixed here rather than read
// from the host's mime.types.
var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
}

// Options configures the page handler.
type Options struct {
	// Logger receives a line when the page cannot be rendered; nil
	// discards.
	Logger *slog.Logger
}

// handler serves the page, its static files and 404 for the rest.
type handler struct {
	log     *slog.Logger
	tmpl    *template.Template
	static  map[string]staticFile // by name under /static/
	favicon staticFile
	ver     string // changes with the static files: cache busting
}

type staticFile struct {
	body  []byte
	ctype string
	etag  string // from the content: revalidation costs a 304
}

func newStaticFile(body []byte, ctype string) staticFile {
	d := sha256.Sum256(body)
	return staticFile{body: body, ctype: ctype, etag: `"` + hex.EncodeToString(d[:8]) + `"`}
}

// Handler serves GET / (the code and chat forms), GET /s/{code} (the
// same page with the code filled in and submitted), GET /static/... (the
// stylesheet and the script) and GET /favicon.ico; every other path is
// 404.
func Handler(opts Options) http.Handler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{log: log, static: map[string]staticFile{}}
	h.tmpl = template.Must(template.New("index.html").Option("missingkey=error").
		ParseFS(assets, "assets/index.html"))
	sum := sha256.New()
	names, _ := fs.Glob(assets, "assets/static/*")
	for _, name := range names {
		body, _ := assets.ReadFile(name)
		f := newStaticFile(body, contentTypes[path.Ext(name)])
		sum.Write([]byte(f.etag))
		h.static[path.Base(name)] = f
	}
	h.ver = hex.EncodeToString(sum.Sum(nil)[:6])
	h.favicon = newStaticFile(icon(), "image/png")
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setHeaders(w.Header())
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == "/":
		h.page(w, r, "")
	case strings.HasPrefix(p, "/s/"):
		code, ok := linkCode(strings.TrimPrefix(p, "/s/"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		h.page(w, r, code)
	case strings.HasPrefix(p, "/static/"):
		f, ok := h.static[strings.TrimPrefix(p, "/static/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		serveFile(w, r, f)
	case p == "/favicon.ico":
		serveFile(w, r, h.favicon)
	default:
		http.NotFound(w, r)
	}
}

// setHeaders sets the headers every response carries. No Set-Cookie, ever.
func setHeaders(hd http.Header) {
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// linkCode reads the code of a /s/CODE link: digits, spaces or dashes as a
// technician may write them, at most 9 digits. The page checks the length
// itself and says so; anything else is not a link of ours.
func linkCode(s string) (string, bool) {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == '-' || c == ' ':
		default:
			return "", false
		}
	}
	if b.Len() == 0 || b.Len() > 9 {
		return "", false
	}
	return b.String(), true
}

// view is what the template renders.
type view struct {
	Lang, OtherLang string
	T               map[string]string
	Code            string // from a /s/CODE link, or ""
	Ver             string
}

func (h *handler) page(w http.ResponseWriter, r *http.Request, code string) {
	lang := language(r)
	other := languages[0]
	if lang == other {
		other = languages[1]
	}
	var buf bytes.Buffer
	err := h.tmpl.Execute(&buf, view{Lang: lang, OtherLang: other, T: texts[lang], Code: code, Ver: h.ver})
	if err != nil {
		h.log.Error("render help page", "err", err, "lang", lang)
		http.Error(w, "the help page could not be rendered; see the server log", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Language", lang)
	hd.Set("Vary", "Accept-Language")
	hd.Set("Cache-Control", "no-store") // a /s/CODE page holds a code
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(buf.Bytes()))
}

func serveFile(w http.ResponseWriter, r *http.Request, f staticFile) {
	hd := w.Header()
	hd.Set("Content-Type", f.ctype)
	hd.Set("ETag", f.etag)
	hd.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}
