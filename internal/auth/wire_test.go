package auth

import "github.com/tandem-remote/tandem/internal/login"

// The client's half of the protocol, for the tests that speak it by hand.
var (
	pinnedClient         = login.PinnedClient
	decodeStartResponse  = login.DecodeStartResponse
	decodeFinishResponse = login.DecodeFinishResponse
	decodeErrorResponse  = login.DecodeErrorResponse
	errorFromWire        = login.ErrorFromWire
)
