package signalingtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// Password is the password of every account this package creates. It
// passes the server's password policy.
const Password = "copper lantern orchard velvet 7"

// AdminID is the first administrator's ID.
const AdminID = "admin"

// Operator is an operator account, logged in.
type Operator struct {
	ID, Password string
	Token        string // the session token of its login: what Open carries
}

// Admin is the first administrator of a running server, logged in.
type Admin struct {
	t     testing.TB
	base  string
	hc    *http.Client
	token string
}

// Setup creates the first administrator, AdminID with Password, on the
// server at baseURL (trusting roots) with its one-time setup token, and
// logs it in.
func Setup(t testing.TB, baseURL string, roots *x509.CertPool, setupToken string) *Admin {
	t.Helper()
	a := &Admin{t: t, base: baseURL, hc: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}}
	a.call("POST", "/v1/setup", map[string]string{"token": setupToken, "id": AdminID, "name": "First Administrator", "password": Password})
	a.token = a.login(AdminID)
	return a
}

// AddOperator creates operator id with Password through the admin API,
// grants it functions (every function when none are given), and logs it
// in.
func (a *Admin) AddOperator(id string, functions ...grant.Function) Operator {
	a.t.Helper()
	if len(functions) == 0 {
		functions = grant.Functions
	}
	a.call("POST", "/v1/admin/accounts", map[string]string{"id": id, "kind": "operator", "name": "Operator " + id, "password": Password})
	a.call("PUT", "/v1/admin/permissions", map[string]any{"subject_kind": "account", "subject": id, "functions": functions})
	return Operator{ID: id, Password: Password, Token: a.login(id)}
}

// Token is the administrator's session token, for other admin API calls.
func (a *Admin) Token() string { return a.token }

func (a *Admin) login(id string) string {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := login.Login(ctx, a.hc, a.base, id, Password)
	if err != nil {
		a.t.Fatalf("signalingtest: log in as %s: %v", id, err)
	}
	return tok.Value
}

// call sends a JSON request to the admin API and fails the test unless it
// succeeds.
func (a *Admin) call(method, path string, body any) {
	a.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		a.t.Fatal(err)
	}
	req, err := http.NewRequest(method, a.base+path, bytes.NewReader(b))
	if err != nil {
		a.t.Fatal(err)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatalf("signalingtest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(resp.Body)
		a.t.Fatalf("signalingtest: %s %s: %d %s", method, path, resp.StatusCode, msg)
	}
}

// writeCA saves cert as a PEM file in t's temporary directory.
func writeCA(t testing.TB, cert *x509.Certificate) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}
