// Package grant is the signed statement of what one operator may do in one
// session. The signaling server signs a Grant with its Ed25519 key and
// hands it to the agent in the Joined message; the agent checks it with
// the server's public key and drops anything beyond the granted
// functions.
//
// The signature covers a canonical binary encoding (Encode), not JSON, so
// there is exactly one byte string per grant and no JSON parser decides
// what was signed. On the wire a signed grant is a small JSON object
// {"payload": base64(Encode(g)), "sig": base64(Ed25519 signature)}. The
// server's public key that verifies it (Key) travels beside it, and in
// the stamp of an agent download, as standard base64; Key is the one
// place that reads and writes that form.
//
// This package is a leaf: it imports only the standard library, so the
// one-shot agent can verify grants without pulling in the server.
package grant

import (
	"fmt"
	"slices"
	"time"
)

// Function is one thing an operator may be granted.
type Function string

// The functions an administrator grants (PRODUCT.md item 6).
const (
	RemoteControl Function = "remote-control" // send input to the customer's screen
	Observe       Function = "observe"        // view only
	Demonstrate   Function = "demonstrate"    // show the operator's screen to the customer
	FileTransfer  Function = "file-transfer"
	Chat          Function = "chat"
	Clipboard     Function = "clipboard"
)

// Functions lists every known function in a fixed order.
var Functions = []Function{RemoteControl, Observe, Demonstrate, FileTransfer, Chat, Clipboard}

// ParseFunction returns the function called s, or an error listing the
// known names.
func ParseFunction(s string) (Function, error) {
	if f := Function(s); slices.Contains(Functions, f) {
		return f, nil
	}
	return "", fmt.Errorf("unknown function %q: use one of remote-control, observe, demonstrate, file-transfer, chat, clipboard", s)
}

// Grant says which functions Operator may use in Session until Expires.
type Grant struct {
	Operator     string
	Name         string
	Organisation string
	Session      string
	Issued       time.Time
	Expires      time.Time
	Functions    []Function // sorted, distinct
}

// Allows reports whether g grants f.
func (g Grant) Allows(f Function) bool { return slices.Contains(g.Functions, f) }

// normalize sorts and deduplicates the functions, so that one set of
// functions has one encoding.
func normalize(fs []Function) []Function {
	out := slices.Clone(fs)
	slices.Sort(out)
	return slices.Compact(out)
}
