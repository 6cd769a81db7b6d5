package auth

import "github.com/tandem-remote/tandem/internal/login"

// The login messages and their decoders are package login's, shared with
// the client.
type (
	startRequest   = login.StartRequest
	finishRequest  = login.FinishRequest
	startResponse  = login.StartResponse
	finishResponse = login.FinishResponse
	errorResponse  = login.ErrorResponse
)

const maxMessage = login.MaxMessage

var (
	decodeStartRequest  = login.DecodeStartRequest
	decodeFinishRequest = login.DecodeFinishRequest
)

// Login and LoginTOTP are package login's, for the server's own callers
// and tests; a client that should not link the store imports login.
var (
	Login     = login.Login
	LoginTOTP = login.LoginTOTP
)
