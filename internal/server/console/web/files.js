// files.js: files on the file channel (docs/wire.md section 9,
// big-endian). Sending: offer, then the agent's accept (from an offset: a
// resume), refuse, done or abort; the file is read, hashed and sent in
// pieces, never held whole in memory. Receiving, what the page fetched
// (request a path; the agent's offer is accepted without asking) or what
// the customer sends unasked (the operator accepts or declines): the
// SHA-256 is checked as data arrives and the page gets a Blob (the
// browser keeps large ones on disk) to save. A cut keeps what was
// received; the same file offered again resumes from there.

import { SHA256 } from './sha256.js';

const T = { offer: 1, request: 2, accept: 3, refuse: 4, data: 5, done: 6, abort: 7 };
const mine = 0x80;
const maxPayload = 65536 - 13;
const highWater = 4 << 20; // wait for bufferedamountlow beyond this
const enc = new TextEncoder();

// header starts a message; flag is mine (0x80) when the page started
// the transfer, 0 when the agent did.
function header(type, id, rest, flag = mine) {
  const b = new Uint8Array(5 + rest);
  b[0] = type | flag;
  new DataView(b.buffer).setUint32(1, id);
  return b;
}

function text(s) {
  const t = enc.encode(s);
  const b = new Uint8Array(2 + t.length);
  new DataView(b.buffer).setUint16(0, t.length);
  b.set(t, 2);
  return b;
}

function u64(n) {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, Math.floor(n / 2 ** 32));
  dv.setUint32(4, n >>> 0);
  return b;
}

// transferKey names this content under this name across attempts: the
// first 16 bytes of SHA-256("tandem filexfer key\0" ‖ name ‖ "\0" ‖ size ‖
// SHA-256 of the content).
export async function transferKey(name, size, sha) {
  const parts = [enc.encode('tandem filexfer key\0'), enc.encode(name), new Uint8Array([0]), u64(size), sha];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', all)).subarray(0, 16);
}

export function offerMessage(id, name, size, sha, key) {
  const t = text(name);
  const b = header(T.offer, id, 8 + 32 + 16 + t.length);
  b.set(u64(size), 5);
  b.set(sha, 13);
  b.set(key, 45);
  b.set(t, 61);
  return b;
}

export function dataMessage(id, offset, piece) {
  const b = header(T.data, id, 8 + piece.length);
  b.set(u64(offset), 5);
  b.set(piece, 13);
  return b;
}

export async function hashFile(file) {
  const h = new SHA256();
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return h.digest();
    h.update(value);
  }
}

function readText(dv, at) {
  const n = dv.getUint16(at);
  return new TextDecoder().decode(new Uint8Array(dv.buffer, dv.byteOffset + at + 2, n));
}

function small(type, id, body, flag = mine) {
  const b = header(type, id, body.length, flag);
  b.set(body, 5);
  return b;
}

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

// maxIncoming bounds what the page receives (docs/wire.md 9.1: code 2
// beyond it), and maxAsked the customer's offers waiting or running at
// once (code 7 beyond).
const maxIncoming = 4 * 2 ** 30;
const maxAsked = 16;

// FileStore outlives a session: the transfer numbers shown on the page,
// and the partials that cut receptions left, by transfer key. Offered the
// same file again (the same key), on this link or the next, the page
// accepts from the end of what it holds, as the agent does (docs/wire.md
// 9.5). The received pieces are Blobs, which the browser keeps on disk
// when they are large, and the SHA-256 goes on from where it stopped.
export class FileStore {
  constructor() { this.partials = new Map(); this.last = 0; }

  next() { this.last += 1; return this.last; }

  keep(r) { if (r.hash && r.at < r.size) this.partials.set(hex(r.key), { hash: r.hash, parts: r.parts, at: r.at }); }

  take(key, size) {
    const p = this.partials.get(hex(key));
    this.partials.delete(hex(key));
    return p && p.at <= size ? p : null;
  }
}

