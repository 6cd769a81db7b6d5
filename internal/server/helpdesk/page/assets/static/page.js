// The help page's script: the code and queue forms, the chat with the
// technician, the agent download and the connection's state.
//
// The conversation ({id, key, after, ...}) lives in sessionStorage, so a
// reload continues it; no cookie is ever set. Events come over the
// WebSocket /v1/desk/chat (hello with `after`, then every event with a
// greater seq); after repeated failures (it does not open, or dies
// young) the page long-polls /v1/desk/poll instead. Messages the server
// has not echoed back (by their cid) are sent again after every
// reconnection: the server drops a cid it already has.
(function () {
  'use strict';

  var T = JSON.parse(document.getElementById('texts').textContent);
  var STORE = 'tandem.desk';
  var WS_FAILS_BEFORE_POLL = 3;      // WebSocket failures in a row (see net)
  var HEALTHY_MS = 10000;            // open this long, a WebSocket counts as working
  var PROBE_EVERY_MS = 60000;        // while polling, how often a WebSocket is tried
  var PROBE_SICK_MS = 5 * 60000;     // the same when they died young; doubled each time
  var PROBE_SICK_MAX_MS = 40 * 60000;
  var TYPING_SHOWN_MS = 4000;
  var TYPING_EVERY_MS = 2000;
  var MAX_TEXT = 2000;

  function $(id) { return document.getElementById(id); }

  function fmt(s, vars) {
    return s.replace(/\{(\w+)\}/g, function (m, k) { return k in vars ? String(vars[k]) : m; });
  }

  // ---- state kept across reloads ----

  var conv = load(); // {id, key, after, code, operator, closed, pending: [{cid, text}], transport}

  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE)); } catch (e) { return null; }
  }

  function save() {
    try {
      if (conv) sessionStorage.setItem(STORE, JSON.stringify(conv));
      else sessionStorage.removeItem(STORE);
    } catch (e) { /* private mode: the conversation just does not survive a reload */ }
  }

  // ---- messages to the user ----

  function showError(text) {
    var el = $('alert');
    el.textContent = '';
    // A fresh text node makes screen readers announce even a repeated error.
    window.setTimeout(function () { el.textContent = text; }, 50);
  }

  function clearError() { $('alert').textContent = ''; }

  var errorTexts = {
    'invalid-code': 'errInvalid',
    'throttled': 'errThrottled',
    'bad-request': 'errBadRequest',
    'closed': 'errClosed',
    'unavailable': 'errUnavailable'
  };

  function errorText(code, status) {
    if (errorTexts[code]) return T[errorTexts[code]];
    return fmt(T.errServer, { status: status });
  }

  // ---- HTTP ----

  function post(path, body, abort) {
    return fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      signal: abort ? abort.signal : undefined
    });
  }

  function readJSON(res) {
    return res.json().catch(function () { return {}; });
  }

  // ---- the start forms ----

  function digits(s) { return s.replace(/[\s-]/g, ''); }

  function onCodeSubmit(ev) {
    ev.preventDefault();
    var code = digits($('code').value);
    if (!/^[0-9]{9}$/.test(code)) {
      showError(T.errCodeFormat);
      $('code').setAttribute('aria-invalid', 'true');
      $('code').focus();
      return;
    }
    $('code').removeAttribute('aria-invalid');
    visit({ code: code }, ev.target);
  }

  function onQueueSubmit(ev) {
    ev.preventDefault();
    var name = $('name').value.trim();
    if (!name) {
      showError(T.errName);
      $('name').setAttribute('aria-invalid', 'true');
      $('name').focus();
      return;
    }
    $('name').removeAttribute('aria-invalid');
    visit({ name: name, topic: $('topic').value.trim() }, ev.target);
  }

  function visit(body, form) {
    var button = form.querySelector('button');
    button.disabled = true;
    clearError();
    body.lang = document.documentElement.lang;
    post('/v1/desk/visit', body).then(function (res) {
      return readJSON(res).then(function (data) {
        if (!res.ok) throw { text: errorText(data.error, res.status) };
        conv = {
          id: data.id, key: data.key, after: 0, code: data.code || null,
          operator: data.operator || null, closed: false, pending: []
        };
        save();
        if (location.pathname !== '/') history.replaceState(null, '', '/' + location.search);
        enterVisit(true);
      });
    }).catch(function (err) {
      showError(err && err.text ? err.text : T.errNetwork);
    }).then(function () { button.disabled = false; });
  }

  // ---- the visit: who helps, the download, the chat ----

  function enterVisit(focus) {
    $('start').hidden = true;
    $('visit').hidden = false;
    renderHelper();
    renderDownload();
    (conv.pending || []).forEach(function (p) { addMessage({ from: 'customer', text: p.text, cid: p.cid }, true); });
    if (conv.closed) renderClosed(); else net.start();
    if (focus) $('helper-heading').focus();
  }

  function renderHelper() {
    var el = $('helper');
    var op = conv.operator;
    el.classList.toggle('waiting', !op);
    if (!op) { el.textContent = T.waiting; return; }
    el.textContent = fmt(op.organisation ? T.helper : T.helperNoOrg,
      { name: op.name, organisation: op.organisation || '' });
  }

  function operatorName() {
    return conv.operator && conv.operator.name ? conv.operator.name : T.technician;
  }

  function renderClosed() {
    $('message').disabled = true;
    $('send').disabled = true;
    $('typing').textContent = '';
    setState('closed');
  }

  // ---- the chat log ----

  var bubbles = {}; // by cid: the customer's own messages

  function addMessage(m, pending) {
    var li = m.cid && bubbles[m.cid];
    if (li) { // our own message, echoed back by the server
      li.classList.remove('pending');
      li.querySelector('.state').textContent = '';
      return;
    }
    li = document.createElement('li');
    li.className = 'msg from-' + (m.from || 'system');
    if (m.from !== 'system') {
      var who = document.createElement('span');
      who.className = 'who';
      who.textContent = m.from === 'customer' ? T.you : (m.name || operatorName());
      li.appendChild(who);
    }
    var text = document.createElement('span');
    text.className = 'text';
    text.textContent = m.text;
    li.appendChild(text);
    if (m.from === 'customer') {
      var st = document.createElement('span');
      st.className = 'state';
      st.textContent = pending ? T.sending : '';
      li.appendChild(st);
      if (pending) li.classList.add('pending');
      if (m.cid) bubbles[m.cid] = li;
    }
    // What the server sends goes before our messages it has not
    // acknowledged yet: it came first, from the server's side.
    var log = $('log');
    log.insertBefore(li, pending ? null : log.querySelector('li.pending'));
    log.scrollTop = log.scrollHeight;
  }

  function addSystem(text) { addMessage({ from: 'system', text: text }); }

  function markFailed(cid) {
    var li = bubbles[cid];
    dropPending(cid);
    if (!li) return;
    li.classList.remove('pending');
    li.classList.add('failed');
    li.querySelector('.state').textContent = T.errNotSent;
  }

  function dropPending(cid) {
    conv.pending = (conv.pending || []).filter(function (p) { return p.cid !== cid; });
    save();
  }

  // unread counts the technician's messages that came while the tab was
  // hidden, in the tab's title.
  var title = document.title;
  var unseen = 0;

  function unread() {
    if (!document.hidden) return;
    unseen++;
    document.title = '(' + unseen + ') ' + title;
  }

  document.addEventListener('visibilitychange', function () {
    if (document.hidden) return;
    unseen = 0;
    document.title = title;
  });

  var typingTimer = 0;

  function showTyping() {
    $('typing').textContent = fmt(T.typing, { name: operatorName() });
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(function () { $('typing').textContent = ''; }, TYPING_SHOWN_MS);
  }

  function hideTyping() {
    window.clearTimeout(typingTimer);
    $('typing').textContent = '';
  }

  // closedTexts say why the chat ended, by the closed event's reason; any
  // other reason is the technician's doing.
  var closedTexts = { idle: 'closedIdle', left: 'closedLeft', 'too-long': 'closedLong', 'server-stopping': 'closedServer' };

  // handle applies one server event; events already seen (by seq) are
  // ignored, so a replay after a reconnection shows nothing twice.
  function handle(m) {
    if (!m || !conv) return;
    if (m.type === 'typing') {
      if (m.from === 'operator' && !conv.closed) showTyping();
      return;
    }
    if (typeof m.seq === 'number') {
      if (m.seq <= conv.after) return;
      conv.after = m.seq;
    }
    switch (m.type) {
      case 'message':
        if (m.from === 'operator') { hideTyping(); unread(); }
        if (m.from === 'customer' && m.cid) dropPending(m.cid);
        addMessage(m, false);
        break;
      case 'assigned':
        conv.operator = m.operator || null;
        renderHelper();
        break;
      case 'invite':
        conv.code = m.code;
        renderDownload();
        addSystem(T.invited);
        break;
      case 'closed':
        conv.closed = true;
        addSystem(T[closedTexts[m.reason]] || T.closed);
        net.stop();
        renderClosed();
        break;
      case 'error':
        onServerError(m);
        return;
    }
    save();
  }

  // onServerError handles an error frame: about one message (cid) or
  // about the conversation itself.
  function onServerError(m) {
    if (m.error === 'closed') { closedHere(); return; }
    if (m.cid) {
      if (m.error === 'throttled') { window.setTimeout(net.resend, 3000); return; } // still pending
      markFailed(m.cid);
      return;
    }
    gone();
  }

  // closedHere: the server says the conversation has ended, with no closed
  // event seen yet (it comes with the replay, if at all).
  function closedHere() {
    if (conv.closed) return;
    conv.closed = true;
    save();
    net.stop();
    renderClosed();
  }

  // gone: the server no longer knows this conversation.
  function gone() {
    net.stop();
    conv.closed = true;
    save();
    renderClosed();
    showError(T.errGone);
  }

  // ---- sending ----

  var lastTyping = 0;

  function onSendSubmit(ev) {
    ev.preventDefault();
    if (conv.closed) return;
    var box = $('message');
    var text = box.value.trim();
    if (!text) return;
    if (text.length > MAX_TEXT) { showError(T.errTooLong); return; }
    clearError();
    var p = { cid: newCID(), text: text };
    conv.pending = conv.pending || [];
    conv.pending.push(p);
    save();
    addMessage({ from: 'customer', text: text, cid: p.cid }, true);
    box.value = '';
    net.send(p);
  }

  function onMessageKey(ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $('send').click();
    }
  }

  function onMessageInput() {
    var now = Date.now();
    if (conv && !conv.closed && now - lastTyping > TYPING_EVERY_MS) {
      lastTyping = now;
      net.typing();
    }
  }

  function newCID() {
    var b = new Uint8Array(12);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  // ---- the connection ----

  function setState(s) {
    var el = $('conn');
    var key = { connecting: 'stConnecting', online: 'stOnline', polling: 'stPolling', reconnecting: 'stReconnect', closed: 'stClosed' }[s];
    el.dataset.state = s;
    el.dataset.mode = net.mode;
    el.classList.toggle('bad', s === 'reconnecting');
    el.textContent = T[key];
  }

  // net is the one transport: a WebSocket, or long-polling once
  // WebSockets keep failing.
  //
  // A WebSocket fails when it does not open, and also when it closes
  // before it has been healthy: open for HEALTHY_MS. Some proxies and
  // antivirus products let a WebSocket open and then kill it after a few
  // seconds or a few frames; counting only failed opens would reconnect
  // forever there. The server tells the page nothing when a replay is
  // done (a quiet conversation replays nothing), so time open is the one
  // sign of health the page can see; a socket killed after its first
  // frames dies within that time too, since the hello's replay and any
  // message are frames.
  //
  // While polling, a WebSocket is tried now and then (probe). It says
  // hello and receives events beside the polls (seq and cid make
  // doubles harmless) but takes over only once healthy, so one that dies
  // young never takes over. When sockets were dying young (sick), probes
  // start PROBE_SICK_MS apart and the gap doubles with every young death;
  // when they only failed to open (a cut, a proxy that refuses them),
  // probes go every PROBE_EVERY_MS and at once when polls work again.
  // The conversation's transport ({probeEvery, next}) keeps a sick state
  // across reloads, so the tab does not try three doomed sockets again.
  var net = {
    mode: 'ws',      // or 'poll'
    ws: null,        // the socket in use
    probe: null,     // a socket tried while polling
    ready: false,    // hello sent on net.ws
    wsFails: 0,      // WebSocket failures in a row
    sick: false,     // the last failure was a socket that opened and died young
    probeEvery: PROBE_EVERY_MS,
    retries: 0,      // for the backoff
    timer: 0,
    probeTimer: 0,
    pollAbort: null, // aborts the poll in flight when a WebSocket takes over
    stopped: false,
    sending: {},     // long-poll sends in flight, by cid

    backoff: function () {
      var d = Math.min(10000, 500 * Math.pow(2, net.retries));
      net.retries = Math.min(net.retries + 1, 6);
      return d * (0.75 + Math.random() / 2);
    },

    // start connects a page that has just loaded: polling at once if
    // WebSockets were dying young in this tab, the next one tried when
    // it was due.
    start: function () {
      var tr = conv.transport;
      if (tr && window.WebSocket) {
        net.mode = 'poll';
        net.sick = true;
        net.probeEvery = tr.probeEvery || PROBE_SICK_MS;
        net.scheduleProbe(Math.min(Math.max(0, tr.next - Date.now()), net.probeEvery));
      }
      net.connect();
    },

    connect: function () {
      if (net.stopped || conv.closed) return;
      if (!window.WebSocket) net.mode = 'poll';
      if (net.mode === 'poll') { net.poll(); return; }
      setState(net.retries ? 'reconnecting' : 'connecting');
      net.open(false);
    },

    // open starts a WebSocket: the one in use, or (probe) one that takes
    // over from polling once healthy.
    open: function (probe) {
      var ws;
      try {
        ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/v1/desk/chat');
      } catch (e) {
        if (probe) net.scheduleProbe(net.probeEvery); else net.wsLost(false, false);
        return;
      }
      var opened = false, healthy = false, healthTimer = 0;
      if (probe) net.probe = ws; else net.ws = ws;
      ws.onopen = function () {
        opened = true;
        if (net.stopped) { ws.close(); return; }
        ws.send(JSON.stringify({ type: 'hello', id: conv.id, key: conv.key, after: conv.after }));
        healthTimer = window.setTimeout(function () { healthy = true; net.healthy(ws); }, HEALTHY_MS);
        if (probe) return; // polling goes on until it is healthy
        net.ready = true;
        setState('online');
        net.resend();
      };
      ws.onmessage = function (ev) {
        var m;
        try { m = JSON.parse(ev.data); } catch (e) { return; }
        handle(m);
      };
      ws.onclose = function () {
        window.clearTimeout(healthTimer);
        if (net.probe === ws) { net.probeLost(opened, healthy); return; }
        if (net.ws !== ws) return;
        net.ws = null;
        net.ready = false;
        net.wsLost(opened, healthy);
      };
    },

    // healthy: ws has stayed open HEALTHY_MS. The one in use counts as
    // working again; a probe takes over from polling.
    healthy: function (ws) {
      if (net.stopped) return;
      if (net.ws === ws) { net.wsFails = 0; net.retries = 0; net.sick = false; net.remember(); return; }
      if (net.probe !== ws || net.mode !== 'poll') return;
      net.probe = null;
      net.mode = 'ws';
      net.ws = ws;
      net.ready = true;
      net.wsFails = 0;
      net.retries = 0;
      net.sick = false;
      net.probeEvery = PROBE_EVERY_MS;
      net.remember();
      window.clearTimeout(net.timer);
      window.clearTimeout(net.probeTimer);
      if (net.pollAbort) net.pollAbort.abort();
      setState('online');
      net.resend(); // the server drops what the polls' sends already gave it
    },

    wsLost: function (opened, healthy) {
      if (net.stopped || conv.closed) return;
      if (!healthy) {
        net.wsFails++;
        net.sick = opened;
      }
      window.clearTimeout(net.timer);
      if (net.wsFails >= WS_FAILS_BEFORE_POLL) {
        net.mode = 'poll';
        net.retries = 0;
        net.probeEvery = net.sick ? PROBE_SICK_MS : PROBE_EVERY_MS;
        net.scheduleProbe(net.probeEvery);
        net.poll();
        return;
      }
      setState('reconnecting');
      net.timer = window.setTimeout(net.connect, net.backoff());
    },

    // probeLost: a probe closed before taking over. One that opened and
    // died young makes the next wait longer.
    probeLost: function (opened, healthy) {
      net.probe = null;
      if (opened && !healthy) {
        net.probeEvery = net.sick ? Math.min(net.probeEvery * 2, PROBE_SICK_MAX_MS) : PROBE_SICK_MS;
        net.sick = true;
      }
      net.scheduleProbe(net.probeEvery);
    },

    // scheduleProbe tries a WebSocket in ms, if still polling then.
    scheduleProbe: function (ms) {
      window.clearTimeout(net.probeTimer);
      net.probeTimer = window.setTimeout(function () {
        if (net.mode === 'poll' && !net.stopped && !conv.closed && !net.probe) net.open(true);
      }, ms);
      net.remember(ms);
    },

    // remember keeps a sick state (and when the next probe is due) with
    // the conversation, for a reload; anything else is forgotten.
    remember: function (ms) {
      var tr = net.sick && net.mode === 'poll' ? { probeEvery: net.probeEvery, next: Date.now() + ms } : undefined;
      if (!tr && !conv.transport) return;
      conv.transport = tr;
      save();
    },

    poll: function () {
      if (net.stopped || conv.closed || net.mode !== 'poll') return;
      // A poll answers only when there is news (or after 25 s): the link
      // counts as up unless the last one failed.
      if (!net.retries) setState('polling');
      net.resend(); // what is pending goes now, not after the wait
      var abort = window.AbortController ? new AbortController() : null;
      net.pollAbort = abort;
      post('/v1/desk/poll', { id: conv.id, key: conv.key, after: conv.after }, abort).then(function (res) {
        if (res.status === 404 || res.status === 403) { gone(); return; }
        if (res.status === 410) { closedHere(); return; }
        if (!res.ok) throw new Error('poll ' + res.status);
        return readJSON(res).then(function (data) {
          (data.events || []).forEach(handle);
          if (net.mode !== 'poll') return; // a WebSocket took over
          // Back after failing: maybe WebSockets work again, unless they
          // were dying young (the network is not what kills them).
          if (net.retries && !net.sick) net.scheduleProbe(0);
          net.retries = 0;
          if (!net.stopped) setState('polling');
          net.poll();
        });
      }).catch(function () {
        if (net.stopped || net.mode !== 'poll') return;
        setState('reconnecting');
        window.clearTimeout(net.timer);
        net.timer = window.setTimeout(net.poll, net.backoff());
      });
    },

    // send transmits a message now if the transport is up; otherwise it
    // stays pending and goes with the next resend.
    send: function (p) {
      if (net.mode === 'ws') {
        if (net.ws && net.ready && net.ws.readyState === WebSocket.OPEN) {
          net.ws.send(JSON.stringify({ type: 'send', cid: p.cid, text: p.text }));
        }
        return;
      }
      if (net.sending[p.cid]) return;
      net.sending[p.cid] = true;
      post('/v1/desk/send', { id: conv.id, key: conv.key, cid: p.cid, text: p.text }).then(function (res) {
        if (res.status === 400) markFailed(p.cid);
        else if (res.status === 410) closedHere();
        else if (res.status === 404) gone();
        // 429 and the rest: still pending, the next poll resends it
      }).catch(function () { /* still pending: the next poll resends it */ })
        .then(function () { delete net.sending[p.cid]; });
    },

    resend: function () {
      (conv.pending || []).forEach(net.send);
    },

    typing: function () {
      if (net.mode === 'ws') {
        if (net.ws && net.ready && net.ws.readyState === WebSocket.OPEN) net.ws.send(JSON.stringify({ type: 'typing' }));
        return;
      }
      post('/v1/desk/typing', { id: conv.id, key: conv.key }).catch(function () {});
    },

    stop: function () {
      net.stopped = true;
      window.clearTimeout(net.timer);
      window.clearTimeout(net.probeTimer);
      if (net.pollAbort) net.pollAbort.abort();
      [net.ws, net.probe].forEach(function (ws) { if (ws) ws.close(); });
      net.ws = net.probe = null;
    }
  };

  // ---- the agent download ----

  // platform names the visitor's system: 'linux-amd64' and
  // 'windows-amd64' are the ones the agent exists for (Windows by its user
  // agent or its platform client hint, navigator.userAgentData.platform,
  // which Sec-CH-UA-Platform carries); the rest are named for the "not
  // available yet" text.
  function platform() {
    var ua = navigator.userAgent || '';
    var uad = navigator.userAgentData;
    if (/Android/i.test(ua)) return { id: 'android', name: 'Android', phone: true };
    if (/iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1)) {
      return { id: 'ios', name: 'iPhone / iPad', phone: true };
    }
    var p = uad && uad.platform ? uad.platform : '';
    if (/Windows/i.test(p) || /Windows/.test(ua)) return { id: 'windows-amd64', name: 'Windows' };
    if (/macOS/i.test(p) || /Macintosh|Mac OS X/.test(ua)) return { id: 'mac', name: 'macOS' };
    if (/CrOS/.test(ua) || /Chrome OS/i.test(p)) return { id: 'chromeos', name: 'ChromeOS' };
    if (/Linux|X11/.test(ua) || /Linux/i.test(p)) {
      if (/aarch64|arm|riscv/i.test(ua)) return { id: 'linux-other', name: 'Linux (ARM)' };
      return { id: 'linux-amd64', name: 'Linux (x86-64)' };
    }
    return { id: 'unknown', name: T.dlUnknown };
  }

  function renderDownload() {
    var code = conv.code;
    $('download').hidden = !code;
    if (!code) return;
    $('dl-code').textContent = fmt(T.dlCode, { code: code.replace(/^(\d{3})(\d{3})(\d{3})$/, '$1 $2 $3') });
    $('dl-code-field').value = code;
    var p = platform();
    var win = p.id === 'windows-amd64';
    var ok = p.id === 'linux-amd64' || win;
    var note = $('dl-unavailable');
    note.hidden = ok;
    note.textContent = ok ? '' : fmt(T.dlUnavailable, { platform: p.name }) + (p.phone ? '' : ' ' + T.dlLinuxAnyway);
    $('dl-form').hidden = !!p.phone;
    $('dl-linux').hidden = win;
    $('dl-windows').hidden = !win;
    $('dl-steps').hidden = !!p.phone || win;
    $('dl-steps-windows').hidden = !win;
    $('download').dataset.platform = p.id;
  }

  // ---- start ----

  function restart() {
    if (conv && !conv.closed && !window.confirm(T.restartAsk)) return;
    net.stop();
    conv = null;
    save();
    location.replace('/' + location.search);
  }

  function init() {
    $('code-form').addEventListener('submit', onCodeSubmit);
    $('queue-form').addEventListener('submit', onQueueSubmit);
    $('send-form').addEventListener('submit', onSendSubmit);
    $('message').addEventListener('keydown', onMessageKey);
    $('message').addEventListener('input', onMessageInput);
    $('restart').addEventListener('click', restart);
    window.addEventListener('online', function () {
      if (conv && !conv.closed && !net.ws && net.mode === 'ws') { window.clearTimeout(net.timer); net.connect(); }
    });

    var linked = $('code-form').dataset.code || '';
    if (conv && conv.id && (!linked || linked === conv.code)) {
      // A reload: replay the whole conversation into the empty page.
      conv.after = 0;
      if (location.pathname !== '/') history.replaceState(null, '', '/' + location.search);
      enterVisit(false);
      return;
    }
    conv = null;
    save();
    if (linked.length === 9) {
      $('code-form').requestSubmit();
    } else if (linked) {
      showError(T.errCodeFormat);
      $('code').focus();
    }
  }

  init();
})();
