package appsel

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// atoms the tracker reads, interned once at Open.
type atoms struct {
	netWMName, utf8String, netWMPID, wmState, netClientList, netSupportingWMCheck xproto.Atom
}

func internAtoms(c *xgb.Conn) (atoms, error) {
	names := []string{"_NET_WM_NAME", "UTF8_STRING", "_NET_WM_PID", "WM_STATE",
		"_NET_CLIENT_LIST", "_NET_SUPPORTING_WM_CHECK"}
	cookies := make([]xproto.InternAtomCookie, len(names))
	for i, n := range names {
		cookies[i] = xproto.InternAtom(c, false, uint16(len(n)), n)
	}
	got := make([]xproto.Atom, len(names))
	for i, ck := range cookies {
		r, err := ck.Reply()
		if err != nil {
			return atoms{}, fmt.Errorf("intern atom %s: %w", names[i], err)
		}
		got[i] = r.Atom
	}
	return atoms{got[0], got[1], got[2], got[3], got[4], got[5]}, nil
}

// watchedProperty reports whether a change of property a on an application
// window can change what Windows lists.
func (a atoms) watchedProperty(p xproto.Atom) bool {
	switch p {
	case a.netWMName, xproto.AtomWmName, xproto.AtomWmClass, a.netWMPID, a.wmState:
		return true
	}
	return false
}

// propCookies holds the pending requests for one window's properties, so
// that a scan sends every request before waiting for the first answer.
type propCookies struct {
	netName, name, class, pid xproto.GetPropertyCookie
}

func requestProps(c *xgb.Conn, a atoms, w xproto.Window) propCookies {
	get := func(p xproto.Atom) xproto.GetPropertyCookie {
		return xproto.GetProperty(c, false, w, p, xproto.GetPropertyTypeAny, 0, 1024)
	}
	return propCookies{get(a.netWMName), get(xproto.AtomWmName), get(xproto.AtomWmClass), get(a.netWMPID)}
}

// props is what a window says about itself.
type props struct {
	title, class string
	pid          int
}

func (pc propCookies) read() props {
	var p props
	if v := value(pc.netName); len(v) > 0 {
		p.title = validUTF8(v)
	} else {
		p.title = latin1(value(pc.name))
	}
	p.class = classPart(value(pc.class))
	if v := value(pc.pid); len(v) >= 4 {
		p.pid = int(xgb.Get32(v))
	}
	return p
}

// value returns a property's bytes, nil when it is missing or the window
// has gone.
func value(ck xproto.GetPropertyCookie) []byte {
	r, err := ck.Reply()
	if err != nil || r == nil || len(r.Value) == 0 {
		return nil
	}
	return r.Value
}

// classPart returns the class half of WM_CLASS ("instance\0class\0").
func classPart(v []byte) string {
	parts := bytes.Split(bytes.TrimRight(v, "\x00"), []byte{0})
	if len(parts) < 2 {
		return validUTF8(parts[0])
	}
	return validUTF8(parts[1])
}

// latin1 decodes WM_NAME, which is ISO 8859-1 by definition.
func latin1(v []byte) string {
	var b strings.Builder
	for _, c := range v {
		b.WriteRune(rune(c))
	}
	return b.String()
}

func validUTF8(v []byte) string {
	return strings.ToValidUTF8(string(v), string(utf8.RuneError))
}

// programName names a window's program: its WM_CLASS class, or, for a
// window without one, the command name of its process.
func programName(p props) string {
	if p.class != "" || p.pid <= 0 {
		return p.class
	}
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/comm")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(comm))
}
