package grant

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestKeyText pins the key's text form: standard base64 of the 32 bytes,
// in JSON exactly as encoding/json writes a []byte.
func TestKeyText(t *testing.T) {
	pub := key.Public().(ed25519.PublicKey)
	k := KeyOf(key)
	const want = "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik="
	if k.String() != want {
		t.Fatalf("text form %q, want %q", k, want)
	}
	asKey, _ := json.Marshal(struct{ K Key }{k})
	asBytes, _ := json.Marshal(struct{ K []byte }{pub})
	if string(asKey) != string(asBytes) || string(asKey) != `{"K":"`+want+`"}` {
		t.Errorf("JSON %s, as bytes %s", asKey, asBytes)
	}
	var got Key
	if err := got.UnmarshalText([]byte(want)); err != nil || !got.Equal(k) {
		t.Fatalf("UnmarshalText: %x, %v", got, err)
	}
	var back struct{ K Key }
	if err := json.Unmarshal(asBytes, &back); err != nil || !back.K.Equal(k) {
		t.Errorf("from JSON: %x, %v", back.K, err)
	}
}

func TestKeyTextRefuses(t *testing.T) {
	for name, s := range map[string]string{
		"empty":    "",
		"not b64":  "!!",
		"short":    KeyOf(key).String()[:40] + "==",
		"long":     strings.Repeat("A", 48),
		"url form": strings.NewReplacer("+", "-", "/", "_").Replace("+/" + KeyOf(key).String()[2:]),
	} {
		var k Key
		if err := k.UnmarshalText([]byte(s)); !errors.Is(err, ErrBadKey) || k != nil {
			t.Errorf("%s: %x, %v", name, k, err)
		}
	}
	if KeyOf(key).Equal(nil) || Key(nil).Equal(nil) {
		t.Error("an empty key equals something")
	}
	other := ed25519.NewKeyFromSeed([]byte(strings.Repeat("k", 32)))
	if KeyOf(key).Equal(KeyOf(other)) {
		t.Error("two keys equal")
	}
}
