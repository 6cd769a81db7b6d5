// link.js: the console's side of the peer link, as the desktop
// technician plays it (docs/wire.md sections 2, 5 and 6). The page offers:
// one sendrecv video transceiver (mid 0), then the five pre-negotiated
// data channels (mid 1); it trickles candidates through the signaling
// socket, proves the link with hello / hello-ack on the control channel,
// checks the negotiated ciphers in getStats(), and asks for control.

// The DTLS suites and SRTP profile the page accepts, as getStats() names
// them: AES-256 only, as the agent's policy. Chromium 156 names the SRTP
// profile SRTP_AEAD_AES_256_GCM; the specification's example omits the
// prefix.
export const dtlsSuites = ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'];
export const srtpProfiles = ['SRTP_AEAD_AES_256_GCM', 'AEAD_AES_256_GCM'];

const channelSpecs = [
  ['control', { negotiated: true, id: 0 }],
  ['input', { negotiated: true, id: 1 }],
  ['file', { negotiated: true, id: 2 }],
  ['chat', { negotiated: true, id: 3 }],
  ['cursor', { negotiated: true, id: 4, ordered: false, maxRetransmits: 0 }],
];

// ICE restart (docs/wire.md 5.1): the page offers, so it restarts ICE
// when ICE fails or stays disconnected restartAfter ms, and gives the
// link up giveUpAfter ms into an outage.
const restartAfter = 2000;
const giveUpAfter = 30000;

// A getStats() report without DTLS suite is asked again cipherTries
// times, cipherRetry ms apart (checkCiphers).
const cipherTries = 20;
const cipherRetry = 100;

// consoleVersion is what hello says: "console/" tells the agent the
// operator is in a browser.
const consoleVersion = 'console/1';

