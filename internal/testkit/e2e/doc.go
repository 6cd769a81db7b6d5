// Package e2e tests the real binaries together on a real X server: the
// signaling server, the customer's agent sharing an Xvfb display, and the
// headless technician receiving its screen and driving its keyboard and
// pointer. It has no code of its own outside tests.
package e2e
