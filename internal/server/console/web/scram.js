// scram.js: SCRAM-SHA-256 (RFC 5802, RFC 7677) with WebCrypto, without
// channel binding (a page cannot read its TLS connection's exporter). The
// password is used only here, to derive keys; what is sent is a proof.

const enc = new TextEncoder();
const MIN_ITERATIONS = 4096; // RFC 7677's floor, as the desktop client

function b64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function unb64(s) {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

async function hmac(key, msg) {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, enc.encode(msg)));
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

async function pbkdf2(password, salt, iterations) {
  const k = await crypto.subtle.importKey('raw', enc.encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, k, 256);
  return new Uint8Array(bits);
}

// attrs parses "a=1,b=2" (values may hold '=').
function attrs(msg) {
  const out = {};
  for (const part of msg.split(',')) {
    const i = part.indexOf('=');
    if (i === 1) out[part[0]] = part.slice(2);
  }
  return out;
}

export class ScramError extends Error {}

// saslprep maps a password as SASLprep (RFC 4013) does before the server
// stored its keys: non-ASCII spaces (RFC 3454 C.1.2) become a space, the
// characters "commonly mapped to nothing" (B.1) go, then NFKC. What
// SASLprep prohibits the server never accepted as a password.
export function saslprep(s) {
  return s
    .replace(/[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/g, '')
    .replace(/[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g, ' ')
    .normalize('NFKC');
}

// Client runs one exchange: first() gives client-first-message,
// final(serverFirst) gives client-final-message, verify(serverFinal)
// checks the server's signature.
export class Client {
  constructor(id, password) {
    this.password = saslprep(password);
    this.user = id.replace(/=/g, '=3D').replace(/,/g, '=2C');
    this.nonce = b64(crypto.getRandomValues(new Uint8Array(18)));
    this.bare = `n=${this.user},r=${this.nonce}`;
  }

  first() {
    return 'n,,' + this.bare;
  }

  async final(serverFirst) {
    const a = attrs(serverFirst);
    const iterations = Number(a.i);
    if (!a.r || !a.r.startsWith(this.nonce) || a.r.length <= this.nonce.length || !a.s ||
        !Number.isInteger(iterations) || iterations < MIN_ITERATIONS || a.m !== undefined) {
      throw new ScramError('the server answered with an invalid SCRAM message');
    }
    const salted = await pbkdf2(this.password, unb64(a.s), iterations);
    const clientKey = await hmac(salted, 'Client Key');
    const storedKey = await sha256(clientKey);
    const withoutProof = 'c=biws,r=' + a.r; // biws: base64 of "n,,"
    this.authMessage = this.bare + ',' + serverFirst + ',' + withoutProof;
    const signature = await hmac(storedKey, this.authMessage);
    const proof = clientKey.map((b, i) => b ^ signature[i]);
    this.serverKey = await hmac(salted, 'Server Key');
    return withoutProof + ',p=' + b64(proof);
  }

  async verify(serverFinal) {
    const want = 'v=' + b64(await hmac(this.serverKey, this.authMessage));
    return serverFinal === want;
  }
}
