package auth

import "github.com/tandem-remote/tandem/internal/login"

// Login is package login's, kept under this name only for the technician's
// and the e2e tests, which another change moves to package login; every
// other caller imports login.
var Login = login.Login
