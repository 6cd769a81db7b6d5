package grant

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// domain names the encoding and its version; it also keeps a grant
// signature from being valid for any other message the key signs.
const domain = "tandem-grant-v1\x00"

// Limits on a decoded grant.
const (
	maxField     = 256
	maxFunctions = 16
)

// Encode returns g's canonical encoding: the domain string; Operator,
// Name, Organisation and Session, each as a uvarint length and its bytes;
// Issued and Expires as Unix nanoseconds, 8 bytes big-endian each; the
// number of functions as a uvarint, then each as a uvarint length and its
// bytes, sorted and distinct.
func Encode(g Grant) []byte {
	b := []byte(domain)
	for _, s := range []string{g.Operator, g.Name, g.Organisation, g.Session} {
		b = appendString(b, s)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(g.Issued.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(g.Expires.UnixNano()))
	fs := normalize(g.Functions)
	b = binary.AppendUvarint(b, uint64(len(fs)))
	for _, f := range fs {
		b = appendString(b, string(f))
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// Decode parses a canonical encoding. It accepts only what Encode
// produces: known functions, sorted and distinct, and no trailing bytes.
func Decode(b []byte) (Grant, error) {
	d := decoder{b: b}
	if string(d.take(len(domain))) != domain {
		return Grant{}, errors.New("decode grant: not a version 1 grant")
	}
	var g Grant
	for _, p := range []*string{&g.Operator, &g.Name, &g.Organisation, &g.Session} {
		*p = d.str()
	}
	g.Issued, g.Expires = d.time(), d.time()
	n := d.uvarint()
	if n > maxFunctions {
		return Grant{}, errors.New("decode grant: too many functions")
	}
	for range n {
		f, err := ParseFunction(d.str())
		if err != nil && d.err == nil {
			d.err = err
		}
		g.Functions = append(g.Functions, f)
	}
	if d.err != nil {
		return Grant{}, fmt.Errorf("decode grant: %w", d.err)
	}
	if len(d.b) != 0 {
		return Grant{}, errors.New("decode grant: trailing bytes")
	}
	if len(normalize(g.Functions)) != len(g.Functions) || string(Encode(g)) != string(b) {
		return Grant{}, errors.New("decode grant: not in canonical form")
	}
	return g, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n > len(d.b) || n < 0 {
		if d.err == nil {
			d.err = errors.New("truncated")
		}
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errors.New("bad length")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > maxField {
		if d.err == nil {
			d.err = errors.New("field too long")
		}
		return ""
	}
	return string(d.take(int(n)))
}

func (d *decoder) time() time.Time {
	b := d.take(8)
	if b == nil {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b))).UTC()
}