function nonce() {
  const b = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// envelope is one control message (docs/wire.md 3.2).
export function envelope(type, body) { return JSON.stringify({ v: 1, type, body }); }

// Link is one session's peer connection. hooks: signal(data) sends a
// signal through the server; video(stream); control(env) gets what the
// link does not handle itself (mode, screen-info, frame, cursor-shape,
// clipboard); chat(msg); cursor(ArrayBuffer); file(ArrayBuffer); proven(); ciphers({dtls,
// srtp}); failed(reason).
export class Link {
  constructor(iceServers, hooks) {
    this.hooks = hooks;
    this.iceServers = iceServers || [];
    this.pending = [];
    this.remoteSet = false;
    this.nonce = nonce();
    this.channels = {};
    this.proven = false;
    this.modeID = 0;
    this.closed = false;
  }

  async start() {
    const cert = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' });
    const pc = new RTCPeerConnection({
      iceServers: this.iceServers, certificates: [cert], bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require',
    });
    this.pc = pc;
    pc.addTransceiver('video', { direction: 'sendrecv' });
    for (const [label, opts] of channelSpecs) {
      const ch = pc.createDataChannel(label, opts);
      ch.binaryType = 'arraybuffer';
      this.channels[label] = ch;
    }
    this.channels.control.onopen = () => this.send('hello', { nonce: this.nonce, version: consoleVersion });
    this.channels.control.onmessage = (m) => this.onControl(m.data);
    this.channels.chat.onmessage = (m) => this.hooks.chat && this.hooks.chat(decodeJSON(m.data));
    this.channels.cursor.onmessage = (m) => this.hooks.cursor && this.hooks.cursor(m.data);
    this.channels.file.onmessage = (m) => this.hooks.file && this.hooks.file(m.data);
    this.channels.input.onmessage = () => {};
    pc.onicecandidate = (e) => { if (e.candidate) this.hooks.signal({ candidate: e.candidate.toJSON() }); };
    pc.ontrack = (e) => {
      lowLatency(e.receiver);
      this.hooks.video(e.streams[0] || new MediaStream([e.track]));
    };
    pc.onconnectionstatechange = () => this.onState(pc.connectionState);
    pc.oniceconnectionstatechange = () => this.onICE(pc.iceConnectionState);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.hooks.signal({ description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
  }

  // signal applies what the agent sent: its answer or a candidate
  // (buffered until the answer is set).
  async signal(data) {
    if (!this.pc || this.closed) return;
    if (data.description) {
      if (data.description.type !== 'answer') return; // the page only offers
      await this.pc.setRemoteDescription(data.description);
      this.remoteSet = true;
      for (const c of this.pending.splice(0)) await this.addCandidate(c);
    } else if (data.candidate) {
      if (this.remoteSet) await this.addCandidate(data.candidate);
      else this.pending.push(data.candidate);
    }
  }

  async addCandidate(c) {
    try { await this.pc.addIceCandidate(c); } catch { /* a candidate of a finished generation */ }
  }

  onState(state) {
    if (state === 'connected' && !this.checked) {
      this.checked = true;
      this.checkCiphers();
    }
    // A failed ICE transport is restarted (onICE); a failed DTLS one is
    // the end.
    if (state === 'failed' && this.pc.iceConnectionState !== 'failed' && !this.closed) this.hooks.failed('link-lost');
  }

  // onICE restarts ICE after an outage and gives up after giveUpAfter.
  onICE(state) {
    if (this.closed) return;
    if (state === 'connected' || state === 'completed') {
      clearTimeout(this.restartTimer);
      clearTimeout(this.giveUpTimer);
      this.restartTimer = this.giveUpTimer = 0;
      return;
    }
    if (state !== 'disconnected' && state !== 'failed') return;
    if (!this.giveUpTimer) this.giveUpTimer = setTimeout(() => !this.closed && this.hooks.failed('link-lost'), giveUpAfter);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => this.restart(), state === 'failed' ? 0 : restartAfter);
  }

  // restart sends a new offer with new ICE credentials, rolling back one
  // that was never answered.
  async restart() {
    const pc = this.pc;
    if (this.closed || pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') return;
    try {
      if (pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
      await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
      this.hooks.signal({ description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
    } catch { /* the give-up timer ends the link */ }
    this.restartTimer = setTimeout(() => this.restart(), restartAfter * 2);
  }

  // restartIce restarts ICE now, whatever its state: after the page's
  // signaling socket resumed, or the agent's did, signals sent meanwhile
  // were dropped (docs/wire.md 3.6), so the page offers again with new
  // credentials, rolling back an offer that was never answered.
  async restartIce() {
    const pc = this.pc;
    if (!pc || this.closed) return;
    try {
      if (pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
      pc.restartIce();
      await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
      this.hooks.signal({ description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
    } catch { /* the ICE timers restart again if the path is lost */ }
  }

  // checkCiphers reads what DTLS and SRTP negotiated and ends the session
  // if either is weaker than AES-256. Chromium may answer getStats() with
  // a report cached from before DTLS connected (another caller asked
  // within 50 ms: the status line, say), which names no suite yet: that
  // one is asked again, cipherTries times cipherRetry ms apart, before
  // the session ends; a suite that is named and weak ends it at once.
  async checkCiphers() {
    let c = await this.ciphers();
    for (let i = 1; c.dtls === '' && i < cipherTries && !this.closed; i++) {
      await new Promise((ok) => setTimeout(ok, cipherRetry));
      c = await this.ciphers();
    }
    if (this.closed) return;
    this.hooks.ciphers(c);
    if (!dtlsSuites.includes(c.dtls) || !srtpProfiles.includes(c.srtp)) this.hooks.failed('weak-cipher');
  }

  async ciphers() {
    const stats = await this.pc.getStats();
    for (const s of stats.values()) {
      if (s.type === 'transport' && s.dtlsCipher) return { dtls: s.dtlsCipher, srtp: s.srtpCipher || '' };
    }
    return { dtls: '', srtp: '' };
  }

  send(type, body) {
    const ch = this.channels.control;
    if (ch && ch.readyState === 'open') ch.send(envelope(type, body));
  }

  sendInput(buf) {
    const ch = this.channels.input;
    if (this.proven && ch && ch.readyState === 'open') ch.send(buf);
  }

  sendChat(msg) {
    const ch = this.channels.chat;
    if (this.proven && ch && ch.readyState === 'open') ch.send(JSON.stringify(msg));
  }

  // shareScreen sends track (null: nothing) on the one video
  // transceiver, which was offered sendrecv: no renegotiation.
  async shareScreen(track) {
    const tr = this.pc.getTransceivers().find((x) => x.receiver.track && x.receiver.track.kind === 'video');
    if (tr) await tr.sender.replaceTrack(track);
  }

  // requestMode asks for mode and returns the request's id.
  requestMode(mode) {
    this.modeID += 1;
    this.send('mode-request', { id: this.modeID, mode });
    return this.modeID;
  }

  onControl(data) {
    const env = decodeJSON(data);
    if (!env || env.v !== 1 || !env.type) return;
    const b = env.body || {};
    switch (env.type) {
      case 'hello': this.send('hello-ack', { nonce: b.nonce, version: consoleVersion }); break;
      case 'hello-ack':
        if (b.nonce === this.nonce && !this.proven) { this.proven = true; this.hooks.proven(); }
        break;
      case 'bye': this.hooks.failed(b.reason || 'hangup'); break;
      default: this.hooks.control(env);
    }
  }

  // stats returns what the status line shows: path, round trip, frame
  // rate and bytes received so far.
  async stats() {
    const stats = await this.pc.getStats();
    const out = { path: '', protocol: '', rtt: 0, fps: 0, bytes: 0, frames: 0 };
    let pair = null;
    for (const s of stats.values()) {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        out.fps = s.framesPerSecond || 0;
        out.bytes = s.bytesReceived || 0;
        out.frames = s.framesDecoded || 0;
      }
    }
    if (pair) {
      out.rtt = pair.currentRoundTripTime || 0;
      const local = stats.get(pair.localCandidateId);
      const remote = stats.get(pair.remoteCandidateId);
      const relayed = [local, remote].some((c) => c && c.candidateType === 'relay');
      out.path = relayed ? 'relayed' : 'direct';
      out.protocol = (local && (local.relayProtocol || local.protocol)) || '';
    }
    return out;
  }

  // close says bye on the control channel and closes the connection a
  // moment later, so that the bye is not lost with it.
  close(reason) {
    if (this.closed) return;
    this.send('bye', { reason });
    this.closed = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.giveUpTimer);
    const pc = this.pc;
    if (pc) setTimeout(() => pc.close(), 500);
  }
}

// lowLatency asks the receiver to hand each frame on as soon as it can be
// decoded: a remote screen answers the operator's own keys and pointer,
// and Chromium's jitter buffer otherwise holds each frame for the
// variation of the agent's encoding time. Chromium reads
// playoutDelayHint (seconds, its own); jitterBufferTarget (ms) is the
// standard's name.
function lowLatency(receiver) {
  try {
    if ('playoutDelayHint' in receiver) receiver.playoutDelayHint = 0;
    if ('jitterBufferTarget' in receiver) receiver.jitterBufferTarget = 0;
  } catch { /* a browser without them keeps its defaults */ }
}

function decodeJSON(data) {
  try {
    return JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
  } catch {
    return null;
  }
}
