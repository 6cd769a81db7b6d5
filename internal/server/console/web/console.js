// console.js: the operator's console. Logs in with SCRAM (scram.js), then
// opens sessions over the signaling WebSocket (docs/wire.md section 3)
// and, once the customer joins, plays the technician's side of the peer
// link (link.js) and shows their screen (screen.js). The session token
// stays in an HttpOnly cookie this script cannot read; it holds only the
// CSRF token, in memory.

import { Client, ScramError } from './scram.js';
import { t, translate } from './i18n.js';
import { Link } from './link.js';
import { Screen } from './screen.js';
import { Desk } from './desk.js';

const $ = (id) => document.getElementById(id);
let csrf = '';
let socket = null;
let link = null;
let screen = null;
let iceServers = [];
let desk = null;
let inviting = ''; // the conversation whose customer the next session is for
// The session's resume secret (docs/wire.md 3.6): in memory only, never
// in storage; it lets the page take its place again on a new socket.
let resumable = null; // {session, secret}
let redial = null; // the running redial after a lost socket: {timer, wait, until}

// Redialling a lost signaling socket: 250 ms doubling to 5 s, each wait
// ±50 %, for at most 2 minutes (docs/wire.md 3.6).
const redialFirst = 250;
const redialMax = 5000;
const redialFor = 120000;
// A redial's socket that has not opened after this long is closed and
// tried again: a dead path may leave it connecting for minutes.
const redialConnect = 10000;

class HTTPError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function call(method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (csrf) headers['X-Tandem-CSRF'] = csrf;
  const res = await fetch('/console/api/' + path, {
    method, headers, body: body ? JSON.stringify(body) : undefined, credentials: 'same-origin', cache: 'no-store',
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) throw new HTTPError(res.status, data.code || data.error || '', data.error || data.message || res.statusText);
  return data;
}

function show(view) {
  $('app').dataset.view = view;
  $('login-view').hidden = view !== 'login';
  $('main-view').hidden = view !== 'main';
}

function loggedIn(me) {
  csrf = me.csrf;
  desk.connect();
  $('operator-name').textContent = me.name || me.id;
  show('main');
  $('start').focus();
}

function loginMessage(err) {
  if (err instanceof ScramError) return t('error', { msg: err.message });
  if (!(err instanceof HTTPError)) return t('network');
  return {
    login_failed: t('loginFailed'), throttled: t('throttled'), too_many_starts: t('tooManyStarts'),
    password_expired: t('expired'), cross_origin: t('crossOrigin'),
  }[err.code] || t('error', { msg: err.message });
}

async function logIn(ev) {
  ev.preventDefault();
  const id = $('id').value.trim();
  const password = $('password').value;
  const totp = $('totp').value.replace(/\s/g, '');
  const out = $('login-error');
  if (!id || !password) { out.textContent = t('missing'); return; }
  const button = $('login-button');
  button.disabled = true;
  button.textContent = t('loggingIn');
  out.textContent = '';
  try {
    const scram = new Client(id, password);
    const start = await call('POST', 'login/start', { id, client_first: scram.first() });
    const final = await scram.final(start.server_first);
    const body = { login_id: start.login_id, client_final: final };
    if (totp) body.totp = totp;
    const fin = await call('POST', 'login/finish', body);
    csrf = fin.csrf;
    if (!(await scram.verify(fin.server_final))) {
      await logOut();
      out.textContent = t('serverUnproven');
      return;
    }
    $('password').value = '';
    $('totp').value = '';
    loggedIn(fin);
  } catch (err) {
    out.textContent = loginMessage(err);
    $('password').select();
  } finally {
    button.disabled = false;
    button.textContent = t('logIn');
  }
}

async function logOut() {
  endSession('hangup');
  desk.close();
  try { await call('POST', 'logout'); } catch { /* the cookie is gone or expired either way */ }
  csrf = '';
  show('login');
  $('id').focus();
}

function send(type, body) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ v: 1, type, body }));
}

function endSession(reason) {
  stopRedial();
  resumable = null;
  if (link) {
    link.close(reason);
    link = null;
    screen.detach();
  }
  if (!socket) return;
  send('bye', { reason });
  socket.close(1000);
  socket = null;
}

// joined starts the peer link once the customer's agent is there: the
// page offers, as the desktop technician does.
async function joined() {
  const status = $('session-status');
  status.textContent = t('joined');
  $('code-card').hidden = true;
  link = new Link(iceServers, {
    signal: (data) => send('signal', { data }),
    video: (stream) => screen.video(stream),
    control: (env) => screen.control(env),
    chat: (msg) => screen.chat(msg),
    cursor: (buf) => screen.pointer(buf),
    file: (buf) => screen.fileMessage(buf),
    ciphers: (c) => screen.ciphers(c),
    proven: () => { status.textContent = t('connected'); link.requestMode('control'); },
    failed: (reason) => {
      endSession(reason === 'weak-cipher' ? 'hangup' : reason);
      status.textContent = reason === 'weak-cipher' ? t('weakCipher') : t('ended');
    },
  });
  screen.attach(link);
  try {
    await link.start();
  } catch (err) {
    status.textContent = t('sessionError', { msg: err.message });
  }
}

function onSignal(data) {
  if (!link || !data) return;
  link.signal(data).catch((err) => { $('session-status').textContent = t('sessionError', { msg: err.message }); });
}

// startSession opens a session like the desktop technician: open, then
// opened with the code. The token in open is a placeholder: the server
// takes the cookie's.
function startSession() {
  endSession('hangup');
  $('session-status').textContent = t('starting');
  $('start').disabled = true;
  dial({ type: 'open', body: { token: 'cookie' } });
}

