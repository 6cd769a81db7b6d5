// Package techsession runs the technician's side of a Tandem session: it
// opens a session with the operator's login, reports the code, and once
// the agent joins receives and measures its screen, asks for modes,
// forwards input, clipboard and monitor choices, runs chat and file
// transfers, and shows the technician's own screen in demonstration mode.
//
// A Session is the handle: Run runs it; Input, Monitor, Mode, Clipboard,
// Say, Send, Fetch and HangUp ask for things while it runs; and every
// event (a decoded frame, the figures, the agent's monitors, pointer,
// clipboard and mode, chat, transfers) goes to TechnicianConfig.Events —
// how the viewer (package techui) and the headless script (package
// techscript) drive it. TechnicianConfig holds the settings (the first
// monitor and mode, the download folder, the demonstration display). The
// link, control channel and report come from package session, which this
// package plugs into as a session.Side.
package techsession
