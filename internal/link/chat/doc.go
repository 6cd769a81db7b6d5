// Package chat is the text chat of a support session: both sides type
// messages over the link's "chat" data channel (reliable and ordered), each
// side keeps a transcript of both directions, and the technician can save
// it as text or JSON.
//
// # Message flow
//
// Each side wraps the link's chat channel in a Conn and runs Conn.Run,
// which reads the channel until it closes and hands every message to
// Incoming. Conn.Send cleans the text the user typed (control characters
// stripped, surrounding space trimmed), refuses what is empty, too long or
// not UTF-8, numbers the message and sends it as one data-channel message.
// Both sent and received messages join the transcript in the order this
// side saw them; a sender's clock only labels its own messages.
//
// # Wire format
//
// One message is one JSON object:
//
//	{"v":1,"id":7,"text":"Is the printer on?","sent":"2026-11-25T10:00:05Z"}
//
// v is the format version (a receiver drops other versions with a log line,
// so an older peer ignores what it cannot read rather than failing the
// session); id counts each sender's messages from 1; text is at most
// MaxText bytes of UTF-8 that a conforming sender has already cleaned; sent
// is the sender's clock in RFC 3339. A receiver drops oversized, invalid or
// unclean messages: the peer is not trusted to have cleaned its text, and
// terminal escapes or bidirectional overrides must never reach a display
// or a saved transcript.
package chat
