// Package filexfer moves files both ways over the peer link's "file" data
// channel: offers (either side pushes a file), download requests (the
// technician asks for a path on the customer's machine), the customer's
// consent for each, SHA-256 verification, resume after a cut, and the rules
// that keep a hostile peer from writing anywhere but one folder.
//
// # Flow
//
// Each side runs one Endpoint on its end of the channel. Each side numbers
// the transfers it starts; every message carries the number and a flag
// saying whether its sender started the transfer, so the two numberings never
// collide.
//
//   - Offer: the sender hashes the whole file first, then sends Offer (name,
//     size, SHA-256 and a key derived from them). The receiver refuses at once
//     a bad name (see Sanitize), a size over Config.MaxSize or an unusable
//     folder; otherwise it asks Config.Decide. Refuse ends it with nothing
//     written. On consent it creates the hidden partial ".NAME.KEY.tandem-partial"
//     (O_EXCL|O_NOFOLLOW, mode 0600) in Config.Dir and answers Accept with the
//     offset to start from.
//   - Data: the sender streams Data messages (transfer, offset, up to
//     Config.ChunkSize bytes) under the channel's flow control; the receiver
//     appends and hashes as they come, so no second pass is needed.
//   - Done: with the last byte the receiver fsyncs and checks the hash. A
//     match is hard-linked to its final name (never replacing a file: "name
//     (1).ext" if taken) and the partial removed; the receiver answers Done
//     with the final name. A mismatch removes the partial and answers Abort.
//   - Request: the requester sends Request(path): a full path, or one from
//     the serving user's home folder. Both sides refuse a path with a ".."
//     element, a character that would hide part of it, or what Windows reads
//     as a share, device or stream (CheckFetchPath); the serving side also
//     refuses a path inside an autofs mount point on Linux, so that nothing
//     but its own disks is looked at before asking. It resolves the path
//     (home folder, links), opens the regular file there without following
//     any link (openat2, else folder by folder), and asks Decide about
//     that file: Ask.Path is what would be read. On consent it continues as
//     an Offer from the descriptor it opened; the requester accepts it
//     without asking (it asked for it) but with the same name, size and
//     folder checks.
//   - Abort: either side may give up (Cancel, a canceled context, disk full,
//     hash mismatch); the receiver removes the partial.
//
// The side that is asked is protected from floods: at most 16 offers and
// requests are handled at once, further ones are refused with ErrBusy, and
// one file (by key) is received once at a time.
//
// # Resume
//
// A cut link ends the transfer with ErrLinkLost on the sending side and
// leaves the partial in place. Offering the same file again, on a new
// Endpoint over a new link, yields the same key: the receiver finds the
// partial, hashes what it holds and accepts from its end. Only the final
// SHA-256 over the whole file decides whether the result is kept. Partials
// of transfers never resumed stay hidden in the folder until RemovePartials,
// which the agent calls when the session ends.
//
// # Why the receiver's loop never waits to send
//
// Run reads, writes files and hands its own replies to an outbox goroutine.
// If Run waited for its side's send queue while both sides stream files,
// each would stop reading the acknowledgements that drain the other's queue.
package filexfer
