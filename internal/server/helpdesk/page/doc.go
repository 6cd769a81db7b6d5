// Package page serves the customer's help page: the one HTML page a
// customer opens at https://HOST/ (or https://HOST/s/CODE, the link a
// technician sends), its stylesheet and its script, all embedded in the
// binary.
//
// The page itself talks to the helpdesk API on the same origin: it posts
// the code (or a name, for the queue) to /v1/desk/visit, then chats over
// the WebSocket /v1/desk/chat, falling back to long-polling
// (/v1/desk/poll, /v1/desk/send, /v1/desk/typing) when WebSockets keep
// failing, and offers the agent download as a form post to
// /v1/agent/linux-amd64, or /v1/agent/windows-amd64 to a Windows browser
// (by its user agent or platform client hint), with how to run it on that
// system. The conversation's id and key live in the tab's
// sessionStorage: no cookie is ever set.
//
// Every response carries a strict Content-Security-Policy (scripts,
// styles, images and connections from this origin only; no inline script
// or style; no framing), no referrer and a minimal Permissions-Policy.
// The language is English or French, from Accept-Language (q-values
// honoured) unless ?lang= says otherwise.
package page
