package httpjson

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/login"
)

// answer is what a client receives.
type answer struct {
	Status int
	Header http.Header
	Body   string
}

func record(f func(w http.ResponseWriter)) answer {
	rec := httptest.NewRecorder()
	f(rec)
	return answer{rec.Code, rec.Header(), rec.Body.String()}
}

// TestWire pins the bytes every API answers, as admin, auth and the help
// desk each wrote them before they shared this package.
func TestWire(t *testing.T) {
	headers := http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}}
	for _, tc := range []struct {
		name string
		f    func(w http.ResponseWriter)
		want answer
	}{
		{"error", func(w http.ResponseWriter) {
			Error(w, http.StatusConflict, "exists", "account exists: choose another name")
		},
			answer{409, headers, `{"code":"exists","error":"account exists: choose another name"}` + "\n"}},
		{"value", func(w http.ResponseWriter) {
			Write(w, http.StatusOK, struct {
				LoginID string    `json:"login_id"`
				Expires time.Time `json:"expires"`
			}{"a<b>&c", time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)})
		}, answer{200, headers, `{"login_id":"a\u003cb\u003e\u0026c","expires":"2026-12-06T09:00:00Z"}` + "\n"}},
		{"help desk error", func(w http.ResponseWriter) {
			Write(w, http.StatusTooManyRequests, struct {
				Code    string `json:"error"`
				Message string `json:"message"`
			}{"throttled", "wait a minute and try again"})
		}, answer{429, headers, `{"error":"throttled","message":"wait a minute and try again"}` + "\n"}},
		{"list", func(w http.ResponseWriter) { Write(w, http.StatusOK, []string{"support", "billing"}) },
			answer{200, headers, `["support","billing"]` + "\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := record(tc.f); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("answer %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestEncoderBytes: the body is what the help desk's json.Encoder wrote,
// byte for byte, HTML escaping included.
func TestEncoderBytes(t *testing.T) {
	for _, v := range []any{map[string]string{"message": "<script>&"}, []int{1, 2}, "é\u2028", nil} {
		var enc bytes.Buffer
		json.NewEncoder(&enc).Encode(v)
		if got := record(func(w http.ResponseWriter) { Write(w, 200, v) }).Body; got != enc.String() {
			t.Errorf("Write(%#v) body %q, json.Encoder wrote %q", v, got, enc.String())
		}
	}
}

// TestLoginClientReadsError: package login, the client, decodes Error's
// body into the code and message it maps back to its errors.
func TestLoginClientReadsError(t *testing.T) {
	body := record(func(w http.ResponseWriter) { Error(w, 401, login.CodeLoginFailed, "login failed") }).Body
	var m login.ErrorResponse
	if err := json.Unmarshal([]byte(body), &m); err != nil || m.Code != login.CodeLoginFailed || m.Error != "login failed" {
		t.Errorf("login.ErrorResponse from %q: %+v, %v", body, m, err)
	}
}
