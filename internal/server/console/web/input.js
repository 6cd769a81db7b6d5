// input.js: the operator's pointer and keyboard, encoded for the input
// channel (docs/wire.md section 7: little-endian, one event a message).
// Keys travel as the physical key (KeyboardEvent.code's index in keys.js)
// with the keysym the operator's layout produced; what no key names (an
// input method's result, a character the browser types without a key
// press) travels as Text.

import { codes, usKeysyms } from './keys.js';

const T = { move: 1, down: 2, up: 3, wheel: 4, keyDown: 5, keyUp: 6, text: 7, releaseAll: 8 };
const maxText = 4096;
const codeIndex = new Map(codes.map((c, i) => [c, i]));

export function pointerMove(monitor, x, y) {
  const b = new DataView(new ArrayBuffer(6));
  b.setUint8(0, T.move);
  b.setUint8(1, monitor);
  b.setUint16(2, x, true);
  b.setUint16(4, y, true);
  return b.buffer;
}

export function button(down, n) { return new Uint8Array([down ? T.down : T.up, n]).buffer; }

export function wheel(dx, dy) {
  const b = new DataView(new ArrayBuffer(5));
  b.setUint8(0, T.wheel);
  b.setInt16(1, dx, true);
  b.setInt16(3, dy, true);
  return b.buffer;
}

export function key(down, code, keysym) {
  const b = new DataView(new ArrayBuffer(6));
  b.setUint8(0, down ? T.keyDown : T.keyUp);
  b.setUint8(1, code);
  b.setUint32(2, keysym, true);
  return b.buffer;
}

export function releaseAll() { return new Uint8Array([T.releaseAll]).buffer; }

// texts splits s into Text messages of at most maxText bytes, never
// inside a character.
export function texts(s) { return pieces(s, maxText).map((p) => textMessage(new TextEncoder().encode(p))); }

// pieces cuts s into strings of at most max UTF-8 bytes, only between
// characters.
export function pieces(s, max) {
  const out = [];
  let piece = '';
  let n = 0;
  for (const ch of s) {
    const size = new TextEncoder().encode(ch).length;
    if (n + size > max) { out.push(piece); piece = ''; n = 0; }
    piece += ch;
    n += size;
  }
  if (piece) out.push(piece);
  return out;
}

function textMessage(bytes) {
  const b = new Uint8Array(3 + bytes.length);
  b[0] = T.text;
  new DataView(b.buffer).setUint16(1, bytes.length, true);
  b.set(bytes, 3);
  return b.buffer;
}

// runeKeysym is a character's X keysym: Latin-1 as itself, the rest in the
// Unicode keysym range.
export function runeKeysym(ch) {
  const c = ch.codePointAt(0);
  if (c < 0x20 || (c >= 0x7f && c < 0xa0)) return 0;
  return c <= 0xff ? c : 0x01000000 + c;
}

// keysymOf returns the keysym of a key event: its character if it typed
// one, else the keysym X gives the physical key on a US layout (Enter,
// arrows, modifiers, function keys). -1: the key belongs to an input
// method or a dead key; its result arrives as text.
export function keysymOf(e, code) {
  if (e.key === 'Dead' || e.key === 'Process' || e.isComposing) return -1;
  if ([...e.key].length === 1) return runeKeysym(e.key);
  return usKeysyms[code] || 0;
}

// Buttons: the wire numbers left, middle, right, back, forward from 1;
// the DOM from 0.
export function wireButton(domButton) { return domButton >= 0 && domButton <= 4 ? domButton + 1 : 0; }

// Keyboard turns DOM key events into input messages and remembers what is
// held, to release it when the page loses focus.
export class Keyboard {
  constructor(send) { this.send = send; this.held = new Map(); this.pendingPaste = null; }

  // down handles keydown; it reports whether the event was sent (the
  // caller then prevents the browser's own handling). Ctrl-V (Cmd-V) is
  // held back and left to the browser: its paste event carries the
  // operator's clipboard, which goes first (pasted sends the key after).
  down(e) {
    const code = codeIndex.get(e.code) || 0;
    const ks = keysymOf(e, code);
    if (ks < 0 || (code === 0 && ks === 0)) return false;
    if ((e.ctrlKey || e.metaKey) && e.code === 'KeyV') {
      this.pendingPaste = [code, ks];
      return false;
    }
    this.held.set(e.code || e.key, [code, ks]);
    this.send(key(true, code, ks));
    return true;
  }

  up(e) {
    const k = e.code || e.key;
    const h = this.held.get(k);
    if (!h) return false;
    this.held.delete(k);
    this.send(key(false, h[0], h[1]));
    return true;
  }

  text(s) { for (const m of texts(s)) this.send(m); }

  // pasted sends the Ctrl-V held back by down, once the clipboard is on
  // its way.
  pasted() {
    const p = this.pendingPaste;
    this.pendingPaste = null;
    if (!p) return;
    this.send(key(true, p[0], p[1]));
    this.send(key(false, p[0], p[1]));
  }

  // press sends one key by its KeyboardEvent.code name, with its US
  // keysym (the toolbar's special keys).
  press(name, down) {
    const code = codeIndex.get(name) || 0;
    this.send(key(down, code, usKeysyms[code] || 0));
  }

  // release lifts everything (focus lost, session ending).
  release() {
    this.held.clear();
    this.send(releaseAll());
  }
}

// maxClipPiece and maxClip bound the clipboard messages (docs/wire.md 6.4).
const maxClipPiece = 8192;
const maxClip = 1 << 20;

// clipboardPieces are the clipboard message bodies that carry s.
export function clipboardPieces(s) {
  const ps = pieces(s, maxClipPiece);
  if (!ps.length) return [{ text: '' }];
  return ps.map((text, i) => (i < ps.length - 1 ? { text, more: true } : { text }));
}

// ClipboardJoiner joins the agent's pieces; add returns the whole text
// once the last piece is in, or null. A text over 1 MiB is dropped whole.
export class ClipboardJoiner {
  constructor() { this.parts = []; this.size = 0; }

  add(b) {
    if (typeof b.text !== 'string') return null;
    this.size += new TextEncoder().encode(b.text).length;
    if (this.size <= maxClip) this.parts.push(b.text);
    if (b.more) return null;
    const whole = this.size <= maxClip ? this.parts.join('') : null;
    this.parts = [];
    this.size = 0;
    return whole;
  }
}
