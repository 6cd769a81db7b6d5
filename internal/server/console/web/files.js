// files.js: sending files to the customer on the file channel
// (docs/wire.md section 9, big-endian): offer, then the agent's accept
// (from an offset: a resume), refuse, done or abort. The file is read,
// hashed and sent in pieces, never held whole in memory.

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

// Files sends files on channel; progress(id, name, state, detail) reports
// each transfer: hashing, waiting (for the customer), sending (detail:
// the fraction sent), done (detail: the name it was saved as), refused or
// failed (detail: the reason).
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

  // onMessage handles the agent's answers to our offers; requests and
  // offers of its own are not served by the page yet.
  onMessage(buf) {
    if (!(buf instanceof ArrayBuffer) || buf.byteLength < 5) return;
    const dv = new DataView(buf);
    const type = dv.getUint8(0) & 0x7f;
    const s = this.sends.get(dv.getUint32(1));
    if (!s || dv.getUint8(0) & mine) return;
    switch (type) {
      case T.accept: this.stream(s, Number(dv.getBigUint64(5))); break;
      case T.done: this.end(s, 'done', readText(dv, 5)); break;
      case T.refuse: case T.abort: this.end(s, type === T.refuse ? 'refused' : 'failed', readText(dv, 6)); break;
    }
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
