// screen.js: the customer's screen in the page: the <video> (fit or 1:1),
// the operator's pointer, wheel and keyboard on it, the status line and
// the chat. It drives a Link (link.js) and knows nothing of signaling.

import { ClipboardJoiner, Keyboard, button, clipboardPieces, pointerMove, wheel, wireButton } from './input.js';
import { RemoteCursor } from './cursor.js';
import { FileStore, Files } from './files.js';
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

// Screen binds the remote view's elements to one link at a time.
export class Screen {
  constructor() {
    this.link = null;
    this.keyboard = new Keyboard((m) => this.link && this.link.sendInput(m));
    this.monitors = [];
    this.current = 0;
    this.mode = '';
    this.chatID = 0;
    this.lastBytes = 0;
    this.lastAt = 0;
    this.timer = 0;
    this.cursor = new RemoteCursor($('remote-cursor'), $('remote-video'));
    this.fileStore = new FileStore();
    this.composing = false;
    this.resetFigures();
    this.bind();
  }

  bind() {
    const video = $('remote-video');
    const keys = $('keys');
    const screen = $('screen');
    screen.addEventListener('pointerdown', (e) => this.onButton(e, true));
    screen.addEventListener('pointerup', (e) => this.onButton(e, false));
    screen.addEventListener('pointermove', (e) => this.onMove(e));
    screen.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    screen.addEventListener('contextmenu', (e) => e.preventDefault());
    keys.addEventListener('keydown', (e) => this.onKeyDown(e));
    keys.addEventListener('keyup', (e) => { if (this.keyboard.up(e)) e.preventDefault(); });
    keys.addEventListener('input', (e) => this.onInput(e));
    keys.addEventListener('compositionstart', () => { this.composing = true; });
    keys.addEventListener('compositionend', (e) => this.onComposed(e));
    keys.addEventListener('blur', () => this.keyboard.release());
    keys.addEventListener('paste', (e) => this.onPaste(e));
    $('copy-remote').addEventListener('click', () => this.copyRemote());
    screen.addEventListener('dragover', (e) => { if (this.link) e.preventDefault(); });
    screen.addEventListener('drop', (e) => { e.preventDefault(); this.sendFiles(e.dataTransfer && e.dataTransfer.files); });
    $('send-file').addEventListener('change', (e) => { this.sendFiles(e.target.files); e.target.value = ''; });
    $('fetch-form').addEventListener('submit', (e) => { e.preventDefault(); this.fetchFile(); });
    window.addEventListener('blur', () => this.keyboard.release());
    video.addEventListener('resize', () => this.sized());
    window.addEventListener('resize', () => this.cursor.schedule());
    $('fit').addEventListener('click', () => this.toggleFit());
    $('monitor').addEventListener('change', (e) => this.link && this.link.send('select-monitor', { id: Number(e.target.value) }));
    $('view-only').addEventListener('click', () => this.toggleViewOnly());
    $('demo').addEventListener('click', () => this.toggleDemo());
    for (const b of document.querySelectorAll('[data-keys]')) b.addEventListener('click', () => this.combo(b.dataset.keys));
    $('chat-form').addEventListener('submit', (e) => { e.preventDefault(); this.sendChat(); });
  }

  // resetFigures forgets the last session's latency figures: frame
  // announcements (RTP timestamp → capture time), capture → displayed
  // samples, and when control was allowed and the first frame shown.
  resetFigures() {
    this.captured = new Map();
    this.clipIn = new ClipboardJoiner();
    this.remoteClip = '';
    this.latencies = [];
    this.allowedAt = 0;
    this.firstShownAt = 0;
  }

  // attach starts showing link's session.
  attach(link) {
    this.link = link;
    this.mode = '';
    this.resetFigures();
    this.cursor.reset();
    $('remote').hidden = false;
    $('chat-log').textContent = '';
    $('ciphers').textContent = '';
    $('remote-clip').textContent = '';
    $('copy-remote').hidden = true;
    for (const li of [...$('transfers').children]) if (li.dataset.state !== 'cut') li.remove();
    this.files = null;
    this.timer = setInterval(() => this.status(), 1000);
  }

