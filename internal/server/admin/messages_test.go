package admin

import (
	"errors"
	"strings"
	"testing"
)

// decoders lists every request decoder, for the table test and the fuzz
// targets.
var decoders = map[string]func([]byte) error{
	"setup":       func(b []byte) error { _, err := decodeSetup(b); return err },
	"account":     func(b []byte) error { _, err := decodeCreateAccount(b); return err },
	"password":    func(b []byte) error { _, err := decodePassword(b); return err },
	"group":       func(b []byte) error { _, err := decodeGroup(b); return err },
	"ip-rule":     func(b []byte) error { _, err := decodeIPRule(b); return err },
	"permissions": func(b []byte) error { _, err := decodePermissions(b); return err },
	"block":       func(b []byte) error { _, err := decodeBlock(b); return err },
	"relay-port":  func(b []byte) error { _, err := decodeRelayPort(b); return err },
	"totp-code":   func(b []byte) error { _, err := decodeTOTPCode(b); return err },
	"totp-req":    func(b []byte) error { _, err := decodeTOTPRequired(b); return err },
	"api-key":     func(b []byte) error { _, err := decodeAPIKey(b); return err },
}

func TestDecodersRefuse(t *testing.T) {
	for name, dec := range decoders {
		for _, bad := range []string{``, `null`, `[]`, `{}`, `{"unknown":1}`, `{"name":"a"} {"name":"b"}`, `{"name":1}`,
			`{"password":"` + strings.Repeat("x", maxRequest) + `"}`} {
			if err := dec([]byte(bad)); err == nil || !errors.Is(err, ErrInvalid) {
				t.Errorf("%s accepted %.40q: %v", name, bad, err)
			}
		}
	}
	if _, err := decodeSetup([]byte(`{"token":"t","id":"root","password":"p"}`)); err != nil {
		t.Errorf("good setup refused: %v", err)
	}
	if _, err := decodePermissions([]byte(`{"subject_kind":"group","subject":"desk","functions":[]}`)); err != nil {
		t.Errorf("empty permissions refused: %v", err)
	}
}

func fuzzDecoder(f *testing.F, name string, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	dec := decoders[name]
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := dec(b); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error not marked invalid: %v", err)
		}
	})
}

func FuzzSetup(f *testing.F) {
	fuzzDecoder(f, "setup", `{"token":"tdmsetup_x","id":"root","name":"R","organisation":"O","password":"p"}`)
}
func FuzzCreateAccount(f *testing.F) {
	fuzzDecoder(f, "account", `{"id":"op1","kind":"operator","name":"n","password":"p"}`)
}
func FuzzPassword(f *testing.F) { fuzzDecoder(f, "password", `{"password":"p"}`) }
func FuzzGroup(f *testing.F)    { fuzzDecoder(f, "group", `{"name":"desk"}`) }
func FuzzIPRule(f *testing.F) {
	fuzzDecoder(f, "ip-rule", `{"subject_kind":"group","subject":"desk","rule":"192.0.2.0/24"}`)
}
func FuzzPermissions(f *testing.F) {
	fuzzDecoder(f, "permissions", `{"subject_kind":"account","subject":"op1","functions":["chat"]}`)
}
func FuzzBlock(f *testing.F) {
	fuzzDecoder(f, "block", `{"address":"198.51.100.7","duration":"24h","reason":"abuse"}`,
		`{"address":"2001:db8::/48","permanent":true}`, `{"address":"x","duration":"-1h"}`)
}
func FuzzRelayPort(f *testing.F) {
	fuzzDecoder(f, "relay-port", `{"port":3479}`, `{"port":0}`, `{"port":70000}`)
}
func FuzzTOTPCode(f *testing.F) { fuzzDecoder(f, "totp-code", `{"code":"123456"}`) }
func FuzzTOTPRequired(f *testing.F) {
	fuzzDecoder(f, "totp-req", `{"subject_kind":"group","subject":"desk","required":true}`)
}
func FuzzAPIKey(f *testing.F) {
	fuzzDecoder(f, "api-key", `{"name":"backup","scopes":["admin:read"],"expires_in":"720h"}`, `{"name":"x","scopes":[]}`)
}
