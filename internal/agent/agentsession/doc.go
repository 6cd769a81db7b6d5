// Package agentsession runs the customer's side of a Tandem session
// (RunAgent): it joins by code or stamped ticket, checks the operator's
// signed grant, and serves the technician only what the customer allows.
// Every mode request passes the consent record (grant first, then the
// customer's answer in the agent's window); the shared screen (frames,
// the gate that blacks out what is not shared, remote input, clipboard,
// pointer), the panel, chat and file transfer ask it before acting. What
// it uses of the operating system (window, screen, application windows,
// input, clipboard, self-removal) comes from a platform.Platform
// (AgentConfig.Platform: X11 on Linux, an in-memory fake in tests). The
// link, control channel and events come from package session, which this
// package plugs into as a session.Side.
package agentsession