  detach() {
    clearInterval(this.timer);
    this.stopDemo('');
    if (this.files) this.files.linkLost();
    if (this.link) this.keyboard.release();
    this.link = null;
    $('remote-video').srcObject = null;
    $('remote').hidden = true;
  }

  controls() { return !!this.link && this.mode === 'control'; }

  video(stream) {
    const v = $('remote-video');
    v.srcObject = stream;
    v.play().catch(() => { /* muted video plays without a gesture; a refusal leaves the poster */ });
    const link = this.link;
    const onFrame = (now, meta) => {
      if (this.link !== link) return;
      this.shown(meta.expectedDisplayTime || now, meta.rtpTimestamp);
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  }

  // shown records a frame put on screen at (performance clock): the
  // first one after control was allowed, and its capture → displayed
  // latency when the agent announced the frame (its clock and this one
  // must agree: true on one machine or with NTP).
  shown(at, rtp) {
    const el = $('screen');
    if (!this.firstShownAt) {
      this.firstShownAt = at;
      this.firstFrame();
    }
    const cap = this.captured.get(rtp);
    if (cap === undefined) return;
    this.captured.delete(rtp);
    if (this.latencies.length < 4096) this.latencies.push(performance.timeOrigin + at - cap / 1e6);
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1);
    el.dataset.latency = `${pct(0.5)} ${pct(0.95)} ${sorted.length}`;
  }

  control(env) {
    const b = env.body || {};
    switch (env.type) {
      case 'mode': this.onMode(b); break;
      case 'screen-info': this.onScreens(b); break;
      case 'cursor-shape': if (typeof b.data === 'string') this.cursor.shape(b.data); break;
      case 'clipboard': this.onClipboard(b); break;
      case 'frame': if (this.captured.size < 2048) this.captured.set(b.ts >>> 0, b.cap); break;
    }
  }

  // onScreens lists the monitors in the picker; 0 shares them all.
  onScreens(b) {
    this.monitors = b.monitors || [];
    this.current = b.current || 0;
    const sel = $('monitor');
    sel.textContent = '';
    const opts = [[0, t('allMonitors')], ...this.monitors.map((m) => [m.id, `${m.name || m.id} (${m.width}×${m.height})`])];
    for (const [id, label] of opts) sel.append(new Option(label, String(id), false, id === this.current));
  }

  // toggleViewOnly asks for view (granted at once: it is less) or for
  // control again (the customer is asked).
  toggleViewOnly() {
    if (!this.link) return;
    const b = $('view-only');
    const on = b.getAttribute('aria-pressed') !== 'true';
    b.setAttribute('aria-pressed', String(on));
    this.link.requestMode(on ? 'view' : 'control');
  }

