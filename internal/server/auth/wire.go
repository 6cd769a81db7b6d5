package auth

import "github.com/tandem-remote/tandem/internal/wire/login"

// Login is package login's under a second name, left only because the
// tests of internal/technician/techlogin and internal/testkit/e2e still call it; new callers
// import login.
var Login = login.Login
