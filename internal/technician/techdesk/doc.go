// Package techdesk is the technician's desk (technician -desk): the
// operator's queue of the help page's web chat customers (package
// deskclient), the picked conversation, and the invitation that opens a
// session and hands its code to that customer. Run drives it headless from
// the flags (-pick, -desk-say, -invite, lines typed in the terminal) and
// prints its events; RunWindow shows it in the desk window (package
// deskui). The session itself is the caller's (Config.Session): the desk
// learns its code and when it expires from the session's report through
// a LineWriter.
package techdesk
