// Package chatwire is the web chat's wire: the JSON messages the help
// page (package helpdesk/page) and the operator's desk (package deskclient,
// in the technician) exchange with the conversation hub (package
// helpdesk). Both ends use these types, so a field renamed on one side is
// renamed on the other; the golden files under testdata pin the bytes,
// which the page's JavaScript reads too.
//
// # The page
//
// The page starts a conversation with POST /v1/desk/visit (body Visit,
// answer Visited). It then opens the WebSocket /v1/desk/chat and sends
// PageFrame objects: hello first (id, key, after), then send (cid, text)
// and typing. The server sends Event objects: every numbered event after
// the hello's after, then live ones, and unnumbered typing notices; a
// refused frame gets a PageError naming its cid. Where a proxy blocks
// WebSockets the page uses POST /v1/desk/poll (answer Polled), POST
// /v1/desk/send (answer Sent) and POST /v1/desk/typing (answer 204), whose
// bodies are PageFrame objects without type. A refused HTTP request is
// answered with a Failure and a 4xx or 5xx status.
//
// # The desk
//
// The desk connects to the WebSocket /v1/desk/operator with the
// operator's login token and sends DeskRequest objects (pick, send,
// typing, invite, close). The server sends DeskQueue on connect and at
// every change of the queue, DeskHistory after a pick, DeskEvent for every
// later event of the operator's conversations, DeskTyping when their
// customer types and DeskError when a request fails. The desk reads each
// into a DeskMessage, whose Type says which fields are set.
//
// Every object has lowercase keys; times are RFC 3339; unknown keys are
// ignored by both ends. Failure codes (Code*) are stable: the page shows
// its own localized words for them.
//
// This package imports only the standard library: the technician links
// it without the server.
package chatwire
