package filexfer

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// msgType is a message's first byte, without flagMine.
type msgType uint8

const (
	msgOffer   msgType = 1 // size, SHA-256, key, name: "here is a file"
	msgRequest msgType = 2 // path: "send me this file"
	msgAccept  msgType = 3 // offset: "go on, starting at this byte"
	msgRefuse  msgType = 4 // code, reason: nothing was written
	msgData    msgType = 5 // offset, bytes
	msgDone    msgType = 6 // final name: verified and stored
	msgAbort   msgType = 7 // code, reason: either side gives up
)

// flagMine is set in the type byte when the transfer was started by the
// side sending the message. Each side numbers the transfers it starts, so
// (flag, ID) names a transfer without the sides agreeing on IDs.
const flagMine = 0x80

// Limits on decoded fields.
const (
	maxTextLen = 4096
	idLen      = 4
	keyLen     = 16
)

// message is every message of the protocol; which fields are on the wire
// depends on Type.
type message struct {
	Type   msgType
	Mine   bool // the sender of this message started the transfer
	ID     uint32
	Size   int64        // offer
	SHA256 [32]byte     // offer
	Key    [keyLen]byte // offer
	Offset int64        // accept, data
	Code   code         // refuse, abort
	Text   string       // offer: name; request: path; done: final name; refuse, abort: reason
	Data   []byte       // data (aliases the decoded buffer)
}

var errShort = errors.New("message truncated")

// appendMessage appends m's encoding to b.
func appendMessage(b []byte, m *message) []byte {
	t := byte(m.Type)
	if m.Mine {
		t |= flagMine
	}
	b = append(b, t)
	b = binary.BigEndian.AppendUint32(b, m.ID)
	switch m.Type {
	case msgOffer:
		b = binary.BigEndian.AppendUint64(b, uint64(m.Size))
		b = append(b, m.SHA256[:]...)
		b = append(b, m.Key[:]...)
		b = appendText(b, m.Text)
	case msgRequest, msgDone:
		b = appendText(b, m.Text)
	case msgAccept:
		b = binary.BigEndian.AppendUint64(b, uint64(m.Offset))
	case msgRefuse, msgAbort:
		b = append(b, byte(m.Code))
		b = appendText(b, m.Text)
	case msgData:
		b = binary.BigEndian.AppendUint64(b, uint64(m.Offset))
		b = append(b, m.Data...)
	}
	return b
}

func appendText(b []byte, s string) []byte {
	if len(s) > maxTextLen {
		s = s[:maxTextLen]
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// decodeMessage parses one message. Data aliases p.
func decodeMessage(p []byte) (message, error) {
	var m message
	r := reader{b: p}
	t := r.byte()
	m.Type, m.Mine = msgType(t&^flagMine), t&flagMine != 0
	m.ID = r.uint32()
	switch m.Type {
	case msgOffer:
		m.Size = r.int63()
		r.copy(m.SHA256[:])
		r.copy(m.Key[:])
		m.Text = r.text()
	case msgRequest, msgDone:
		m.Text = r.text()
	case msgAccept:
		m.Offset = r.int63()
	case msgRefuse, msgAbort:
		m.Code = code(r.byte())
		m.Text = r.text()
	case msgData:
		m.Offset = r.int63()
		m.Data = r.rest()
	default:
		return message{}, fmt.Errorf("decode file message: unknown type %d", m.Type)
	}
	if r.err != nil {
		return message{}, fmt.Errorf("decode file message type %d: %w", m.Type, r.err)
	}
	if len(r.b) != 0 && m.Type != msgData {
		return message{}, fmt.Errorf("decode file message type %d: %d trailing bytes", m.Type, len(r.b))
	}
	return m, nil
}

// reader consumes p front to back; the first shortage sets err and every
// later read returns zero values.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || len(r.b) < n {
		r.err = errShort
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) byte() byte {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *reader) uint32() uint32 {
	if p := r.take(4); p != nil {
		return binary.BigEndian.Uint32(p)
	}
	return 0
}

// int63 reads a uint64 that must fit an int64 (sizes and offsets).
func (r *reader) int63() int64 {
	p := r.take(8)
	if p == nil {
		return 0
	}
	v := binary.BigEndian.Uint64(p)
	if v > 1<<63-1 {
		r.err = errors.New("size or offset out of range")
		return 0
	}
	return int64(v)
}

func (r *reader) copy(dst []byte) { copy(dst, r.take(len(dst))) }

func (r *reader) text() string {
	p := r.take(2)
	if p == nil {
		return ""
	}
	n := int(binary.BigEndian.Uint16(p))
	if n > maxTextLen {
		r.err = fmt.Errorf("text of %d bytes, more than %d", n, maxTextLen)
		return ""
	}
	return string(r.take(n))
}

func (r *reader) rest() []byte {
	if r.err != nil {
		return nil
	}
	p := r.b
	r.b = nil
	return p
}
