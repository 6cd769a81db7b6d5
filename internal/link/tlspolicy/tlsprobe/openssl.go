package tlsprobe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
)

// Session is what `openssl s_client` reports of a handshake.
type Session struct {
	Protocol string // "TLSv1.3"; empty when the handshake failed
	Cipher   string // OpenSSL's name, "TLS_AES_256_GCM_SHA384"; "(NONE)" on failure
	Output   string // everything it printed, for failure messages
}

// ErrNoOpenSSL is returned when no openssl command is installed.
var ErrNoOpenSSL = errors.New("openssl not installed (Debian: apt-get install openssl)")

var newSessionRE = regexp.MustCompile(`(?m)^New, (\S+), Cipher is (\S+)`)

// OpenSSL connects to addr with `openssl s_client` plus args (for
// example "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"), closes at
// once, and reads the protocol and cipher it negotiated.
func OpenSSL(ctx context.Context, addr string, args ...string) (Session, error) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		return Session{}, ErrNoOpenSSL
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"s_client", "-connect", addr, "-servername", "localhost"}, args...)...)
	cmd.Stdin = strings.NewReader("")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run() // exits 1 when the handshake fails; the output says why
	s := Session{Output: out.String()}
	m := newSessionRE.FindStringSubmatch(s.Output)
	if m == nil {
		return s, fmt.Errorf("openssl s_client %s: no session line (%v)", addr, runErr)
	}
	if m[2] != "(NONE)" {
		s.Protocol = m[1]
	}
	s.Cipher = m[2]
	return s, nil
}
