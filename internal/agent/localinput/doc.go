// Package localinput notices the customer's own keyboard and mouse, so
// that the agent can suspend remote control the moment the customer takes
// it back.
//
// On X11 the agent injects the technician's input with XTEST, and on many
// servers (Xvfb among them, and any desktop where other tools use XTEST)
// injected and physical input arrive through the same device: the device
// cannot tell them apart. A journal can. The agent calls Injecting right
// before each event it injects; the Watcher sees every device event the
// server processes, through the RECORD extension, and crosses each one off
// the journal. An event nothing in the journal explains is the customer's,
// and Activity is signalled.
//
// # Flow
//
// Open makes two X connections. On the control connection (xgb) it creates
// a RECORD context over the core device events KeyPress..MotionNotify from
// all clients. The data connection carries a single EnableContext request,
// which the server answers with a stream of replies, one per batch of
// intercepted events, until the context is disabled or the connection
// closed. xgb expects one reply per request, so the data connection is a
// minimal X client of its own (data.go): the connection setup (with the
// MIT-MAGIC-COOKIE-1 from Xauthority, as xgb does), the one request, then
// a loop reading replies. The server holds recorded events until it next
// flushes output to some client, so the watcher makes a round trip on the
// control connection every flushInterval (50 ms): local activity is seen
// within that, even on a desktop where nobody listens to the event.
//
// # Matching
//
// A key or button event is explained by the oldest pending journal entry
// of the same kind and detail (keycode, button number). A motion is
// explained by a pending motion to the same point; the server may merge
// injected motions, so that entry and every older pending motion are
// crossed off together. Entries expire (journalTTL) and each explains one
// event. While the agent holds a key down, the server's auto-repeat of that
// key is explained too.
package localinput
