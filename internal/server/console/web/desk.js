// desk.js: the waiting queue of web chat customers (docs/wire.md section
// 12, "Operator (desk)") over /console/api/desk, which the server
// authenticates with the console's cookie: the queue, a picked
// customer's messages, replies, and the invitation into a session.

import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

export class Desk {
  // invite(conversation) is called when the operator invites a customer:
  // the console opens a session and calls sendInvite with its code.
  constructor(invite) {
    this.invite = invite;
    this.ws = null;
    this.current = '';
    this.conversations = [];
    $('desk-form').addEventListener('submit', (e) => { e.preventDefault(); this.reply(); });
  }

  connect() {
    if (this.ws) return;
    const ws = new WebSocket(`wss://${location.host}/console/api/desk`);
    this.ws = ws;
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch { return; }
      this.on(msg);
    };
    ws.onclose = () => { if (this.ws === ws) this.ws = null; };
  }

  close() {
    if (this.ws) this.ws.close(1000);
    this.ws = null;
  }

  send(msg) { if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg)); }

  on(msg) {
    switch (msg.type) {
      case 'queue': this.showQueue(msg.conversations || []); break;
      case 'history': if (msg.conversation === this.current) { $('desk-log').textContent = ''; (msg.events || []).forEach((e) => this.showEvent(e)); } break;
      case 'event': if (msg.conversation === this.current) this.showEvent(msg.event || {}); break;
      case 'error': $('desk-status').textContent = t('error', { msg: msg.message || msg.error }); break;
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
    if (e.type !== 'message' && e.type !== 'invite' && e.type !== 'closed') return;
    const li = document.createElement('li');
    const who = document.createElement('strong');
    who.textContent = e.type === 'message' ? `${e.from === 'operator' ? t('you') : e.from === 'customer' ? t('customer') : ''} ` : '';
    li.append(who, e.type === 'invite' ? t('invited', { code: e.code }) : e.type === 'closed' ? t('closed') : e.text || '');
    $('desk-log').append(li);
  }
}
