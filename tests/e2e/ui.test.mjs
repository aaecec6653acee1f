// The web UI in a real headless Chromium (Debian's, driven by
// playwright-core) against the stack tests/integration/run started.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { devstack, launchOptions } from './stack.mjs';

const BASE = process.env.OTS_TEST_URL;
const HOST = new URL(BASE).host;
// Screenshots of each page state, for people to look at.
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '../../build/e2e-screenshots');
let browser;

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true });
}


before(async () => {
  assert.ok(BASE, 'OTS_TEST_URL unset: run via tests/integration/run');
  await mkdir(SHOTS, { recursive: true });
  browser = await chromium.launch(launchOptions());
});

after(async () => {
  await browser?.close();
});

// A page that records console errors (CSP violations land there), script
// errors, failed loads of the page's own files and any request to another
// host.  API answers like 403 or 410 are expected and not problems.
// The save picker cannot be driven headless: pages get none, so
// end-to-end downloads go through the download service worker and the
// browser's download manager (tests/e2e/e2e-ui.test.mjs covers the
// picker with a stand-in).
async function watchedPage(options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  await context.addInitScript(() => {
    Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true, writable: true });
  });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text()))
      page.problems.push('console: ' + m.text());
  });
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (r.status() >= 400 && !/^\/(api|d)\//.test(u.pathname))
      page.problems.push(`${r.status()} for ${u.pathname}`);
  });
  page.on('pageerror', (e) => page.problems.push('error: ' + e.message));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['blob:', 'data:'].includes(u.protocol) && u.host !== HOST)
      page.problems.push('third-party request: ' + r.url());
  });
  return page;
}

// The send page, once its settings and crypto worker are ready.
async function openSend(page) {
  await page.goto(BASE + '/');
  await page.waitForFunction(() => document.querySelectorAll('#expires option').length > 0 &&
    document.getElementById('e2e-note').textContent !== '');
}

// Sends a text secret; e2e false unchecks "Encrypt it in this browser"
// (server-side mode).
async function sendText(page, text, password, e2e = true) {
  await openSend(page);
  if (!e2e) await page.uncheck('#e2e');
  await page.check('input[name="mode"][value="text"]');
  await page.fill('#text', text);
  if (password) await page.fill('#password', password);
  await page.click('#send');
  await page.waitForSelector('#result:not([hidden])');
  return {
    link: await page.inputValue('#link'),
    owner: await page.getAttribute('#owner-link', 'href'),
    mode: await page.textContent('#result-mode'),
  };
}

async function apiState(link) {
  const id = new URL(link).pathname.split('/')[2];
  const r = await fetch(`${BASE}/api/v1/files/${id}`);
  return r.status;
}

