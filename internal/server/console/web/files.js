// files.js: files on the file channel (docs/wire.md section 9,
// big-endian). Sending: offer, then the agent's accept (from an offset: a
// resume), refuse, done or abort; the file is read, hashed and sent in
// pieces, never held whole in memory. Fetching: request a path, accept
// the agent's offer from 0, check the SHA-256 as data arrives, and hand
// the page a Blob (the browser keeps large ones on disk) to save.

import { SHA256 } from './sha256.js';

const T = { offer: 1, request: 2, accept: 3, refuse: 4, data: 5, done: 6, abort: 7 };
const mine = 0x80;
const maxPayload = 65536 - 13;
const highWater = 4 << 20; // wait for bufferedamountlow beyond this
const enc = new TextEncoder();

function header(type, id, rest) {
  const b = new Uint8Array(5 + rest);
  b[0] = type | mine;
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

function small(type, id, body) {
  const b = header(type, id, body.length);
  b.set(body, 5);
  return b;
}

// Files sends and fetches files on channel; progress(id, name, state,
// detail) reports each transfer: hashing, waiting (for the customer),
// sending or receiving (detail: the fraction done), done (detail: the
// name it was saved as), fetched (detail: a Blob), refused or failed
// (detail: the reason).
export class Files {
  constructor(channel, progress) {
    this.ch = channel;
    this.progress = progress;
    this.nextID = 1;
    this.sends = new Map();
    channel.bufferedAmountLowThreshold = highWater / 2;
  }

  async offer(file) {
    const id = this.nextID++;
    this.sends.set(id, { file, id });
    this.progress(id, file.name, 'hashing', 0);
    const sha = await hashFile(file);
    const key = await transferKey(file.name, file.size, sha);
    this.ch.send(offerMessage(id, file.name, file.size, sha, key));
    this.progress(id, file.name, 'waiting', 0);
  }

  // request asks the agent for the file at path (the customer is asked).
  request(path) {
    const id = this.nextID++;
    this.sends.set(id, { id, path, file: { name: path }, fetch: true });
    this.ch.send(small(T.request, id, text(path)));
    this.progress(id, path, 'waiting', 0);
  }

  // onMessage handles the agent's answers to our offers and requests;
  // offers the agent starts itself are not served by the page yet.
  onMessage(buf) {
    if (!(buf instanceof ArrayBuffer) || buf.byteLength < 5) return;
    const dv = new DataView(buf);
    const type = dv.getUint8(0) & 0x7f;
    const s = this.sends.get(dv.getUint32(1));
    if (!s || dv.getUint8(0) & mine) return;
    if (s.fetch && (type === T.offer || type === T.data)) {
      if (type === T.offer) this.fetchOffer(s, dv);
      else this.fetchData(s, new Uint8Array(buf, 13), Number(dv.getBigUint64(5)));
      return;
    }
    switch (type) {
      case T.accept: this.stream(s, Number(dv.getBigUint64(5))); break;
      case T.done: this.end(s, 'done', readText(dv, 5)); break;
      case T.refuse: case T.abort: this.end(s, type === T.refuse ? 'refused' : 'failed', readText(dv, 6)); break;
    }
  }

  // fetchOffer accepts what the agent serves for a request, from 0.
  fetchOffer(s, dv) {
    s.size = Number(dv.getBigUint64(5));
    s.want = new Uint8Array(dv.buffer.slice(13, 45));
    s.name = readText(dv, 61);
    s.file = { name: s.name };
    s.hash = new SHA256();
    s.parts = [];
    s.at = 0;
    this.ch.send(small(T.accept, s.id, u64(0)));
    this.progress(s.id, s.name, 'receiving', 0);
    if (s.size === 0) this.fetched(s);
  }

  fetchData(s, bytes, offset) {
    if (!s.hash || offset !== s.at || s.at + bytes.length > s.size) {
      this.ch.send(small(T.abort, s.id, new Uint8Array([8, 0, 0])));
      this.end(s, 'failed', 'out of order');
      return;
    }
    const copy = bytes.slice();
    s.hash.update(copy);
    s.parts.push(new Blob([copy]));
    s.at += copy.length;
    this.progress(s.id, s.name, 'receiving', s.at / s.size);
    if (s.at === s.size) this.fetched(s);
  }

  // fetched checks the SHA-256 the offer announced, says done (or aborts
  // with code 5) and hands the Blob over.
  fetched(s) {
    const got = s.hash.digest();
    if (!got.every((v, i) => v === s.want[i])) {
      this.ch.send(small(T.abort, s.id, new Uint8Array([5, 0, 0])));
      this.end(s, 'failed', 'hash mismatch');
      return;
    }
    this.ch.send(small(T.done, s.id, text(s.name)));
    this.end(s, 'fetched', new Blob(s.parts));
  }

  end(s, state, detail) {
    this.sends.delete(s.id);
    s.ended = true;
    this.progress(s.id, s.file.name, state, detail);
  }

  // stream sends the file from offset in data messages, waiting for the
  // channel to drain past the high-water mark.
  async stream(s, offset) {
    const reader = s.file.slice(offset).stream().getReader();
    let at = offset;
    for (;;) {
      const { done, value } = await reader.read();
      if (done || s.ended) return;
      for (let i = 0; i < value.length && !s.ended; i += maxPayload) {
        const piece = value.subarray(i, i + maxPayload);
        const b = dataMessage(s.id, at, piece);
        if (this.ch.bufferedAmount > highWater) await this.drained();
        if (this.ch.readyState !== 'open') return;
        this.ch.send(b);
        at += piece.length;
        this.progress(s.id, s.file.name, 'sending', s.file.size ? at / s.file.size : 1);
      }
    }
  }

  drained() {
    return new Promise((resolve) => this.ch.addEventListener('bufferedamountlow', resolve, { once: true }));
  }
}