// Files sends and receives files on channel; progress(ui, name, state,
// detail) reports each transfer by the page's number for it: hashing,
// waiting (for the customer), offered (the customer sends a file; detail:
// its size; acceptIncoming or declineIncoming answers), resumed (detail:
// the bytes a cut attempt left), sending or receiving (detail: the
// fraction done), done (detail: the name the customer saved it as),
// fetched (detail: a Blob to save), cut (the link closed; detail: {kind:
// send, fetch or incoming, file or path to try again, at: bytes held}),
// refused or failed (detail: the reason).
export class Files {
  constructor(channel, progress, store = new FileStore()) {
    this.ch = channel;
    this.progress = progress;
    this.store = store;
    this.sends = new Map(); // the page's transfers, by wire ID
    this.incoming = new Map(); // the customer's offers, by wire ID
    this.closed = false;
    channel.bufferedAmountLowThreshold = highWater / 2;
    channel.addEventListener('close', () => this.linkLost());
  }

  async offer(file) {
    const id = this.store.next();
    const s = { file, id, ui: id, name: file.name };
    this.sends.set(id, s);
    this.progress(id, file.name, 'hashing', 0);
    const sha = await hashFile(file);
    const key = await transferKey(file.name, file.size, sha);
    if (this.closed) return this.cut(s);
    this.ch.send(offerMessage(id, file.name, file.size, sha, key));
    this.progress(id, file.name, 'waiting', 0);
  }

  // request asks the agent for the file at path (the customer is asked).
  request(path) {
    const id = this.store.next();
    this.sends.set(id, { id, ui: id, path, name: path, fetch: true, mine: true });
    this.ch.send(small(T.request, id, text(path)));
    this.progress(id, path, 'waiting', 0);
  }

  // onMessage handles the agent's messages: answers to the page's offers
  // and requests (flag clear), and the customer's own offers (flag set).
  onMessage(buf) {
    if (this.closed || !(buf instanceof ArrayBuffer) || buf.byteLength < 5) return;
    const dv = new DataView(buf);
    const type = dv.getUint8(0) & 0x7f;
    const id = dv.getUint32(1);
    if (dv.getUint8(0) & mine) {
      this.onTheirs(type, id, dv);
      return;
    }
    const s = this.sends.get(id);
    if (!s) return;
    if (s.fetch && type === T.offer) this.accept(s, dv);
    else if (s.fetch && type === T.data) this.receive(s, dv);
    else if (type === T.accept && !s.fetch) this.stream(s, Number(dv.getBigUint64(5)));
    else if (type === T.done && !s.fetch) this.end(s, 'done', readText(dv, 5));
    else if (type === T.refuse || type === T.abort) this.end(s, type === T.refuse ? 'refused' : 'failed', readText(dv, 6));
  }

  // onTheirs handles a transfer the customer started: their offer is put
  // to the operator, then its data arrives as a fetch's does.
  onTheirs(type, id, dv) {
    const r = this.incoming.get(id);
    if (type === T.offer && !r) this.offered(id, dv);
    else if (r && type === T.data && r.hash) this.receive(r, dv);
    else if (r && type === T.abort) this.end(r, 'failed', readText(dv, 6));
  }

  offered(id, dv) {
    const r = { id, ui: 'in' + this.store.next(), incoming: true, mine: false };
    this.parseOffer(r, dv);
    if (this.incoming.size >= maxAsked) {
      this.ch.send(small(T.refuse, id, new Uint8Array([7, 0, 0]), 0));
      return;
    }
    this.incoming.set(id, r);
    if (r.size > maxIncoming) {
      this.ch.send(small(T.refuse, id, new Uint8Array([2, 0, 0]), 0));
      this.end(r, 'refused', 'too large');
      return;
    }
    this.progress(r.ui, r.name, 'offered', r.size);
  }

  // acceptIncoming and declineIncoming answer the customer's offer shown
  // under ui.
  acceptIncoming(ui) {
    const r = [...this.incoming.values()].find((x) => x.ui === ui && !x.hash);
    if (r && !this.closed) this.start(r);
  }

  declineIncoming(ui) {
    const r = [...this.incoming.values()].find((x) => x.ui === ui && !x.hash);
    if (!r) return;
    if (!this.closed) this.ch.send(small(T.refuse, r.id, new Uint8Array([1, 0, 0]), 0));
    this.end(r, 'refused', 'declined');
  }

