package relay

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"net"
	"time"
)

// TURN over TCP and TLS carries the same frames as UDP on a byte stream.
// pion frames the stream itself (turn.STUNConn); to answer refused
// requests itself (see forbid.go) the relay frames it once before
// pion, in forbidConn, and hands pion whole frames.

const (
	// firstFrameTimeout bounds how long an accepted connection may stay
	// silent, so idle sockets cannot pile up; TLS handshakes count too.
	firstFrameTimeout = 30 * time.Second
	stunHeaderLen     = 20
	methodConnBindReq = 0x000b // ConnectionBind request (RFC 6062)
)

// forbidListener wraps the TCP or TLS listener handed to pion.
type forbidListener struct {
	net.Listener
	r *Relay
}

func (l forbidListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if !l.r.track(c) {
		_ = c.Close()
		return nil, errClosed
	}
	// The deadline is cleared once the first frame arrives.
	_ = c.SetReadDeadline(time.Now().Add(firstFrameTimeout))
	return &forbidConn{Conn: c, r: l.r}, nil
}

func (c *forbidConn) Close() error {
	c.r.untrack(c.Conn)
	return c.Conn.Close()
}

// forbidConn reframes a TURN stream. It is read by one goroutine (pion's
// per-connection loop, or io.Copy after a ConnectionBind).
type forbidConn struct {
	net.Conn
	r         *Relay
	buf       []byte // read from Conn, not yet framed
	out       []byte // framed, not yet returned to pion
	started   bool
	raw       bool // after ConnectionBind the stream carries peer data, not frames
	handshook bool
}

func (c *forbidConn) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.raw && len(c.buf) == 0 {
			return c.Conn.Read(p)
		}
		if c.raw {
			c.out, c.buf = c.buf, nil
			break
		}
		n, ok := frameLen(c.buf)
		switch {
		case !ok: // not TURN framing: let pion see it and fail
			c.out, c.buf = c.buf, nil
		case n > 0:
			frame := c.buf[:n]
			c.buf = c.buf[n:]
			if resp := c.r.forbiddenRequest(frame, c.Conn.RemoteAddr()); resp != nil {
				if _, err := c.Conn.Write(resp); err != nil {
					return 0, err
				}
				continue
			}
			if len(frame) >= stunHeaderLen && binary.BigEndian.Uint16(frame) == methodConnBindReq {
				c.raw = true
			}
			c.out = frame
		default:
			if err := c.fill(); err != nil {
				return 0, err
			}
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

// fill reads more of the stream into buf.
func (c *forbidConn) fill() error {
	if !c.handshook {
		c.handshook = true
		if tc, ok := c.Conn.(*tls.Conn); ok {
			ctx, cancel := context.WithTimeout(context.Background(), firstFrameTimeout)
			err := tc.HandshakeContext(ctx)
			cancel()
			if err != nil {
				return err
			}
		}
	}
	if cap(c.buf)-len(c.buf) < 2048 {
		// Frames already handed out keep the old array alive; start a new one.
		nb := make([]byte, len(c.buf), len(c.buf)+8192)
		copy(nb, c.buf)
		c.buf = nb
	}
	n, err := c.Conn.Read(c.buf[len(c.buf):cap(c.buf)])
	c.buf = c.buf[:len(c.buf)+n]
	if n > 0 && !c.started {
		c.started = true
		_ = c.Conn.SetReadDeadline(time.Time{})
	}
	if n > 0 {
		return nil
	}
	return err
}

// frameLen returns the length of the STUN message or ChannelData frame
// (with its padding on streams) at the start of b, 0 if b holds only part
// of it, and ok=false if b does not start with a TURN frame.
func frameLen(b []byte) (n int, ok bool) {
	if len(b) < 4 {
		return 0, true
	}
	switch b[0] >> 6 {
	case 0: // STUN: 20-byte header plus the length field
		n = int(binary.BigEndian.Uint16(b[2:4])) + stunHeaderLen
	case 1: // ChannelData: 4-byte header, data padded to 4 bytes
		n = 4 + (int(binary.BigEndian.Uint16(b[2:4]))+3)&^3
	default:
		return 0, false
	}
	if len(b) < n {
		return 0, true
	}
	return n, true
}
