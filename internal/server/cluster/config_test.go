package cluster

import (
	"strings"
	"testing"
)

// TestValidate: the mistakes an administrator can make in the flags are
// refused with what to do.
func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // "" for valid
	}{
		{"alone", Config{}, ""},
		{"embedded", Config{Listen: ":6222", Routes: []string{"n1:6222", "n2:6222"}, Secret: testSecret}, ""},
		{"external", Config{URL: "tls://nats.example:4222"}, ""},
		{"both", Config{Listen: ":6222", URL: "nats://n:4222", Secret: testSecret}, "exclude each other"},
		{"routes alone", Config{Routes: []string{"n1:6222"}}, "needs -cluster-listen"},
		{"short secret", Config{Listen: ":6222", Secret: []byte("short")}, "at least 32 bytes"},
		{"listen without port", Config{Listen: "n1", Secret: testSecret}, "HOST:PORT"},
		{"route without port", Config{Listen: ":6222", Routes: []string{"n1"}, Secret: testSecret}, "HOST:PORT"},
		{"http URL", Config{URL: "http://n:4222"}, "nats://HOST:PORT"},
		{"password in URL", Config{URL: "nats://u:secret@n:4222"}, "must not carry a password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate: %v, want %q", err, tc.want)
			}
		})
	}
	if got := SplitRoutes(" n1:6222, ,n2:6222 "); strings.Join(got, "|") != "n1:6222|n2:6222" {
		t.Errorf("SplitRoutes: %q", got)
	}
}
