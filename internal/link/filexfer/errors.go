package filexfer

import (
	"errors"
	"fmt"
	"strings"
)

// Errors a transfer ends with that callers may branch on. Wire codes map to
// them here and nowhere else.
var (
	// ErrRefused: the other side (or its user) said no; nothing was written.
	ErrRefused = errors.New("the other side refused the file")
	// ErrTooLarge: the file is over the receiver's size limit.
	ErrTooLarge = errors.New("the file is larger than the receiver accepts")
	// ErrUnavailable: a requested path is missing, not a regular file, or
	// reached through a symbolic link.
	ErrUnavailable = errors.New("the requested file cannot be served")
	// ErrHashMismatch: the received bytes did not hash to the offered
	// SHA-256; the partial file was deleted.
	ErrHashMismatch = errors.New("the received file did not match its SHA-256")
	// ErrCanceled: the other side canceled the transfer.
	ErrCanceled = errors.New("the transfer was canceled")
	// ErrBusy: the same file is already being received.
	ErrBusy = errors.New("the same file is already being transferred")
	// ErrLinkLost: the channel closed mid-transfer. What was received is kept
	// for a resume: offer the same file again on the next link.
	ErrLinkLost = errors.New("the file channel closed; offer the file again once the link is back to resume")
	// errFailed covers the receiver's local failures (disk full, ...).
	errFailed = errors.New("the receiver could not store the file")
)

// code is the wire form of a refusal or abort reason.
type code uint8

const (
	codeRefused code = iota + 1
	codeTooLarge
	codeBadName
	codeUnavailable
	codeHashMismatch
	codeCanceled
	codeBusy
	codeFailed
)

var codeErrs = map[code]error{
	codeRefused:      ErrRefused,
	codeTooLarge:     ErrTooLarge,
	codeBadName:      ErrBadName,
	codeUnavailable:  ErrUnavailable,
	codeHashMismatch: ErrHashMismatch,
	codeCanceled:     ErrCanceled,
	codeBusy:         ErrBusy,
	codeFailed:       errFailed,
}

// codeOf returns the wire code for err (codeFailed if none fits).
func codeOf(err error) code {
	for c, e := range codeErrs {
		if errors.Is(err, e) {
			return c
		}
	}
	return codeFailed
}

// remoteErr turns a refusal or abort message into an error wrapping its
// sentinel, with the other side's reason.
func remoteErr(m message) error {
	e, ok := codeErrs[m.Code]
	if !ok {
		e = errFailed
	}
	// The other side's reason usually starts with the same sentinel.
	text := strings.TrimPrefix(m.Text, e.Error()+": ")
	if text == "" || text == e.Error() {
		return e
	}
	return fmt.Errorf("%w: %s", e, text)
}

// abortMsg is the message telling the other side why k ended.
func abortMsg(t msgType, k key, err error) *message {
	return &message{Type: t, Mine: k.local, ID: k.id, Code: codeOf(err), Text: err.Error()}
}