  // toggleDemo shows the customer the operator's screen (or a window or
  // tab: the browser asks which) in demonstration mode, which the customer
  // allows in the agent; pressed again, or when the browser's sharing
  // stops, it asks for control back.
  async toggleDemo() {
    if (!this.link) return;
    if (this.sharing) {
      this.stopDemo('control');
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 30 }, audio: false });
    } catch {
      return; // the operator chose nothing
    }
    const track = stream.getVideoTracks()[0];
    this.sharing = track;
    track.addEventListener('ended', () => this.stopDemo('control'));
    await this.link.shareScreen(track);
    $('demo').setAttribute('aria-pressed', 'true');
    this.demoOn = false;
    this.demoID = this.link.requestMode('demonstrate');
  }

  stopDemo(mode) {
    const track = this.sharing;
    if (!track) return;
    this.sharing = null;
    track.stop();
    $('demo').setAttribute('aria-pressed', 'false');
    if (this.link) {
      this.link.shareScreen(null);
      if (mode) this.link.requestMode(mode);
    }
  }

  // combo presses the named keys in order and releases them in reverse:
  // the special keys the operator's own system would keep for itself.
  combo(names) {
    if (!this.controls()) return;
    const keys = names.split(' ');
    for (const k of keys) this.keyboard.press(k, true);
    for (const k of keys.reverse()) this.keyboard.press(k, false);
    $('keys').focus({ preventScroll: true });
  }

  // firstFrame publishes allowed → first frame shown (negative if the
  // picture overtook the answer), once both are known.
  firstFrame() {
    if (this.allowedAt && this.firstShownAt) $('screen').dataset.firstFrameMs = String(Math.round(this.firstShownAt - this.allowedAt));
  }

  onMode(b) {
    if (b.answer === 'allowed' && !this.allowedAt) {
      this.allowedAt = performance.now();
      this.firstFrame();
    }
    const suspended = b.input_suspended && b.mode === 'control'; // only control takes input
    this.mode = b.paused || suspended ? 'view' : b.mode;
    if (b.mode) $('session-status').textContent = t('live');
    $('view-only').setAttribute('aria-pressed', String(b.mode === 'view'));
    // The demonstration refused, or left later: stop sharing.
    if (this.sharing && b.request === this.demoID) {
      if (b.answer === 'allowed') this.demoOn = true;
      else this.stopDemo('');
    } else if (this.sharing && this.demoOn && !b.request && b.mode !== 'demonstrate') {
      this.stopDemo('');
    }
    const key = b.paused ? 'modePaused' : suspended ? 'modeSuspended' : 'mode_' + (b.mode || 'none');
    $('mode').textContent = t(key);
    if (b.request && b.answer && b.answer !== 'allowed') $('mode').textContent += ' ' + t('answer_' + b.answer);
  }

  ciphers(c) {
    const el = $('ciphers');
    el.dataset.dtls = c.dtls;
    el.dataset.srtp = c.srtp;
    el.textContent = t('ciphers', { dtls: c.dtls || '?', srtp: c.srtp || '?' });
  }

  // target maps a pointer event to the shared monitor's pixels, or null
  // outside the picture (object-fit: contain leaves bars).
  target(e) {
    const v = $('remote-video');
    const vw = v.videoWidth;
    const vh = v.videoHeight;
    if (!vw || !vh) return null;
    const r = v.getBoundingClientRect();
    const scale = Math.min(r.width / vw, r.height / vh);
    const x = (e.clientX - r.left - (r.width - vw * scale) / 2) / scale;
    const y = (e.clientY - r.top - (r.height - vh * scale) / 2) / scale;
    if (x < 0 || y < 0 || x >= vw || y >= vh) return null;
    const [mw, mh] = this.monitorSize(vw, vh);
    return { x: Math.floor((x * mw) / vw), y: Math.floor((y * mh) / vh) };
  }

  // monitorSize is the shared monitor's size in pixels (the bounding box
  // of all of them for monitor 0), or the video's before screen-info.
  monitorSize(vw, vh) {
    const ms = this.current ? this.monitors.filter((m) => m.id === this.current) : this.monitors;
    if (!ms.length) return [vw, vh];
    const x0 = Math.min(...ms.map((m) => m.x));
    const y0 = Math.min(...ms.map((m) => m.y));
    const x1 = Math.max(...ms.map((m) => m.x + m.width));
    const y1 = Math.max(...ms.map((m) => m.y + m.height));
    return [x1 - x0, y1 - y0];
  }

  onMove(e) {
    if (!this.controls()) return;
    const p = this.target(e);
    if (p) this.link.sendInput(pointerMove(this.current, p.x, p.y));
  }

  onButton(e, down) {
    $('keys').focus({ preventScroll: true });
    $('keys-status').textContent = '';
    e.preventDefault();
    const n = wireButton(e.button);
    if (!this.controls() || !n) return;
    if (down) {
      $('screen').setPointerCapture(e.pointerId);
      this.capturedPointer = e.pointerId;
    }
    this.onMove(e);
    this.link.sendInput(button(down, n));
  }

  onWheel(e) {
    if (!this.controls()) return;
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 40 : e.deltaMode === 2 ? 120 * 3 : 1.2;
    const clamp = (v) => Math.max(-32768, Math.min(32767, Math.round(v * unit)));
    this.link.sendInput(wheel(clamp(e.deltaX), clamp(e.deltaY)));
  }

  // onKeyDown sends a key, except during an input method's composition
  // (its result comes once, as text) and for the way out: Ctrl+Alt+Shift
  // gives the keyboard back to the page.
  onKeyDown(e) {
    if (this.composing || e.isComposing) return;
    if (e.ctrlKey && e.altKey && e.shiftKey && ['Control', 'Alt', 'Shift'].includes(e.key)) {
      e.preventDefault();
      this.leaveKeyboard();
      return;
    }
    if (this.controls() && this.keyboard.down(e)) e.preventDefault();
  }

  // leaveKeyboard releases what the customer's computer holds pressed and
  // the pointer capture, and moves the focus out of the picture (Tab then
  // moves between the page's controls), saying so to screen readers.
  leaveKeyboard() {
    this.keyboard.release();
    const screen = $('screen');
    if (this.capturedPointer !== undefined && screen.hasPointerCapture(this.capturedPointer)) {
      screen.releasePointerCapture(this.capturedPointer);
    }
    $('keys-help').focus();
    $('keys-status').textContent = t('keysLeft');
  }

  // onInput sends typed text no key event carried (a character the
  // browser types without a key press); a composition's text waits for
  // its end.
  onInput(e) {
    const keys = $('keys');
    if (this.composing || e.isComposing || e.inputType === 'insertCompositionText') return;
    if (this.controls() && e.data && e.inputType.startsWith('insert')) this.keyboard.text(e.data);
    keys.value = '';
  }

  // onComposed sends what an input method composed, once, as text.
  onComposed(e) {
    this.composing = false;
    if (this.controls() && e.data) this.keyboard.text(e.data);
    $('keys').value = '';
  }

  // onPaste sends the operator's clipboard (the paste event's, which
  // needs no permission) to the customer's clipboard, then the Ctrl-V
  // that asked for it.
  onPaste(e) {
    e.preventDefault();
    if (!this.controls()) return;
    const text = e.clipboardData ? e.clipboardData.getData('text/plain') : '';
    if (text) for (const body of clipboardPieces(text)) this.link.send('clipboard', body);
    this.keyboard.pasted();
  }

  // onClipboard receives what the customer copied: it goes to the
  // operator's clipboard if the browser lets the page write it, else the
  // Copy button beside its preview does it (a click always may).
  onClipboard(b) {
    const text = this.clipIn.add(b);
    if (text === null) return;
    this.remoteClip = text;
    const out = $('remote-clip');
    out.dataset.length = String(text.length);
    out.textContent = t('remoteClip', { text: text.length > 80 ? text.slice(0, 80) + '…' : text });
    $('copy-remote').hidden = false;
    navigator.clipboard.writeText(text).then(() => { out.textContent += ' ' + t('copiedHere'); }, () => {});
  }

  async copyRemote() {
    try {
      await navigator.clipboard.writeText(this.remoteClip);
      $('remote-clip').textContent += ' ' + t('copiedHere');
    } catch { /* the preview stays for the operator to select */ }
  }

  filesLink() {
    if (!this.files) this.files = new Files(this.link.channels.file, (...a) => this.onTransfer(...a), this.fileStore);
    return this.files;
  }

  // fetchFile asks for the typed path; the customer is asked.
  fetchFile() {
    const path = $('fetch-path').value.trim();
    if (!path || !this.link || !this.link.proven) return;
    this.filesLink().request(path);
    $('fetch-path').value = '';
  }

  // sendFiles offers each file to the customer, who is asked for each.
  sendFiles(list) {
    if (!this.link || !this.link.proven || !list) return;
    this.filesLink();
    for (const f of list) this.files.offer(f).catch((err) => this.onTransfer(0, f.name, 'failed', err.message));
  }

  fileMessage(buf) { if (this.files) this.files.onMessage(buf); }

  // onTransfer shows a transfer's progress under its number, with what
  // the operator may do: accept or decline the customer's file, save a
  // received one, try a cut one again.
  onTransfer(id, name, state, detail) {
    let li = document.getElementById('transfer-' + id);
    if (!li) {
      li = document.createElement('li');
      li.id = 'transfer-' + id;
      $('transfers').append(li);
    }
    if (state === 'resumed') {
      li.dataset.resumed = String(detail);
      return;
    }
    li.dataset.state = state;
    const moving = state === 'sending' || state === 'receiving';
    if (moving) li.dataset.fraction = String(detail);
    const pct = moving ? Math.floor(detail * 100) : 0;
    const size = state === 'offered' ? formatSize(detail) : '';
    li.textContent = t('transfer_' + (state === 'cut' ? 'cut_' + detail.kind : state), { name, pct, size, detail: String(detail) });
    if (state === 'offered') {
      li.append(' ', this.transferButton('accept-' + id, t('accept'), () => this.files && this.files.acceptIncoming(id)),
        ' ', this.transferButton('decline-' + id, t('decline'), () => this.files && this.files.declineIncoming(id)));
    } else if (state === 'fetched') {
      const a = document.createElement('a');
      a.id = 'save-' + id;
      a.href = URL.createObjectURL(detail);
      a.download = name.split(/[\\/]/).pop();
      a.textContent = t('save', { name: a.download });
      li.append(' ', a);
    } else if (state === 'cut') {
      li.dataset.held = String(detail.at);
      if (detail.kind !== 'incoming') li.append(' ', this.transferButton('again-' + id, t('again'), () => this.again(li, detail)));
    }
  }

  transferButton(id, label, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.id = id;
    b.className = 'secondary';
    b.textContent = label;
    b.addEventListener('click', onClick);
    return b;
  }

  // again offers a cut file or asks for a cut fetch once more, on the
  // session's link: what either side kept is not sent twice.
  again(li, cut) {
    if (!this.link || !this.link.proven) return;
    li.remove();
    if (cut.kind === 'send') this.sendFiles([cut.file]);
    else this.filesLink().request(cut.path);
  }

  toggleFit() {
    const b = $('fit');
    const fit = b.getAttribute('aria-pressed') !== 'true';
    b.setAttribute('aria-pressed', String(fit));
    $('screen').classList.toggle('actual', !fit);
    this.cursor.schedule();
  }

  sized() {
    const v = $('remote-video');
    $('screen').dataset.size = `${v.videoWidth}x${v.videoHeight}`;
    this.cursor.schedule();
  }

  pointer(buf) { if (buf instanceof ArrayBuffer) this.cursor.position(buf); }

  async status() {
    if (!this.link || !this.link.pc) return;
    const s = await this.link.stats();
    const now = performance.now();
    const mbps = this.lastAt ? ((s.bytes - this.lastBytes) * 8) / ((now - this.lastAt) * 1000) : 0;
    this.lastBytes = s.bytes;
    this.lastAt = now;
    if (!s.path) return;
    $('link-status').textContent = t('status', {
      path: t(s.path), protocol: s.protocol, rtt: Math.round(s.rtt * 1000), fps: Math.round(s.fps), mbps: mbps.toFixed(1),
    });
  }

  chat(msg) {
    if (!msg || typeof msg.text !== 'string') return;
    this.addChat(t('customer'), msg.text);
  }

  sendChat() {
    const input = $('chat-text');
    const text = cleanChat(input.value);
    if (!text || !this.link) return;
    this.chatID += 1;
    this.link.sendChat({ v: 1, id: this.chatID, text, sent: new Date().toISOString() });
    this.addChat(t('you'), text);
    input.value = '';
  }

  addChat(who, text) {
    const li = document.createElement('li');
    const name = document.createElement('strong');
    name.textContent = who + ' ';
    li.append(name, document.createTextNode(text));
    $('chat-log').append(li);
  }
}

// formatSize words a byte count for people.
function formatSize(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

// cleanChat cleans typed text as docs/wire.md section 11 says (the agent
// drops a message whose cleaning would change it).
export function cleanChat(s) {
  return s
    .replace(/[\u2028\u2029]/g, '\n')
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
    .trim();
}
