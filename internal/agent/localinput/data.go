package localinput

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
)

// RECORD reply categories.
const (
	categoryFromServer = 0
	categoryEndOfData  = 5
)

// maxReply bounds a reply's size: the server sends recorded events in
// batches far smaller than this.
const maxReply = 16 << 20

// dataConn is the RECORD data connection: a bare X connection that sends
// one EnableContext request and then reads its endless replies.
type dataConn struct {
	conn net.Conn
	r    *bufio.Reader
}

// dialData connects to display and completes the X connection setup.
func dialData(display string) (*dataConn, error) {
	network, addr, host, disp, err := parseDisplay(display)
	if err != nil {
		return nil, err
	}
	c, err := net.Dial(network, addr)
	if err != nil {
		return nil, fmt.Errorf("connect to X display %q: %w", display, err)
	}
	d := &dataConn{conn: c, r: bufio.NewReaderSize(c, 64<<10)}
	name, data := authCookie(host, disp)
	if err := d.setup(name, data); err != nil {
		c.Close()
		return nil, fmt.Errorf("X connection setup on %q: %w", display, err)
	}
	return d, nil
}

// parseDisplay reads "[host]:N[.S]" (or "/path/socket:N") the way xgb and
// Xlib do: no host means the local socket /tmp/.X11-unix/XN.
func parseDisplay(display string) (network, addr, host, disp string, err error) {
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	colon := strings.LastIndex(display, ":")
	if colon < 0 {
		return "", "", "", "", fmt.Errorf("bad display name %q: want [host]:number", display)
	}
	host, disp = display[:colon], display[colon+1:]
	if dot := strings.IndexByte(disp, '.'); dot >= 0 {
		disp = disp[:dot]
	}
	n, err := strconv.Atoi(disp)
	if err != nil || n < 0 {
		return "", "", "", "", fmt.Errorf("bad display name %q: want [host]:number", display)
	}
	switch {
	case strings.HasPrefix(host, "/"):
		return "unix", display[:colon] + ":" + disp, "", disp, nil
	case host == "" || host == "unix":
		return "unix", "/tmp/.X11-unix/X" + disp, "", disp, nil
	default:
		return "tcp", net.JoinHostPort(host, strconv.Itoa(6000+n)), host, disp, nil
	}
}

// setup sends the connection setup (little-endian, protocol 11.0) and
// reads the server's answer, discarding the screen description.
func (d *dataConn) setup(authName string, authData []byte) error {
	req := make([]byte, 12, 12+pad(len(authName))+pad(len(authData)))
	req[0] = 'l'
	binary.LittleEndian.PutUint16(req[2:], 11)
	binary.LittleEndian.PutUint16(req[6:], uint16(len(authName)))
	binary.LittleEndian.PutUint16(req[8:], uint16(len(authData)))
	req = append(req, padded([]byte(authName))...)
	req = append(req, padded(authData)...)
	if _, err := d.conn.Write(req); err != nil {
		return err
	}
	var head [8]byte
	if _, err := io.ReadFull(d.r, head[:]); err != nil {
		return err
	}
	body := make([]byte, int(binary.LittleEndian.Uint16(head[6:]))*4)
	if _, err := io.ReadFull(d.r, body); err != nil {
		return err
	}
	switch head[0] {
	case 1:
		return nil
	case 0:
		reason := body[:min(int(head[1]), len(body))]
		return fmt.Errorf("refused: %s (is XAUTHORITY set for this display?)", reason)
	default:
		return errors.New("server asks for further authentication, which is not supported")
	}
}

// enable sends RECORD EnableContext (minor opcode 5) for context.
func (d *dataConn) enable(major byte, context uint32) error {
	req := []byte{major, 5, 2, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(req[4:], context)
	_, err := d.conn.Write(req)
	return err
}

// next returns the category and data of the next EnableContext reply.
// It reuses buf for the data when large enough.
func (d *dataConn) next(buf []byte) (byte, []byte, error) {
	var head [32]byte
	for {
		if _, err := io.ReadFull(d.r, head[:]); err != nil {
			return 0, nil, err
		}
		switch head[0] {
		case 0:
			return 0, nil, fmt.Errorf("record: X error %d", head[1])
		case 1:
			n := int(binary.LittleEndian.Uint32(head[4:])) * 4
			if n > maxReply {
				return 0, nil, fmt.Errorf("record: %d-byte reply, more than the server ever sends", n)
			}
			if cap(buf) < n {
				buf = make([]byte, n)
			}
			buf = buf[:n]
			if _, err := io.ReadFull(d.r, buf); err != nil {
				return 0, nil, err
			}
			return head[1], buf, nil
		}
		// An event: this connection asks for none; skip it.
	}
}

func (d *dataConn) Close() error { return d.conn.Close() }

func pad(n int) int { return (n + 3) &^ 3 }

func padded(b []byte) []byte {
	return append(b[:len(b):len(b)], make([]byte, pad(len(b))-len(b))...)
}
