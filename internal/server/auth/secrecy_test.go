package auth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// TestNothingPasswordEquivalent captures every request body of logins
// (right, wrong, blocked), password changes and account creation, every
// row of every table, and the log, and checks that none holds the
// password, an unsalted hash of it in any usual encoding, or the
// SaltedPassword or ClientKey that SCRAM derives from it.
func TestNothingPasswordEquivalent(t *testing.T) {
	const pw2 = "saffron glacier piano 771"
	e := newEnv(t, func(c *Config) { c.SourceBurst = 50 })
	ctx := context.Background()
	e.addOperator("bob", goodPassword)
	tok := e.mustLogin("bob", goodPassword)
	e.login("bob", goodPassword+"x")
	e.login("nobody", goodPassword)
	if err := e.service().SetPassword(ctx, "bob", pw2); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		e.login("bob", goodPassword)
	}
	e.service().Unlock(ctx, "bob")
	tok2 := e.mustLogin("bob", pw2)

	e.mu.Lock()
	var sent bytes.Buffer
	for _, b := range e.bodies {
		sent.Write(b)
		sent.WriteByte('\n')
	}
	logs := e.logs.String()
	e.mu.Unlock()
	rows := dumpTables(t, e.st)

	cred, err := e.st.Credential(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{goodPassword, pw2} {
		for name, needle := range forbidden(pw, cred) {
			for where, hay := range map[string][]byte{"login traffic": sent.Bytes(), "database": rows, "log": []byte(logs)} {
				if bytes.Contains(hay, needle) || bytes.Contains(bytes.ToLower(hay), bytes.ToLower(needle)) {
					t.Errorf("%s of a password found in the %s", name, where)
				}
			}
		}
	}
	for _, tk := range []login.Token{tok, tok2} {
		raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tk.Value, tokenPrefix))
		for where, hay := range map[string][]byte{"database": rows, "log": []byte(logs)} {
			if bytes.Contains(hay, []byte(tk.Value)) || bytes.Contains(hay, raw) || bytes.Contains(hay, []byte(hex.EncodeToString(raw))) {
				t.Errorf("a session token found in the %s", where)
			}
		}
	}
	// Positive control: the dump does show stored key material.
	if !bytes.Contains(rows, []byte(hex.EncodeToString(cred.StoredKey))) || !bytes.Contains(sent.Bytes(), []byte("client_final")) {
		t.Fatal("the capture saw nothing: the test would pass vacuously")
	}
}

// forbidden lists what must never appear, by name.
func forbidden(pw string, cred store.Credential) map[string][]byte {
	out := map[string][]byte{"the password": []byte(pw)}
	hashes := map[string][]byte{}
	s256, s1, s512, m5 := sha256.Sum256([]byte(pw)), sha1.Sum([]byte(pw)), sha512.Sum512([]byte(pw)), md5.Sum([]byte(pw))
	hashes["SHA-256"], hashes["SHA-1"], hashes["SHA-512"], hashes["MD5"] = s256[:], s1[:], s512[:], m5[:]
	// SCRAM's password-equivalents under the current salt (only the
	// current password's are checked; earlier salts are gone).
	if salted, err := pbkdf2.Key(sha256.New, pw, cred.Salt, cred.Iterations, 32); err == nil {
		hashes["SaltedPassword"] = salted
		mac := hmac.New(sha256.New, salted)
		mac.Write([]byte("Client Key"))
		hashes["ClientKey"] = mac.Sum(nil)
	}
	for name, h := range hashes {
		out[name+" (raw)"] = h
		out[name+" (hex)"] = []byte(hex.EncodeToString(h))
		out[name+" (base64)"] = []byte(base64.StdEncoding.EncodeToString(h))
		out[name+" (base64url)"] = []byte(base64.RawURLEncoding.EncodeToString(h))
	}
	return out
}

// dumpTables renders every row of every table, values as written and as
// hex, so that a needle in any encoding is found.
func dumpTables(t *testing.T, st *store.SQLite) []byte {
	t.Helper()
	ctx := context.Background()
	db := st.DB()
	names, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for names.Next() {
		var n string
		names.Scan(&n)
		tables = append(tables, n)
	}
	names.Close()
	var out bytes.Buffer
	for _, tbl := range tables {
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+tbl)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					out.Write(b)
					out.WriteString(" " + hex.EncodeToString(b) + " ")
					continue
				}
				fmt.Fprintf(&out, "%v ", v)
			}
			out.WriteByte('\n')
		}
		rows.Close()
	}
	return out.Bytes()
}