// dial opens the signaling socket and sends first as its first message:
// open, or resume after a lost socket.
function dial(first) {
  const ws = new WebSocket(`wss://${location.host}/console/api/ws`);
  socket = ws;
  let stuck = 0;
  if (first.type === 'resume') stuck = setTimeout(() => ws.readyState === WebSocket.CONNECTING && ws.close(), redialConnect);
  ws.onopen = () => { clearTimeout(stuck); send(first.type, first.body); };
  ws.onmessage = (m) => {
    let env;
    try { env = JSON.parse(m.data); } catch { return; }
    if (socket === ws) onMessage(env);
  };
  ws.onclose = () => {
    clearTimeout(stuck);
    if (socket !== ws) { // ended on purpose, or replaced by a new session's
      if (!socket) closedSession();
      return;
    }
    socket = null;
    if (redial) { nextRedial(); return; }
    if (link && !link.closed && resumable) { lostSignaling(); return; }
    closedSession();
  };
}

function onMessage(env) {
  const status = $('session-status');
  const b = env.body || {};
  switch (env.type) {
    case 'opened':
      iceServers = b.ice_servers || [];
      resumable = null;
      showSession(b);
      status.textContent = t('waiting');
      if (inviting) desk.sendInvite(inviting, b.code);
      inviting = '';
      break;
    case 'resumable': resumable = { session: b.session, secret: b.secret }; break;
    case 'resumed': restoredSignaling(); break;
    case 'peer-resumed': if (link) link.restartIce(); break;
    case 'peer-joined': joined(); break;
    case 'signal': onSignal(b.data); break;
    case 'error':
      if (redial) {
        // invalid_code: the server no longer holds the session (restarted,
        // or it ended); anything else (busy, throttled) is tried again
        // when the socket closes.
        if (b.code === 'invalid_code') giveUpRedial();
        break;
      }
      status.textContent = t('sessionError', { msg: b.message || b.code });
      break;
    case 'bye':
      // Once the link is up, the server's peer-gone is not the end:
      // the two sides carry on over their link (docs/wire.md 3.3).
      if (b.reason === 'peer-gone' && link && link.proven) break;
      endSession(b.reason || 'hangup');
      status.textContent = t('ended');
      break;
  }
}

function closedSession() {
  const status = $('session-status');
  $('start').disabled = false;
  if (!link) $('session').hidden = true;
  if (status.textContent === t('starting')) status.textContent = t('sessionError', { msg: t('network') });
}

// lostSignaling starts redialling a socket that broke while the peer
// link lives; the session carries on over the link meanwhile.
function lostSignaling() {
  $('session-status').textContent = t('signalingLost');
  redial = { timer: 0, wait: redialFirst, until: Date.now() + redialFor };
  scheduleRedial();
}

function scheduleRedial() {
  const wait = redial.wait * (0.5 + Math.random());
  redial.wait = Math.min(redial.wait * 2, redialMax);
  if (Date.now() + wait > redial.until) { giveUpRedial(); return; }
  redial.timer = setTimeout(() => {
    if (!redial) return;
    redial.timer = 0;
    if (!link || link.closed || !resumable) { giveUpRedial(); return; }
    dial({ type: 'resume', body: { session: resumable.session, role: 'technician', secret: resumable.secret } });
  }, wait);
}

function nextRedial() {
  if (link && !link.closed) scheduleRedial();
  else stopRedial();
}

// restoredSignaling: the new socket holds the page's place; signals sent
// meanwhile were dropped, so the page restarts ICE (it offers).
function restoredSignaling() {
  stopRedial();
  $('session-status').textContent = t('signalingRestored');
  if (link) link.restartIce();
}

function giveUpRedial() {
  stopRedial();
  resumable = null;
  if (socket) { const ws = socket; socket = null; ws.close(1000); }
  $('session-status').textContent = t('signalingGone');
  $('start').disabled = false;
}

function stopRedial() {
  if (redial && redial.timer) clearTimeout(redial.timer);
  redial = null;
}

function showSession(b) {
  $('code').textContent = b.code;
  const link = `${location.origin}/s/${b.code}`;
  $('link').href = link;
  $('link').textContent = link;
  $('copied').textContent = '';
  $('expires').textContent = t('expires', { time: new Date(b.expires).toLocaleTimeString(document.documentElement.lang) });
  $('session').hidden = false;
  $('code-card').hidden = false;
  $('copy').focus();
}

// copyLink uses the asynchronous clipboard, or, where the browser refuses
// it, copies a selection of the link's text.
async function copyLink() {
  const out = $('copied');
  try {
    await navigator.clipboard.writeText($('link').href);
    out.textContent = t('copied');
    return;
  } catch { /* fall back to the selection */ }
  const range = document.createRange();
  range.selectNodeContents($('link'));
  const sel = getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  out.textContent = document.execCommand('copy') ? t('copied') : t('copyFailed');
}

async function init() {
  translate();
  screen = new Screen();
  desk = new Desk((conversation) => { inviting = conversation; startSession(); });
  $('login-form').addEventListener('submit', logIn);
  $('logout').addEventListener('click', logOut);
  $('start').addEventListener('click', startSession);
  $('end').addEventListener('click', () => { endSession('hangup'); $('session-status').textContent = t('ended'); });
  $('copy').addEventListener('click', copyLink);
  window.addEventListener('pagehide', () => endSession('hangup'));
  try {
    loggedIn(await call('GET', 'me'));
  } catch {
    show('login');
    $('id').focus();
  }
}

init();
