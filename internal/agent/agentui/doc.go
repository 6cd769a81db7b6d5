// Package agentui is the agent's own window on the customer's desktop,
// written with Gio: the questions asked before anything is shared, and the
// small always-on-top panel that says what is happening during a session.
//
// # Flow
//
// The agent opens one window with Open. Before a session, and before every
// change of mode, incoming file or download, it calls Ask, which queues the
// question and blocks until the customer answers Allow or Deny, or until
// the request's timeout passes (Timeout, which counts as Deny). Questions
// are shown one at a time, oldest first, each with who asks (operator and
// organisation, from the signed grant), what, and a countdown. Allow only
// counts once the question has been drawn for a moment (armDelay), so a
// click or Enter aimed at what the question suddenly covered cannot allow
// it. Tab moves between the buttons, Enter presses one, Escape denies.
// During a session the question also offers Stop, so that a stream of
// questions cannot keep the customer from stopping.
//
// Between questions the window is the session panel: a status line
// ("Ana Lopez (Acme IT) is controlling your screen"), the buttons Stop,
// Pause/Resume, Take back/Give back control, Chat, Files and Apps, and the
// panes those open (chat with a text field, transfers in progress, the
// chooser of shared application windows). What the customer asks for there
// arrives on Actions; the agent reports the session back with SetStatus,
// AddChat and SetAppWindows.
//
// # Keeping the window safe from the technician
//
// Gio neither places windows nor keeps them on top, so a second X
// connection (the keeper) does: it sets _NET_WM_STATE_ABOVE for window
// managers, puts the window in the primary monitor's top-right corner,
// raises it again whenever another window covers it (VisibilityNotify),
// maps it again when something hides it, and moves it back when it is
// moved or resized off the monitors. The window fits its content: it
// grows and shrinks with what it shows, and returns to that size when
// someone else resizes it. Bounds reports where the
// window really is, so that the agent drops remote pointer events over it;
// Focused reports whether it has the keyboard, so that the agent drops
// remote key events meanwhile. Together they keep remote input away from
// the window that grants it.
//
// Texts are English, or French when LC_ALL, LC_MESSAGES or LANG starts with
// "fr"; all of them sit in one table (strings.go). The functions a grant
// names ("file-transfer") reach the customer as plain words ("send and
// receive files"), through functionWords (functions.go).
package agentui
