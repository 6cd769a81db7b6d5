package audit

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// domain separates audit hashes from any other SHA-256 use and names the
// encoding's version.
const domain = "tandem-audit-v1\x00"

// Canonical returns r's canonical encoding: the domain string, Seq as 8
// bytes big-endian, Time as Unix nanoseconds in 8 bytes big-endian, then
// Kind, Actor, Subject, Source and Detail, each as a uvarint length and
// its bytes. Prev and Hash are not part of it.
func Canonical(r store.AuditRecord) []byte {
	b := make([]byte, 0, len(domain)+16+len(r.Kind)+len(r.Actor)+len(r.Subject)+len(r.Source)+len(r.Detail)+5*binary.MaxVarintLen64)
	b = append(b, domain...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Time.UnixNano()))
	for _, f := range []string{r.Kind, r.Actor, r.Subject, r.Source, r.Detail} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// Hash returns SHA-256(prev || Canonical(r)).
func Hash(prev []byte, r store.AuditRecord) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(Canonical(r))
	return h.Sum(nil)
}

// genesis is the Prev of the first entry.
var genesis = make([]byte, sha256.Size)