test('send page loads cleanly with the server limits', async () => {
  const page = await watchedPage();
  await page.goto(BASE + '/');
  await page.waitForFunction(() => document.querySelectorAll('#expires option').length > 0);
  assert.match(await page.textContent('#max-size'), /Up to 64 MiB/);
  const labels = await page.evaluate(() =>
    [...document.querySelectorAll('input:not([type=radio]):not([type=hidden]), select, textarea')]
      .filter((el) => !el.labels?.length && !el.getAttribute('aria-label'))
      .map((el) => el.id));
  assert.deepEqual(labels, [], 'controls without a label');
  await shot(page, '01-send-empty');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

for (const e2e of [true, false]) {
const tag = e2e ? '' : '-server';
test(`a text secret with a password goes round once (${e2e ? 'end to end, the default' : 'server-side'})`, async () => {
  const sender = await watchedPage();
  await sender.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  const { link, owner, mode } = await sendText(sender, 'the vault code is 4711', 'hunter2', e2e);
  assert.match(mode, e2e ? /^End-to-end encrypted: the server never saw the content, name or key/
    : /^Encrypted by the server/);
  await sender.click('#copy-link');
  await sender.waitForFunction(() => document.getElementById('copied').textContent === 'Copied.');
  assert.equal(await sender.evaluate(() => navigator.clipboard.readText()), link);
  await shot(sender, '03-send-done' + tag);
  assert.match(link, new RegExp(`^${BASE}/d/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{22}$`));
  assert.match(owner, /\/o\/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{22}$/);
  // The QR code was drawn: the canvas has dark pixels.
  const dark = await sender.evaluate(() => {
    const c = document.getElementById('qr');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++;
    return n;
  });
  assert.ok(dark > 500, `QR canvas looks empty (${dark} dark pixels)`);
  assert.deepEqual(sender.problems, []);

  const receiver = await watchedPage();
  await receiver.goto(link);
  await receiver.waitForSelector('#share:not([hidden])');
  assert.equal(await receiver.textContent('#what'), 'A text secret');
  assert.match(await receiver.textContent('#mode'), e2e ? /^End to end/ : /^By the server/);
  assert.ok(await receiver.isVisible('#password'));
  assert.match(await receiver.textContent('.warning'), /only once/);
  await shot(receiver, '04-receive-protected' + tag);
  // Loading the page consumed nothing.
  assert.equal(await apiState(link), 200);

  await receiver.fill('#password', 'wrong');
  await receiver.click('#open');
  await receiver.waitForFunction(() => document.getElementById('error').textContent !== '');
  assert.match(await receiver.textContent('#error'), /4 attempts left/);
  await shot(receiver, '05-receive-wrong-password' + tag);
  assert.equal(await apiState(link), 200);

  await receiver.fill('#password', 'hunter2');
  await receiver.click('#open');
  await receiver.waitForSelector('#text-result:not([hidden])');
  assert.equal(await receiver.inputValue('#secret'), 'the vault code is 4711');
  await shot(receiver, '06-receive-text' + tag);
  assert.equal(await apiState(link), 410);
  assert.equal(new URL(receiver.url()).hash, '', 'the key stayed in the address bar');
  assert.deepEqual(receiver.problems, []);

  // The receiver comes back to the link: it is gone.
  await receiver.goto(link);
  await receiver.waitForFunction(() => /opened/.test(document.getElementById('status').textContent));
  const late = await watchedPage();
  await late.goto(link);
  await late.waitForFunction(() => /opened/.test(document.getElementById('status').textContent));
  assert.match(await late.textContent('#status'), /already opened/);
  await shot(late, '07-receive-already-opened' + tag);

  const ownerPage = await watchedPage();
  await ownerPage.goto(owner);
  await ownerPage.waitForSelector('#facts:not([hidden])');
  assert.equal(await ownerPage.textContent('#state'), 'Opened');
  assert.match(await ownerPage.textContent('#mode'), e2e ? /^End to end/ : /^By the server/);
  await shot(ownerPage, '08-owner-opened' + tag);
  for (const p of [receiver, late, ownerPage, sender]) await p.context().close();
});
}

for (const e2e of [true, false]) {
const tag = e2e ? '' : '-server';
test(`a file uploads with progress and downloads with its name (${e2e ? 'end to end' : 'server-side'})`, async () => {
  const content = Buffer.alloc(3 * 1024 * 1024 + 17, 'z');
  content.write('start of file', 0);
  const sender = await watchedPage();
  await openSend(sender);
  if (!e2e) await sender.uncheck('#e2e');
  await sender.setInputFiles('#file', { name: 'report 2026.txt', mimeType: 'text/plain', buffer: content });
  assert.match(await sender.textContent('#drop-text'), /report 2026\.txt/);
  await sender.evaluate(() => {
    window.progressSeen = 0;
    document.getElementById('progress').addEventListener('DOMAttrModified', () => {});
    const p = document.getElementById('progress-text');
    new MutationObserver(() => {
      if (/Uploading: .* of /.test(p.textContent)) window.progressSeen++;
    }).observe(p, { childList: true, characterData: true, subtree: true });
  });
  await shot(sender, '02-send-file-chosen' + tag);
  await sender.click('#send');
  await sender.waitForSelector('#result:not([hidden])');
  assert.ok(await sender.evaluate(() => window.progressSeen) > 0, 'no progress shown');
  const link = await sender.inputValue('#link');

  const receiver = await watchedPage();
  await receiver.goto(link);
  await receiver.waitForSelector('#share:not([hidden])');
  assert.equal(await receiver.textContent('#what'), 'report 2026.txt');
  await shot(receiver, '09-receive-file' + tag);
  const [download] = await Promise.all([
    receiver.waitForEvent('download'),
    receiver.click('#open'),
  ]);
  await receiver.waitForFunction(() => /Downloaded/.test(document.getElementById('status').textContent));
  await shot(receiver, '10-receive-downloaded' + tag);
  assert.equal(download.suggestedFilename(), 'report 2026.txt');
  const got = await readFile(await download.path());
  assert.ok(got.equals(content), 'downloaded bytes differ');
  assert.equal(await apiState(link), 410);
  assert.deepEqual(receiver.problems, []);
  for (const p of [sender, receiver]) await p.context().close();
});
}

test('the owner revokes from the owner page', async () => {
  const sender = await watchedPage();
  const { link, owner } = await sendText(sender, 'never mind');
  const ownerPage = await watchedPage();
  await ownerPage.goto(owner);
  await ownerPage.waitForSelector('#revoke:not([hidden])');
  assert.equal(await ownerPage.textContent('#state'), 'Not opened yet');
  await ownerPage.click('#revoke');
  await ownerPage.waitForFunction(() => document.getElementById('state').textContent === 'Revoked by you');
  const receiver = await watchedPage();
  await receiver.goto(link);
  await receiver.waitForFunction(() => /revoked/.test(document.getElementById('status').textContent));
  assert.equal(await receiver.isVisible('#open'), false);
  for (const p of [sender, ownerPage, receiver]) await p.context().close();
});

test('an over-size file is refused before upload', async () => {
  devstack(['workers-stop']);
  devstack(['workers-start'], { OTS_MAX_SIZE: '1M' });
  try {
    const page = await watchedPage();
    const uploads = [];
    page.on('request', (r) => { if (/\/api\/v1\/(files|uploads)/.test(r.url())) uploads.push(r.url()); });
    await openSend(page);
    await page.waitForFunction(() => /Up to 1.0 MiB/.test(document.getElementById('max-size').textContent));
    await page.setInputFiles('#file', { name: 'big.bin', mimeType: 'application/octet-stream',
      buffer: Buffer.alloc(2 * 1024 * 1024, 1) });
    await page.click('#send');
    assert.match(await page.textContent('#error'), /accepts up to 1\.0 MiB/);
    await shot(page, '11-send-too-large');
    assert.deepEqual(uploads, [], 'the browser uploaded an over-size file');
    await page.context().close();
  } finally {
    devstack(['workers-stop']);
    devstack(['workers-start']);
  }
});

test('the operator page lists shares without names and revokes', async () => {
  const token = 'e2e-admin-token-0123456789abcdef';
  const bin = readFileSync(join(process.env.OTS_TEST_STATE, 'run/binary'), 'utf8').trim();
  const hash = execFileSync(bin, ['--hash-admin-token'], { input: token + '\n' })
    .toString().trim().replace('OTS_ADMIN_TOKEN_HASH=', '');
  devstack(['workers-stop']);
  devstack(['workers-start'], { OTS_ADMIN_TOKEN_HASH: hash });
  try {
    const sender = await watchedPage();
    await openSend(sender);
    await sender.setInputFiles('#file', { name: 'Payroll-Secret.xlsx', mimeType: 'application/octet-stream',
      buffer: Buffer.from('numbers') });
    await sender.click('#send');
    await sender.waitForSelector('#result:not([hidden])');
    const link = await sender.inputValue('#link');
    const prefix = new URL(link).pathname.split('/')[2].slice(0, 8);

    const admin = await watchedPage();
    await admin.goto(BASE + '/admin');
    await admin.fill('#token', 'wrong-token-0123456789');
    await admin.click('#login button[type="submit"]');
    await admin.waitForFunction(() => document.getElementById('error').textContent !== '');
    assert.match(await admin.textContent('#error'), /not the admin token/);
    await admin.fill('#token', token);
    await admin.click('#login button[type="submit"]');
    await admin.waitForSelector('#shares:not([hidden])');
    const table = await admin.textContent('#shares');
    assert.ok(table.includes(prefix), 'the new share is not listed');
    assert.ok(!table.includes('Payroll'), 'a file name was shown');
    await shot(admin, '12-admin');
    await admin.click(`button[aria-label="Revoke share ${prefix}"]`);
    await admin.waitForFunction((p) => /revoked/.test(document.getElementById('status').textContent), prefix);
    assert.equal(await apiState(link), 410);
    for (const p of [sender, admin]) await p.context().close();
  } finally {
    devstack(['workers-stop']);
    devstack(['workers-start']);
  }
});

test('an incomplete link explains itself', async () => {
  const sender = await watchedPage();
  const { link } = await sendText(sender, 'x');
  const page = await watchedPage();
  await page.goto(link.split('#')[0]);
  await page.waitForFunction(() => /incomplete/.test(document.getElementById('status').textContent));
  assert.equal(await apiState(link), 200);
  for (const p of [sender, page]) await p.context().close();
});

test('the pages fit a phone screen', async () => {
  const page = await watchedPage({ viewport: { width: 360, height: 740 } });
  for (const path of ['/', '/d/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAA']) {
    await page.goto(BASE + path);
    await page.waitForLoadState('networkidle');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${path} scrolls sideways (${width}px)`);
  }
  await page.context().close();
});

test('every page is served with a strict CSP', async () => {
  for (const path of ['/', '/static/send.js', '/d/AAAAAAAAAAAAAAAAAAAAAA', '/o/AAAAAAAAAAAAAAAAAAAAAA', '/admin']) {
    const r = await fetch(BASE + path, { headers: { Accept: 'text/html' } });
    assert.equal(r.status, 200, path);
    const csp = r.headers.get('content-security-policy') || '';
    assert.match(csp, /default-src 'self'/, path);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.doesNotMatch(csp, /wasm-unsafe-eval|unsafe-inline|unsafe-eval'/, path);
  }
  // WebAssembly (libsodium) is allowed in the crypto worker alone.
  const w = await fetch(BASE + '/static/ots-worker.js');
  assert.equal(w.status, 200);
  assert.match(w.headers.get('content-security-policy'), /script-src 'self' 'wasm-unsafe-eval'/);
  const sw = await fetch(BASE + '/e2e/sw.js');
  assert.equal(sw.status, 200);
  assert.match(await sw.text(), /\/e2e\/dl\//);
});

test('no page has an inline script or a third-party origin', () => {
  const www = join(dirname(fileURLToPath(import.meta.url)), '../../www');
  for (const f of ['index.html', 'download.html', 'owner.html', 'admin.html']) {
    const html = readFileSync(join(www, f), 'utf8');
    for (const tag of html.match(/<script[^>]*>[\s\S]*?<\/script>/g) || []) {
      assert.match(tag, /^<script src="\/static\/[^"]+"( defer)?><\/script>$/, `${f}: ${tag}`);
    }
    assert.doesNotMatch(html, /\son[a-z]+=/i, `${f} has an inline event handler`);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, `${f} loads from another origin`);
  }
});