  parseOffer(r, dv) {
    r.size = Number(dv.getBigUint64(5));
    r.want = new Uint8Array(dv.buffer.slice(dv.byteOffset + 13, dv.byteOffset + 45));
    r.key = new Uint8Array(dv.buffer.slice(dv.byteOffset + 45, dv.byteOffset + 61));
    r.name = readText(dv, 61);
  }

  // accept takes what the agent serves for a request, without asking
  // (the operator asked for it).
  accept(s, dv) {
    this.parseOffer(s, dv);
    this.start(s);
  }

  // start accepts from the end of what a cut attempt left of this file,
  // or from 0.
  start(r) {
    const p = this.store.take(r.key, r.size);
    r.hash = p ? p.hash : new SHA256();
    r.parts = p ? p.parts : [];
    r.at = p ? p.at : 0;
    this.ch.send(small(T.accept, r.id, u64(r.at), r.mine ? mine : 0));
    if (r.at) this.progress(r.ui, r.name, 'resumed', r.at);
    this.progress(r.ui, r.name, 'receiving', r.size ? r.at / r.size : 1);
    if (r.at === r.size) this.received(r);
  }

  receive(r, dv) {
    const offset = Number(dv.getBigUint64(5));
    const bytes = new Uint8Array(dv.buffer, dv.byteOffset + 13, dv.byteLength - 13);
    if (!r.hash || offset !== r.at || r.at + bytes.length > r.size) {
      this.ch.send(small(T.abort, r.id, new Uint8Array([8, 0, 0]), r.mine ? mine : 0));
      this.end(r, 'failed', 'out of order');
      return;
    }
    const copy = bytes.slice();
    r.hash.update(copy);
    r.parts.push(new Blob([copy]));
    r.at += copy.length;
    this.progress(r.ui, r.name, 'receiving', r.at / r.size);
    if (r.at === r.size) this.received(r);
  }

  // received checks the SHA-256 the offer announced, says done (or aborts
  // with code 5) and hands the Blob over.
  received(r) {
    const flag = r.mine ? mine : 0;
    const got = r.hash.digest();
    r.hash = null;
    if (!got.every((v, i) => v === r.want[i])) {
      this.ch.send(small(T.abort, r.id, new Uint8Array([5, 0, 0]), flag));
      this.end(r, 'failed', 'hash mismatch');
      return;
    }
    this.ch.send(small(T.done, r.id, text(r.name), flag));
    this.end(r, 'fetched', new Blob(r.parts));
  }

  end(s, state, detail) {
    (s.incoming ? this.incoming : this.sends).delete(s.id);
    s.ended = true;
    this.progress(s.ui, s.name, state, detail);
  }

  // linkLost ends every transfer with the link (the channel closed, or
  // the session ended); receptions keep what they got for a resume, and
  // the page says what to do again: send the file, fetch it, or ask the
  // customer to send it.
  linkLost() {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.sends.values(), ...this.incoming.values()]) this.cut(s);
  }

  cut(s) {
    this.store.keep(s);
    this.end(s, 'cut', { kind: s.incoming ? 'incoming' : s.fetch ? 'fetch' : 'send', file: s.file, path: s.path, at: s.at || 0 });
  }

  // stream sends the file from offset in data messages, waiting for the
  // channel to drain past the high-water mark.
  async stream(s, offset) {
    if (offset) this.progress(s.ui, s.name, 'resumed', offset);
    const reader = s.file.slice(offset).stream().getReader();
    let at = offset;
    for (;;) {
      const { done, value } = await reader.read();
      if (done || s.ended) return;
      for (let i = 0; i < value.length && !s.ended; i += maxPayload) {
        const piece = value.subarray(i, i + maxPayload);
        const b = dataMessage(s.id, at, piece);
        if (this.ch.bufferedAmount > highWater) await this.drained();
        if (this.ch.readyState !== 'open' || s.ended) return;
        this.ch.send(b);
        at += piece.length;
        this.progress(s.ui, s.name, 'sending', s.file.size ? at / s.file.size : 1);
      }
    }
  }

  drained() {
    return new Promise((resolve) => this.ch.addEventListener('bufferedamountlow', resolve, { once: true }));
  }
}
