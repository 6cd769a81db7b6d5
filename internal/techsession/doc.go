// Package techsession runs the technician's side of a Tandem session
// (RunTechnician): it opens a session with the operator's login, reports
// the code, and once the agent joins receives and measures its screen,
// asks for modes, forwards input, clipboard and monitor choices, runs chat
// and file transfers, and shows the technician's own screen in
// demonstration mode. ViewConfig carries both the headless script (frames
// to save, text to type, lines to say, files to send) and the hooks of an
// interactive viewer (package techui). The link, control channel and
// events come from package session, which this package plugs into as a
// session.Side.
package techsession
