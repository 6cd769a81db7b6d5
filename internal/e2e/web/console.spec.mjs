// console.spec.mjs checks that the operator console refuses to be framed
// (internal/e2e/console_test.go runs it; Debian's Chromium, never a
// downloaded one). Arguments: one JSON object {url, spki}. It loads a page
// of another origin holding two frames - the console, and a control frame
// that holds the console's login form markup - and prints one JSON line:
// {frames: [{name, url, form}], console: [messages]}. A frame that
// rendered shows form: true; a refused one is Chromium's error page.
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
  process.stdout.write(JSON.stringify({ frames, console: messages }) + '\n');
} finally {
  await browser.close();
}
