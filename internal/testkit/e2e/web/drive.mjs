// drive.mjs runs Debian's Chromium (never a downloaded one) through
// playwright-core for the Go browser tests (internal/testkit/e2e/web_test.go).
//
// It reads one JSON command per line on stdin and answers each with one
// JSON line on stdout: {"id", "ok": true, "value"} or {"id", "ok": false,
// "error"}. The browser starts on the first "open" command; every request
// the page makes (HTTP and WebSocket) is recorded for "requests".
//
//   open        {viewport: {width, height}, locale, headers, userAgent, spki: [base64 SHA-256 of SPKIs], args: [flags],
//                clock: true (the page's timers on Playwright's clock, which runs on until fastForward)}
//   goto        {url}
//   fill        {sel, value}        type        {sel, text}   (real key presses)
//   press       {sel, key}          click       {sel}
//   clickAt     {sel, x, y}         click at (x, y) from sel's top-left corner
//   waitText    {sel, text, timeout}   wait until sel's text contains text
//   waitAttr    {sel, name, value, timeout}
//   texts       {sel}               every match's textContent
//   attr        {sel, name}         focused     {}  (the focused element's id)
//   viewport    {width, height}     screenshot  {path, fullPage}
//   download    {sel, path}         click sel, save the download at path
//   eval        {expr}              requests    {}  close {}
//   fastForward {ms}                jump the page's clock (open with clock), firing due timers once
//   cdp         {method, params}    one DevTools protocol command on the page (Input.imeSetComposition, …)
//   initScript  {script}            run script in every page of the context before its own scripts (before goto)
//   security    {}                  every response's TLS as Chromium reports it (CDP Network.responseReceived
//                                   securityDetails): [{url, protocol, cipher, keyExchangeGroup}]
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let browser = null;
let context = null;
let page = null;
let cdp = null;
const requests = [];
const security = [];

const ops = {
  async open(a) {
    const args = [];
    if (a.spki && a.spki.length) args.push('--ignore-certificate-errors-spki-list=' + a.spki.join(','));
    if (a.args) args.push(...a.args);
    browser = await chromium.launch({ executablePath: CHROMIUM, args });
    context = await browser.newContext({
      viewport: a.viewport || { width: 1280, height: 800 },
      locale: a.locale || 'en-US',
      extraHTTPHeaders: a.headers || {},
      ignoreHTTPSErrors: !!a.ignoreHTTPSErrors,
      acceptDownloads: true,
      userAgent: a.userAgent || undefined,
    });
    if (a.clock) await context.clock.install();
    context.on('request', (r) => requests.push({ kind: 'http', method: r.method(), url: r.url() }));
    page = await context.newPage();
    // Playwright's response.securityDetails() has the protocol, not the
    // cipher; the DevTools protocol has both.
    cdp = await context.newCDPSession(page);
    cdp.on('Network.responseReceived', (e) => {
      const d = e.response.securityDetails;
      if (d) security.push({ url: e.response.url, protocol: d.protocol, cipher: d.cipher, keyExchangeGroup: d.keyExchangeGroup || '' });
    });
    await cdp.send('Network.enable');
    page.on('websocket', (ws) => {
      const r = { kind: 'websocket', method: 'GET', url: ws.url(), closed: false };
      ws.on('close', () => { r.closed = true; });
      requests.push(r);
    });
    page.on('console', (m) => process.stderr.write(`console.${m.type()}: ${m.text()}\n`));
    page.on('pageerror', (e) => process.stderr.write(`pageerror: ${e.message}\n`));
    return browser.version();
  },
  async goto(a) {
    const res = await page.goto(a.url, { waitUntil: 'load' });
    return res ? res.status() : 0;
  },
  async fill(a) { await page.fill(a.sel, a.value); },
  async type(a) { await page.locator(a.sel).pressSequentially(a.text); },
  async press(a) { await page.press(a.sel, a.key); },
  async click(a) { await page.click(a.sel); },
  async clickAt(a) { await page.click(a.sel, { position: { x: a.x, y: a.y } }); },
  async keyboard(a) { await page.keyboard.press(a.key); },
  async waitText(a) {
    await page.waitForFunction(([sel, text]) => {
      const el = document.querySelector(sel);
      return !!el && el.textContent.includes(text);
    }, [a.sel, a.text], { timeout: a.timeout || 30000 });
  },
  async waitAttr(a) {
    await page.waitForFunction(([sel, name, value]) => {
      const el = document.querySelector(sel);
      return !!el && el.getAttribute(name) === value;
    }, [a.sel, a.name, a.value], { timeout: a.timeout || 30000 });
  },
  async texts(a) {
    return page.$$eval(a.sel, (els) => els.map((e) => e.textContent));
  },
  async attr(a) { return page.getAttribute(a.sel, a.name); },
  async focused() { return page.evaluate(() => document.activeElement && document.activeElement.id); },
  async download(a) {
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: a.timeout || 30000 }), page.click(a.sel)]);
    await dl.saveAs(a.path);
    return { name: dl.suggestedFilename(), url: dl.url(), failure: await dl.failure() };
  },
  async viewport(a) { await page.setViewportSize({ width: a.width, height: a.height }); },
  async screenshot(a) { await page.screenshot({ path: a.path, fullPage: !!a.fullPage }); },
  async eval(a) { return page.evaluate(a.expr); },
  async requests() { return requests; },
  async security() { return security; },
  async fastForward(a) { await page.clock.fastForward(a.ms); },
  async cdp(a) { return cdp.send(a.method, a.params || {}); },
  async initScript(a) { await context.addInitScript(a.script); },
  async close() {
    if (browser) await browser.close();
    browser = null;
  },
};

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  let cmd;
  try { cmd = JSON.parse(line); } catch (e) { continue; }
  let reply;
  try {
    const op = ops[cmd.op];
    if (!op) throw new Error('unknown op ' + cmd.op);
    if (cmd.op !== 'open' && cmd.op !== 'close' && !page) throw new Error('open first');
    const value = await op(cmd.args || {});
    reply = { id: cmd.id, ok: true, value: value === undefined ? null : value };
  } catch (e) {
    reply = { id: cmd.id, ok: false, error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}
if (browser) await browser.close();
