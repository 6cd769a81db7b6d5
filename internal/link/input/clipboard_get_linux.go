package input

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// Get returns the text on the clipboard, whichever program holds it.
func (c *X11Clipboard) Get(ctx context.Context) (string, error) {
	c.getMu.Lock()
	defer c.getMu.Unlock()
	c.mu.Lock()
	text, owned := c.text, c.owned
	c.mu.Unlock()
	if owned {
		return text, nil
	}
	c.drainReplies()
	xproto.DeleteProperty(c.conn, c.win, c.atom.prop)
	xproto.ConvertSelection(c.conn, c.win, c.atom.clipboard, c.atom.utf8, c.atom.prop, xproto.TimeCurrentTime)
	ev, err := c.wait(ctx, func(ev xgb.Event) bool {
		_, ok := ev.(xproto.SelectionNotifyEvent)
		return ok
	})
	if err != nil {
		return "", fmt.Errorf("get clipboard: %w", err)
	}
	if ev.(xproto.SelectionNotifyEvent).Property == xproto.AtomNone {
		return "", fmt.Errorf("get clipboard: %w", ErrNoText)
	}
	text, err = c.readProperty(ctx)
	if err != nil {
		return "", fmt.Errorf("get clipboard: %w", err)
	}
	return text, nil
}

func (c *X11Clipboard) drainReplies() {
	for {
		select {
		case <-c.replies:
		default:
			return
		}
	}
}

// wait returns the next reply that match accepts.
func (c *X11Clipboard) wait(ctx context.Context, match func(xgb.Event) bool) (xgb.Event, error) {
	for {
		select {
		case ev := <-c.replies:
			if match(ev) {
				return ev, nil
			}
		case <-c.loop:
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// readProperty reads and deletes the converted text, following an INCR
// transfer if the owner chose one.
func (c *X11Clipboard) readProperty(ctx context.Context) (string, error) {
	head, err := xproto.GetProperty(c.conn, false, c.win, c.atom.prop, xproto.AtomAny, 0, 0).Reply()
	if err != nil {
		return "", err
	}
	if head.Type == c.atom.incr {
		return c.readIncr(ctx)
	}
	if int(head.BytesAfter) > c.max {
		xproto.DeleteProperty(c.conn, c.win, c.atom.prop)
		return "", fmt.Errorf("%w (%d bytes, limit %d)", ErrTooLarge, head.BytesAfter, c.max)
	}
	r, err := xproto.GetProperty(c.conn, true, c.win, c.atom.prop, xproto.AtomAny, 0, (head.BytesAfter+3)/4).Reply()
	if err != nil {
		return "", err
	}
	return toUTF8(r.Value, r.Type), nil
}

// readIncr receives text in pieces: deleting the property asks for the
// next piece, and an empty piece ends the transfer.
func (c *X11Clipboard) readIncr(ctx context.Context) (string, error) {
	var buf []byte
	var typ xproto.Atom
	xproto.DeleteProperty(c.conn, c.win, c.atom.prop)
	for {
		_, err := c.wait(ctx, func(ev xgb.Event) bool {
			e, ok := ev.(xproto.PropertyNotifyEvent)
			return ok && e.Atom == c.atom.prop && e.State == xproto.PropertyNewValue
		})
		if err != nil {
			return "", err
		}
		r, err := xproto.GetProperty(c.conn, true, c.win, c.atom.prop, xproto.AtomAny, 0, uint32(c.max/4+1)).Reply()
		if err != nil {
			return "", err
		}
		if len(r.Value) == 0 {
			return toUTF8(buf, typ), nil
		}
		if len(buf)+len(r.Value) > c.max || r.BytesAfter > 0 {
			return "", fmt.Errorf("%w (limit %d bytes)", ErrTooLarge, c.max)
		}
		buf, typ = append(buf, r.Value...), r.Type
	}
}

// toUTF8 returns b as valid UTF-8: STRING is Latin-1 by definition, and
// anything else is taken as UTF-8.
func toUTF8(b []byte, typ xproto.Atom) string {
	if typ == xproto.AtomString {
		var s strings.Builder
		for _, c := range b {
			s.WriteRune(rune(c))
		}
		return s.String()
	}
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(b)
}
