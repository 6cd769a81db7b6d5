// console.spec.mjs checks that the operator console refuses to be framed
// (internal/testkit/e2e/console_test.go runs it; Debian's Chromium, never a
// downloaded one). Arguments: one JSON object {url, spki}. It loads a page
// of another origin holding two frames - the console, and a control frame
// that holds the console's login form markup - and prints one JSON line:
// {frames: [{name, url, form}], console: [messages]}. A frame that
// rendered shows form: true; a refused one is Chromium's error page.
// With {login: {id, password}} it then logs in on the console itself,
// opens a session, and adds sent: every request body and WebSocket frame
// the page sent, and code: the session code it shows.
import { chromium } from 'playwright-core';

const a = JSON.parse(process.argv[2]);
const args = a.spki && a.spki.length ? ['--ignore-certificate-errors-spki-list=' + a.spki.join(',')] : [];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args });
try {
  const page = await browser.newPage();
  const messages = [];
  page.on('console', (m) => messages.push(m.text()));
  await page.setContent(
    `<iframe name="console" src="${a.url}"></iframe>` +
    `<iframe name="control" srcdoc="<form id='login-form'></form>"></iframe>`);
  // setContent returns at the page's load event, which waits for both frames.
  const frames = [];
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue;
    let form = false;
    try { form = await f.evaluate(() => !!document.getElementById('login-form')); } catch { form = false; }
    frames.push({ name: f.name(), url: f.url(), form });
  }
  const out = { frames, console: messages };
  if (a.login) Object.assign(out, await logIn(a.url, a.login));
  process.stdout.write(JSON.stringify(out) + '\n');
} finally {
  await browser.close();
}

// logIn records everything the page sends while it logs in and opens a
// session.
async function logIn(url, login) {
  const page = await browser.newPage();
  const sent = [];
  page.on('request', (r) => sent.push(r.method() + ' ' + r.url() + ' ' + (r.postData() || '')));
  page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push('ws ' + String(f.payload))));
  await page.goto(url);
  await page.fill('#id', login.id);
  await page.fill('#password', login.password);
  await page.press('#password', 'Enter');
  await page.waitForFunction(() => document.getElementById('operator-name').textContent !== '');
  await page.click('#start');
  await page.waitForFunction(() => /^\d{9}$/.test(document.getElementById('code').textContent));
  const code = await page.textContent('#code');
  return { sent, code };
}
