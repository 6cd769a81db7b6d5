// desk.js: the waiting queue of web chat customers (docs/wire.md section
// 12, "Operator (desk)") over /console/api/desk, which the server
// authenticates with the console's cookie: the queue, a picked
// customer's messages, replies, and the invitation into a session.
// When the socket breaks (its node died, the server restarted) the desk
// redials and picks the shown conversation again, showing only the
// events it missed.

import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

// Redialling a lost desk socket: 250 ms doubling to 5 s, each wait
// ±50 %, for at most 2 minutes, as the session's socket.
const redialFirst = 250;
const redialMax = 5000;
const redialFor = 120000;

export class Desk {
  // invite(conversation) is called when the operator invites a customer:
  // the console opens a session and calls sendInvite with its code.
  constructor(invite) {
    this.invite = invite;
    this.ws = null;
    this.current = '';
    this.lastSeq = 0; // the last numbered event shown of current
    this.resuming = ''; // picked again after a reconnect: its history is a replay
    this.redial = null; // {timer, wait, until} while the socket is down
    this.stopped = true;
    this.conversations = [];
    $('desk-form').addEventListener('submit', (e) => { e.preventDefault(); this.reply(); });
  }

  connect() {
    if (this.ws || this.redial) return;
    this.stopped = false;
    this.dial();
  }

  dial() {
    const ws = new WebSocket(`wss://${location.host}/console/api/desk`);
    this.ws = ws;
    ws.onopen = () => { if (this.ws === ws && this.redial) this.restored(); };
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch { return; }
      this.on(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.stopped) this.lost();
    };
  }

  // lost schedules the next dial, until redialFor has passed.
  lost() {
    if (!this.redial) {
      this.redial = { timer: null, wait: redialFirst, until: Date.now() + redialFor };
      $('desk-status').textContent = t('deskLost');
    }
    const r = this.redial;
    if (Date.now() >= r.until) {
      this.redial = null;
      $('desk-status').textContent = t('deskGone');
      return;
    }
    const wait = r.wait * (0.5 + Math.random());
    r.wait = Math.min(r.wait * 2, redialMax);
    r.timer = setTimeout(() => { r.timer = null; if (!this.stopped) this.dial(); }, wait);
  }

  // restored: the new socket's queue follows; the shown conversation is
  // picked again, and only what came meanwhile is added to its log.
  restored() {
    this.redial = null;
    $('desk-status').textContent = t('deskRestored');
    if (this.current) {
      this.resuming = this.current;
      this.send({ type: 'pick', conversation: this.current });
    }
  }

  close() {
    this.stopped = true;
    if (this.redial && this.redial.timer) clearTimeout(this.redial.timer);
    this.redial = null;
    if (this.ws) this.ws.close(1000);
    this.ws = null;
  }

  send(msg) { if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg)); }

  on(msg) {
    switch (msg.type) {
      case 'queue': this.showQueue(msg.conversations || []); break;
      case 'history':
        if (msg.conversation !== this.current) break;
        if (this.resuming === msg.conversation) this.resuming = '';
        else { $('desk-log').textContent = ''; this.lastSeq = 0; }
        (msg.events || []).forEach((e) => this.showEvent(e));
        break;
      case 'event': if (msg.conversation === this.current) this.showEvent(msg.event || {}); break;
      case 'error':
        if (msg.conversation && msg.conversation === this.resuming) this.resuming = '';
        $('desk-status').textContent = t('error', { msg: msg.message || msg.error }); break;
    }
  }

  showQueue(list) {
    this.conversations = list;
    const ul = $('queue');
    ul.textContent = '';
    $('queue-empty').hidden = list.length > 0;
    for (const c of list) {
      const li = document.createElement('li');
      li.dataset.id = c.id;
      li.dataset.state = c.state;
      const who = document.createElement('span');
      who.textContent = `${c.name || t('anonymous')}${c.topic ? ' — ' + c.topic : ''} (${t('messages', { n: c.messages || 0 })})`;
      li.append(who, ' ');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'secondary';
      if (c.state === 'waiting') {
        b.textContent = t('pick');
        b.addEventListener('click', () => this.pick(c.id));
      } else {
        b.textContent = t('invite');
        b.addEventListener('click', () => this.invite(c.id));
      }
      b.setAttribute('aria-label', `${b.textContent}: ${c.name || t('anonymous')}`);
      li.append(b);
      ul.append(li);
    }
  }

  pick(id) {
    this.current = id;
    this.lastSeq = 0;
    $('desk-conversation').hidden = false;
    $('desk-log').textContent = '';
    this.send({ type: 'pick', conversation: id });
  }

  reply() {
    const input = $('desk-text');
    const text = input.value.trim();
    if (!text || !this.current) return;
    this.send({ type: 'send', conversation: this.current, text });
    input.value = '';
  }

  sendInvite(id, code) { this.send({ type: 'invite', conversation: id, code }); }

  showEvent(e) {
    if (e.seq) {
      if (e.seq <= this.lastSeq) return; // shown before the reconnect
      this.lastSeq = e.seq;
    }
    if (e.type !== 'message' && e.type !== 'invite' && e.type !== 'closed') return;
    const li = document.createElement('li');
    const who = document.createElement('strong');
    who.textContent = e.type === 'message' ? `${e.from === 'operator' ? t('you') : e.from === 'customer' ? t('customer') : ''} ` : '';
    li.append(who, e.type === 'invite' ? t('invited', { code: e.code }) : e.type === 'closed' ? t('closed') : e.text || '');
    $('desk-log').append(li);
  }
}
