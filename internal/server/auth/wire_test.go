package auth

import "github.com/tandem-remote/tandem/internal/wire/login"

// pinnedClient is the client's TLS connection with its channel binding,
// for the tests that speak the protocol by hand.
var pinnedClient = login.PinnedClient
