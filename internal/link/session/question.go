package session

import "github.com/tandem-remote/tandem/internal/wire/proto"

// QuestionKind says what the agent asks its customer.
type QuestionKind int

// Questions.
const (
	AskSession QuestionKind = iota // the first request: may this operator see or control?
	AskMode                        // a later change of mode or direction
	AskFileIn                      // may the technician send this file?
	AskFileOut                     // may the technician have this file of yours?
)

// Question is one thing the agent asks its customer.
type Question struct {
	Kind                   QuestionKind
	Mode                   proto.Mode
	Operator, Organisation string
	Functions              []string // what else the grant allows, for the first question
	File                   string   // sanitized file name, for file questions
	Size                   int64
	// Dir is the folder a download reads File from (AskFileOut): the
	// full path, links resolved. OutsideHome and Hidden say that it is
	// outside the customer's home folder, or hidden.
	Dir                 string
	OutsideHome, Hidden bool
}
