package chatwire

// Failure codes: stable words the page and the desk branch on and show
// their own text for.
const (
	CodeInvalidCode    = "invalid-code"     // the session code is wrong, expired or used
	CodeThrottled      = "throttled"        // too many attempts, messages or conversations
	CodeBadRequest     = "bad-request"      // malformed, too long, or no name
	CodeClosed         = "closed"           // the conversation has ended
	CodeNotFound       = "not-found"        // no such conversation
	CodeUnavailable    = "unavailable"      // this server does not offer it
	CodeTaken          = "taken"            // another operator has the conversation
	CodeNotYourSession = "not-your-session" // invite: the code is of another operator's session
	CodeBusy           = "busy"             // the help desk is full
	CodeUnauthorized   = "unauthorized"     // the desk's login token was refused
)

// Failure is a refusal: an HTTP error body, and part of PageError and
// DeskError. Message is English, for logs and for a code the reader does
// not know.
type Failure struct {
	Code    string `json:"error"` // a Code*
	Message string `json:"message"`
}
