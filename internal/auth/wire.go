package auth

import "github.com/tandem-remote/tandem/internal/login"

// Login is package login's under a second name, left only because the
// tests of internal/techlogin and internal/e2e still call it; new callers
// import login.
var Login = login.Login
