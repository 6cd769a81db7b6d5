// Package agentid gives the one-shot agent an identity that lets an
// operator block a customer's computer, not only its address (which a
// home router changes and a whole office shares), while keeping the
// agent's promise to leave nothing behind: nothing is written, the
// identity is derived from what the operating system already keeps.
//
// On Linux that is the machine ID (/etc/machine-id, systemd's, or D-Bus's
// /var/lib/dbus/machine-id), which the machine-id(5) manual asks never to
// expose as is. The agent never sends it: it sends
//
//	base64url( SHA-256( "tandem agent id v1" 0x00 server-host 0x00 machine-id ) )
//
// a pseudonym per server, so that two Tandem servers (two companies) see
// two unrelated identities for one computer. A computer with no machine
// ID has no identity, and is blocked by address alone.
//
// The identity is the customer's computer's word, not proof: a modified
// agent can send another. It serves blocking unwanted users, as the
// address does; neither is authentication.
package agentid

import (
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"os"
	"strings"
)

// Len is the length of an identity: 32 bytes in unpadded base64url.
const Len = 43

// machineIDFiles are where Linux keeps the machine ID, in order.
var machineIDFiles = []string{"/etc/machine-id", "/var/lib/dbus/machine-id"}

// For returns this computer's identity towards the server at serverURL,
// or "" when the computer has no machine ID.
func For(serverURL string) string {
	for _, f := range machineIDFiles {
		if b, err := os.ReadFile(f); err == nil {
			if id := strings.TrimSpace(string(b)); id != "" {
				return Derive(serverURL, id)
			}
		}
	}
	return ""
}

// Derive returns the identity of the computer whose machine ID is
// machineID towards the server at serverURL (its host, port included,
// lower-cased: the same server by any spelling of its URL).
func Derive(serverURL, machineID string) string {
	host := serverURL
	if u, err := url.Parse(serverURL); err == nil && u.Host != "" {
		host = u.Host
	}
	h := sha256.New()
	h.Write([]byte("tandem agent id v1\x00"))
	h.Write([]byte(strings.ToLower(host)))
	h.Write([]byte{0})
	h.Write([]byte(machineID))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Valid reports whether s has the form of an identity.
func Valid(s string) bool {
	if len(s) != Len {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s) // one spelling per identity
	return err == nil && len(b) == sha256.Size
}
