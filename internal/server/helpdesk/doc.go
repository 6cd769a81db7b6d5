// Package helpdesk is the web chat between customers and operators: the
// conversation hub behind the help page (package helpdesk/page) and the
// operator's desk in the technician app.
//
// A customer's browser starts a conversation with POST /v1/desk/visit,
// either with a session code (the conversation is then bound at once to
// the operator who opened that session) or with a name and a question
// (the conversation waits in the queue every operator's desk shows). The
// answer carries the conversation's id and key; the page keeps them, and
// the number of the last event it saw, in sessionStorage.
//
// Every conversation is a sequence of events numbered 1, 2, 3, ...:
// message, assigned (an operator picked it), invite (a session code to
// download the agent with) and closed. Typing notices are not numbered and
// not kept. The page reads them over the WebSocket /v1/desk/chat (first
// frame: hello with id, key and after; the server replays every event
// after that number, then sends live ones) or, where a proxy blocks
// WebSockets, by long-polling POST /v1/desk/poll. A message the page sends
// carries a client id (cid); a repeated cid is dropped, so after a
// reconnect the page resends whatever it has not seen echoed back and
// nothing is lost or doubled.
//
// Operators connect to /v1/desk/operator with their login's session token
// (Authorization: Bearer), checked with their IP rules as a session Open
// is. The desk receives the queue (waiting conversations and their own),
// picks one, chats, invites the customer into a session it opened (the
// code must belong to a session this same operator opened) and closes it.
// Every message, the page's and the desk's, is a type of package chatwire,
// which the technician's desk client (package deskclient) uses too.
//
// When a conversation ends (the operator closes it, or it is abandoned)
// its transcript is stored for the retention period and an audit entry
// (kind chat.transcript, subject the bound session's ID or else the
// conversation's) records its message count and SHA-256.
//
// A server that stops cleanly keeps the open conversations (Config.Keep,
// keep.go) and the next start takes them back, so that pages reconnect
// to them after an upgrade; they are not recorded as ended.
//
// With several signaling nodes (Config.Shared, shared.go) the
// conversations are recorded in the nodes' shared database and every
// change is told to the other nodes: a page may reconnect to any node,
// and every operator's desk, on any node, shows the same queue.
//
// Limits: message length, events per conversation, open conversations
// per source address, messages per second per conversation, and the
// session-code throttle of the signaling server for visits with a code.
package helpdesk
