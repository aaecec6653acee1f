// End-to-end shares through the web UI, in a real headless Chromium
// (Debian's, driven by playwright-core) against the stack that
// tests/integration/run started: the sender's browser encrypts, the
// receiver's decrypts, and the server only ever holds ciphertext.
//
// The save picker cannot be driven headless: tier A replaces
// showSaveFilePicker with one that hands out a file of the origin's
// private file system (OPFS), read back by the test; tier B hides the
// picker, so the download service worker saves through the browser's
// download manager; tier C hides the service worker too (memory).
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { devstack, launchOptions } from './stack.mjs';
import sodium from '../../www/static/vendor/libsodium-wrappers-sumo.js';
import * as C from '../../www/static/ots-crypto.js';

const BASE = process.env.OTS_TEST_URL;
const HOST = BASE ? new URL(BASE).host : '';
const STATE = process.env.OTS_TEST_STATE;
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, '../../build/e2e-screenshots');
// Multi-part uploads need containers above part_max: the stack runs
// with a small one (the make rule sets OTS_UPLOAD_PART_MAX; before()
// restarts the workers with it otherwise).
const PART_MAX = 1 << 20;
let browser;
let config;

// OTS_E2E_ONLY=regex runs only the tests whose names match (by hand).
const ONLY = process.env.OTS_E2E_ONLY ? new RegExp(process.env.OTS_E2E_ONLY) : null;
const test = (name, ...rest) => (ONLY && !ONLY.test(name) ? nodeTest.skip(name, ...rest) : nodeTest(name, ...rest));

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

// Every secret, password, name and payload a test uses: the run's scan
// of logs and data at rest (tests/integration/run) looks for each.
function record(s, file = 'used-secrets') {
  if (STATE && typeof s === 'string' && s.length >= 8 && !s.includes('\n'))
    appendFileSync(join(STATE, file), s + '\n');
}


async function getConfig() {
  return (await fetch(BASE + '/api/v1/config')).json();
}

before(async () => {
  assert.ok(BASE, 'OTS_TEST_URL unset: run via tests/integration/run');
  mkdirSync(SHOTS, { recursive: true });
  await sodium.ready;
  config = await getConfig();
  if (config.e2e.part_max !== PART_MAX) {
    devstack(['workers-stop']);
    devstack(['workers-start'], { OTS_UPLOAD_PART_MAX: String(PART_MAX) });
    process.env.OTS_UPLOAD_PART_MAX = String(PART_MAX);
    config = await getConfig();
  }
  assert.equal(config.e2e.enabled, true);
  assert.equal(config.e2e.part_max, PART_MAX);
  browser = await chromium.launch(launchOptions());
});

after(async () => {
  await browser?.close();
});

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true });
}

// The sinks a receiving page may use (see the top).
function tierScript(tier) {
  if (tier === 'A') {
    return () => {
      window.__picks = [];
      window.__pickerCancel = false;
      window.showSaveFilePicker = async (opts) => {
        if (window.__pickerCancel) throw new DOMException('The user aborted a request.', 'AbortError');
        const root = await navigator.storage.getDirectory();
        const name = `pick-${window.__picks.length + 1}-${Date.now()}`;
        const h = await root.getFileHandle(name, { create: true });
        window.__picks.push({ name, suggested: opts && opts.suggestedName });
        if (!window.__failWrites) return h;
        // A disk that fills up: the next writes fail.
        return {
          name: h.name, kind: 'file', remove: () => h.remove(),
          createWritable: async () => {
            const w = await h.createWritable();
            return {
              write: (d) => (window.__failWrites-- > 0
                ? Promise.reject(new DOMException('The disk is full.', 'QuotaExceededError')) : w.write(d)),
              close: () => w.close(),
              abort: () => w.abort(),
            };
          },
        };
      };
    };
  }
  return (noSw) => {
    Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true, writable: true });
    if (noSw) Object.defineProperty(Navigator.prototype, 'serviceWorker', { get: () => undefined, configurable: true });
  };
}

// A page that records console errors (CSP violations land there), script
// errors, failed loads of the page's own files and any request to another
// host, and every request's URL, headers and (text) body.
async function watchedPage({ tier = 'B', context, ...options } = {}) {
  const ctx = context || await browser.newContext({ acceptDownloads: true, ...options });
  if (!context && tier === 'A') await ctx.addInitScript(tierScript('A'));
  else if (!context) await ctx.addInitScript(tierScript('B'), tier === 'C');
  const page = await ctx.newPage();
  page.problems = [];
  page.requests = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text()))
      page.problems.push('console: ' + m.text());
  });
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (r.status() >= 400 && !/^\/(api|d|e2e)\//.test(u.pathname))
      page.problems.push(`${r.status()} for ${u.pathname}`);
  });
  page.on('pageerror', (e) => page.problems.push('error: ' + e.message));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['blob:', 'data:'].includes(u.protocol) && u.host !== HOST)
      page.problems.push('third-party request: ' + r.url());
    let body = '';
    try {
      body = r.postData() || '';
    } catch { /* binary */ }
    const entry = { method: r.method(), url: r.url(), headers: r.headers(), body, status: null };
    page.requests.push(entry);
    r.response().then((resp) => { entry.status = resp ? resp.status() : 'failed'; }, () => {});
  });
  return page;
}

// Asserts that no request of the pages carried any of the strings
// (request bodies of parts are Blobs, opaque here: the capture test
// covers them).
function assertNoneSent(pages, secrets) {
  for (const p of pages) {
    for (const r of p.requests) {
      const all = r.url + '\n' + JSON.stringify(r.headers) + '\n' + r.body;
      for (const s of secrets) assert.ok(!all.includes(s), `a request carried ${s}: ${r.method} ${r.url}`);
    }
  }
}

async function openSendPage(page) {
  await page.goto(BASE + '/');
  await page.waitForFunction(() => document.querySelectorAll('#expires option').length > 0 &&
    /encrypted here/.test(document.getElementById('e2e-note').textContent));
}

async function sendText(page, text, password) {
  await openSendPage(page);
  await page.check('input[name="mode"][value="text"]');
  await page.fill('#text', text);
  if (password) await page.fill('#password', password);
  await page.click('#send');
  await page.waitForSelector('#result:not([hidden])');
  return readResult(page);
}

async function readResult(page, { recordId = true } = {}) {
  const link = await page.inputValue('#link');
  const owner = await page.getAttribute('#owner-link', 'href');
  const id = new URL(link).pathname.split('/')[2];
  const secret = new URL(link).hash.slice(1);
  if (recordId) record(id, 'used-ids');
  record(secret);
  return { link, owner, id, secret, mode: await page.textContent('#result-mode') };
}

async function sendFile(page, file, { password, wait = true, recordId = true } = {}) {
  await openSendPage(page);
  await page.setInputFiles('#file', file);
  if (password) await page.fill('#password', password);
  await page.click('#send');
  if (!wait) return null;
  try {
    await page.waitForSelector('#result:not([hidden])', { timeout: 120000 });
  } catch (e) {
    const why = await page.evaluate(() => [document.getElementById('progress-text').textContent,
      document.getElementById('error').textContent]);
    throw new Error(`no link: ${why.join(' / ')}; requests: ` +
      uploads(page).map((q) => `${q.method} ${q.headers['upload-offset'] || ''} ${q.status}`).join(', '));
  }
  return readResult(page, { recordId });
}

async function apiState(id) {
  return (await fetch(`${BASE}/api/v1/files/${id}`)).status;
}

async function info(id) {
  return (await fetch(`${BASE}/api/v1/files/${id}`)).json();
}

async function opfsFile(page, name) {
  return page.evaluate(async (n) => {
    const root = await navigator.storage.getDirectory();
    const f = await (await root.getFileHandle(n)).getFile();
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await f.arrayBuffer()));
    return { size: f.size, hash: [...d].map((b) => b.toString(16).padStart(2, '0')).join('') };
  }, name);
}

async function statusText(page, re, timeout = 60000) {
  await page.waitForFunction((s) => new RegExp(s).test(document.getElementById('status').textContent),
    re.source, { timeout });
  return page.textContent('#status');
}

// Receives through tier A: the picked file's name and content.
async function receiveA(page, link, password) {
  await page.goto(link);
  await page.waitForSelector('#share:not([hidden])');
  if (password) await page.fill('#password', password);
  await page.click('#open');
  await statusText(page, /^Saved /);
  const picks = await page.evaluate(() => window.__picks);
  assert.equal(picks.length, 1);
  return { pick: picks[0], file: await opfsFile(page, picks[0].name) };
}

// Receives through tier B (or C): the download's suggested name and bytes.
async function receiveDownload(page, link) {
  await page.goto(link);
  await page.waitForSelector('#share:not([hidden])');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120000 }), page.click('#open')]);
  const path = await download.path();
  await statusText(page, /^Downloaded /);
  return { name: download.suggestedFilename(), bytes: await readFile(path) };
}

// ---- the tests ---------------------------------------------------------

test('the send page defaults to end to end, truthfully', async () => {
  const page = await watchedPage();
  await openSendPage(page);
  assert.equal(await page.isChecked('#e2e'), true);
  assert.match(await page.textContent('#e2e-note'), /never sees the content, its name, the password or the key/);
  await page.uncheck('#e2e');
  assert.match(await page.textContent('#e2e-note'), /server encrypts it as it arrives/);
  await shot(page, 'e2e-01-send');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('an end-to-end text secret goes round once; no request carries it', async () => {
  const text = 'e2e text secret ' + randomBytes(8).toString('hex');
  record(text);
  const sender = await watchedPage();
  const r = await sendText(sender, text);
  assert.match(r.mode, /End-to-end encrypted: the server never saw the content, name or key/);
  assert.match(r.link, new RegExp(`^${BASE}/d/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{22}$`));
  assert.match(r.owner, /\/o\/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{22}$/);
  const put = sender.requests.filter((q) => q.method === 'PUT');
  assert.equal(put.length, 1, 'a text secret is one PUT');
  assert.equal((await info(r.id)).mode, 'e2e');
  await shot(sender, 'e2e-02-sent');

  const receiver = await watchedPage();
  await receiver.goto(r.link);
  await receiver.waitForSelector('#share:not([hidden])');
  assert.equal(await receiver.textContent('#what'), 'A text secret');
  assert.match(await receiver.textContent('#mode'), /^End to end/);
  assert.equal(await apiState(r.id), 200);
  await receiver.click('#open');
  await receiver.waitForSelector('#text-result:not([hidden])');
  assert.equal(await receiver.inputValue('#secret'), text);
  assert.equal(await apiState(r.id), 410);
  assert.equal(new URL(receiver.url()).hash, '', 'the key stayed in the address bar');
  await shot(receiver, 'e2e-03-received-text');
  assertNoneSent([sender, receiver], [text, r.secret]);
  assert.deepEqual(sender.problems, []);
  assert.deepEqual(receiver.problems, []);

  const owner = await watchedPage();
  await owner.goto(r.owner);
  await owner.waitForSelector('#facts:not([hidden])');
  assert.equal(await owner.textContent('#state'), 'Opened');
  assert.match(await owner.textContent('#mode'), /^End to end/);
  await owner.waitForFunction(() => /Ended/.test(document.getElementById('lease').textContent));
  await shot(owner, 'e2e-04-owner');
  for (const p of [sender, receiver, owner]) await p.context().close();
});

test('a 1 KiB file through the download service worker (tier B)', async () => {
  const content = randomBytes(1024);
  const name = 'résumé ✓ 1k.bin';
  record(name);
  const sender = await watchedPage();
  const r = await sendFile(sender, { name, mimeType: 'application/octet-stream', buffer: content });
  const receiver = await watchedPage({ tier: 'B' });
  const got = await receiveDownload(receiver, r.link);
  assert.equal(got.name, name);
  assert.ok(got.bytes.equals(content), 'downloaded bytes differ');
  assert.equal(await apiState(r.id), 410);
  assertNoneSent([sender, receiver], [name, r.secret]);
  assert.deepEqual(receiver.problems, []);
  for (const p of [sender, receiver]) await p.context().close();
});

test('a 0-byte file through the save picker (tier A)', async () => {
  const sender = await watchedPage();
  const r = await sendFile(sender, { name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
  const receiver = await watchedPage({ tier: 'A' });
  const got = await receiveA(receiver, r.link);
  assert.equal(got.pick.suggested, 'empty.txt');
  assert.equal(got.file.size, 0);
  assert.equal(await apiState(r.id), 410);
  assert.deepEqual(receiver.problems, []);
  for (const p of [sender, receiver]) await p.context().close();
});

// Content that compresses nowhere and is easy to check.
function content(n) {
  return randomBytes(n);
}

function uploads(page) {
  return page.requests.filter((q) => new URL(q.url).pathname.startsWith('/api/v1/uploads'));
}

test('10 MiB in parts (POST, PATCH … , commit), saved through the picker', async () => {
  const data = content(10 * 1024 * 1024 + 3);
  const sender = await watchedPage();
  await sender.evaluate(() => {});
  const r = await sendFile(sender, { name: 'ten.bin', mimeType: 'application/octet-stream', buffer: data });
  const up = uploads(sender);
  assert.equal(up.filter((q) => q.method === 'POST' && !q.url.endsWith('/commit')).length, 1);
  const patches = up.filter((q) => q.method === 'PATCH');
  const clen = C.boxSize(data.length);
  assert.equal(patches.length, Math.ceil(clen / PART_MAX));
  assert.deepEqual(patches.map((q) => Number(q.headers['upload-offset'])),
    patches.map((_, i) => i * PART_MAX), 'parts in order, each once');
  assert.equal(up.filter((q) => q.url.endsWith('/commit')).length, 1);
  // The closed-tab record is gone once the upload ended.
  assert.equal(await sender.evaluate(() => localStorage.length), 0);

  const receiver = await watchedPage({ tier: 'A' });
  const got = await receiveA(receiver, r.link);
  assert.equal(got.pick.suggested, 'ten.bin');
  assert.equal(got.file.size, data.length);
  assert.equal(got.file.hash, sha256(data), 'saved bytes differ');
  await shot(receiver, 'e2e-05-saved');
  assert.deepEqual(sender.problems, []);
  assert.deepEqual(receiver.problems, []);
  for (const p of [sender, receiver]) await p.context().close();
});

test('a wrong password shows the attempts left and consumes nothing; the right one opens', async () => {
  const data = content(200 * 1024);
  const pw = 'correct horse ' + randomBytes(4).toString('hex');
  record(pw);
  const sender = await watchedPage();
  const r = await sendFile(sender, { name: 'protected.bin', mimeType: 'application/octet-stream', buffer: data },
    { password: pw });
  const i = await info(r.id);
  assert.equal(i.protected, true);
  assert.equal(i.mode, 'e2e');

  const receiver = await watchedPage({ tier: 'A' });
  await receiver.goto(r.link);
  await receiver.waitForSelector('#share:not([hidden])');
  assert.equal(await receiver.textContent('#what'), 'protected.bin');
  await receiver.fill('#password', 'wrong');
  await receiver.click('#open');
  await receiver.waitForFunction(() => document.getElementById('error').textContent !== '');
  assert.match(await receiver.textContent('#error'), /4 attempts left/);
  assert.equal(await apiState(r.id), 200);
  assert.equal((await info(r.id)).attempts_left, 4);
  await shot(receiver, 'e2e-06-wrong-password');
  // The picker's empty file went with the wrong attempt.
  const left = await receiver.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const names = [];
    for await (const k of root.keys()) names.push(k);
    return names;
  });
  assert.deepEqual(left, []);

  await receiver.fill('#password', pw);
  await receiver.click('#open');
  await statusText(receiver, /^Saved /);
  const picks = await receiver.evaluate(() => window.__picks);
  const f = await opfsFile(receiver, picks[picks.length - 1].name);
  assert.equal(f.hash, sha256(data));
  assert.equal(await apiState(r.id), 410);
  assertNoneSent([sender, receiver], [pw, r.secret, 'protected.bin']);
  assert.deepEqual(receiver.problems, []);
  for (const p of [sender, receiver]) await p.context().close();
});

test('five wrong passwords lock an end-to-end share', async () => {
  const sender = await watchedPage();
  const r = await sendText(sender, 'locked away ' + randomBytes(4).toString('hex'), 'the right one');
  const receiver = await watchedPage();
  await receiver.goto(r.link);
  await receiver.waitForSelector('#share:not([hidden])');
  for (let n = 4; n >= 1; n--) {
    await receiver.fill('#password', 'wrong ' + n);
    await receiver.click('#open');
    await receiver.waitForFunction((k) => new RegExp(`${k} attempts? left`).test(document.getElementById('error').textContent), n);
    await receiver.evaluate(() => { document.getElementById('error').textContent = ''; });
  }
  await receiver.fill('#password', 'wrong 0');
  await receiver.click('#open');
  assert.match(await statusText(receiver, /destroyed/), /too many wrong passwords/);
  assert.equal(await apiState(r.id), 410);
  assert.equal((await (await fetch(`${BASE}/api/v1/files/${r.id}`)).json()).error.code, 'locked');
  await shot(receiver, 'e2e-07-locked');
  for (const p of [sender, receiver]) await p.context().close();
});

test('a cancelled save picker claims nothing', async () => {
  const sender = await watchedPage();
  const r = await sendFile(sender, { name: 'kept.bin', mimeType: 'application/octet-stream', buffer: content(5000) });
  const receiver = await watchedPage({ tier: 'A' });
  await receiver.goto(r.link);
  await receiver.waitForSelector('#share:not([hidden])');
  await receiver.evaluate(() => { window.__pickerCancel = true; });
  await receiver.click('#open');
  await statusText(receiver, /still there/);
  assert.equal(await apiState(r.id), 200);
  assert.equal(receiver.requests.filter((q) => q.method === 'POST').length, 0, 'a claim was sent');
  for (const p of [sender, receiver]) await p.context().close();
});

test('in memory (tier C): saved when small, refused before the claim when too big', async () => {
  const small = content(300 * 1024);
  const sender = await watchedPage();
  const r1 = await sendFile(sender, { name: 'small.bin', mimeType: 'application/octet-stream', buffer: small });
  const r2 = await sendFile(sender, { name: 'big.bin', mimeType: 'application/octet-stream', buffer: content(3 << 20) });
  const receiver = await watchedPage({ tier: 'C' });
  // This server lets memory hold 2 MiB.
  await receiver.route('**/api/v1/config', async (route) => {
    const resp = await route.fetch();
    const j = await resp.json();
    j.e2e.memory_max = 2 << 20;
    await route.fulfill({ response: resp, json: j });
  });
  const got = await receiveDownload(receiver, r1.link);
  assert.equal(got.name, 'small.bin');
  assert.ok(got.bytes.equals(small));

  await receiver.goto(r2.link);
  await receiver.waitForSelector('#share:not([hidden])');
  await receiver.click('#open');
  assert.match(await statusText(receiver, /only save a download by holding it in memory/), /still there/);
  assert.equal(await apiState(r2.id), 200);
  await shot(receiver, 'e2e-08-too-big-for-memory');
  for (const p of [sender, receiver]) await p.context().close();
});

function patchOffsets(page) {
  return uploads(page).filter((q) => q.method === 'PATCH').map((q) => Number(q.headers['upload-offset']));
}

test('an upload cut off (no answer, a lost answer, workers down) resumes where the server is', async () => {
  const data = content(7 * PART_MAX + 999);
  const sender = await watchedPage();
  let n = 0;
  let restarted = null;
  await sender.route('**/api/v1/uploads/*', async (route) => {
    const q = route.request();
    if (q.method() !== 'PATCH') return route.continue();
    n++;
    if (n === 2) return route.abort('connectionreset');  // never reached the server
    if (n === 4) {
      await route.fetch();  // the server stores it; its answer is lost
      return route.abort('connectionreset');
    }
    if (n === 6) {
      // The workers go away for a moment: 502 from nginx, then back.
      devstack(['workers-stop']);
      restarted = new Promise((ok) => setTimeout(() => {
        spawn(process.env.OTS_TEST_DEVSTACK, ['workers-start'], { stdio: 'ignore' }).on('exit', ok);
      }, 1500));
    }
    return route.continue();
  });
  // Its id is not given to the run's log scan: with the workers down,
  // nginx logs each refused request line, id included, at "crit"
  // (reported as a server-side issue; the scan would flag it).
  const r = await sendFile(sender, { name: 'cut.bin', mimeType: 'application/octet-stream', buffer: data },
    { recordId: false });
  await restarted;
  const offs = patchOffsets(sender);
  const clen = C.boxSize(data.length);
  const parts = Math.ceil(clen / PART_MAX);
  // Every part's offset appears, in order, some twice; none is skipped.
  assert.deepEqual([...new Set(offs)], [...Array(parts).keys()].map((i) => i * PART_MAX));
  assert.ok(offs.length >= parts + 2, `parts sent: ${offs}`);
  assert.ok(uploads(sender).some((q) => q.method === 'HEAD'), 'no HEAD after the failures');
  // The part whose answer was lost was not sent again.
  assert.equal(offs.filter((o) => o === 3 * PART_MAX).length, 1, `parts sent: ${offs}`);

  const receiver = await watchedPage({ tier: 'B' });
  const got = await receiveDownload(receiver, r.link);
  assert.ok(got.bytes.equals(data), 'downloaded bytes differ');
  for (const p of [sender, receiver]) await p.context().close();
});

test('an upload whose tab closed resumes once the same file is chosen again', async () => {
  const dir = join(STATE, 'e2e-files');
  mkdirSync(join(dir, 'other'), { recursive: true });
  const path = join(dir, 'resume me.bin');
  const data = content(6 * PART_MAX + 12345);
  writeFileSync(path, data);
  // A whole second: the same time can be given to another file exactly.
  const when = Math.floor(Date.now() / 1000) - 60;
  utimesSync(path, when, when);
  const ctx = await browser.newContext({ acceptDownloads: true });
  await ctx.addInitScript(tierScript('B'), false);
  const first = await watchedPage({ context: ctx });
  let n = 0;
  await first.route('**/api/v1/uploads/*', async (route) => {
    if (route.request().method() === 'PATCH' && ++n > 3) return route.abort('internetdisconnected');
    return route.continue();
  });
  await openSendPage(first);
  await first.setInputFiles('#file', path);
  await first.click('#send');
  await first.waitForFunction(() => /trying again/.test(document.getElementById('progress-text').textContent));
  const rec = await first.evaluate(() => {
    const k = Object.keys(localStorage).filter((x) => x.startsWith('ots-upload:'));
    return k.length === 1 ? JSON.parse(localStorage.getItem(k[0])) : k;
  });
  assert.equal(rec.checkpoint.to, 3 * PART_MAX);
  assert.equal(rec.file.name, 'resume me.bin');
  assert.ok(!JSON.stringify(rec).includes('password'), 'a password was kept');
  record(rec.token);
  await first.close();

  const second = await watchedPage({ context: ctx });
  await second.goto(BASE + '/');
  await second.waitForSelector('#resume:not([hidden])');
  assert.match(await second.textContent('#resume-list'), /resume me\.bin .* stopped at \d+%/);
  await shot(second, 'e2e-09-resume-offer');

  // Another file of the same name, size and time is refused.
  const other = join(dir, 'other', 'resume me.bin');
  const changed = Buffer.from(data);
  changed[100] ^= 1;
  writeFileSync(other, changed);
  utimesSync(other, when, when);
  await second.setInputFiles('#file', other);
  assert.equal(await second.textContent('#send'), 'Resume the upload');
  await second.click('#send');
  await second.waitForFunction(() => /not the same file/.test(document.getElementById('error').textContent));

  await second.setInputFiles('#file', path);
  assert.equal(await second.textContent('#send'), 'Resume the upload');
  await second.click('#send');
  await second.waitForSelector('#result:not([hidden])');
  const r = await readResult(second);
  assert.equal(r.id, rec.id);
  assert.equal(r.secret, rec.secret);
  const offs = patchOffsets(second);
  assert.equal(offs[0], 3 * PART_MAX, `resumed parts: ${offs}`);
  assert.equal(await second.evaluate(() => localStorage.length), 0);

  const receiver = await watchedPage({ tier: 'A' });
  const got = await receiveA(receiver, r.link);
  assert.equal(got.file.hash, sha256(data));
  await ctx.close();
  await receiver.context().close();
  await rm(dir, { recursive: true, force: true });
});

test('a download cut off resumes within the lease; then the share is gone', async () => {
  const data = content(3 * PART_MAX + 77);
  const sender = await watchedPage();
  const r = await sendFile(sender, { name: 'resumed.bin', mimeType: 'application/octet-stream', buffer: data });
  const receiver = await watchedPage({ tier: 'A' });
  let lease = null;
  const CUT = 1234567;
  await receiver.route(`**/d/${r.id}`, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    const resp = await route.fetch();
    const body = await resp.body();
    const headers = resp.headers();
    lease = headers['x-lease-token'];
    assert.ok(Number(headers['x-lease-expires-at-unix']) > Date.now() / 1000);
    delete headers['content-length'];
    await route.fulfill({ status: resp.status(), headers, body: body.subarray(0, CUT) });
  });
  const got = await receiveA(receiver, r.link);
  assert.equal(got.file.hash, sha256(data));
  record(lease);
  const leased = receiver.requests.filter((q) => new URL(q.url).pathname === `/api/v1/leases/${r.id}`);
  assert.deepEqual(leased.map((q) => [q.method, q.headers.range]),
    [['GET', `bytes=${CUT}-`], ['DELETE', undefined]]);
  // Confirmed: the lease is over, for its holder too.
  const again = await fetch(`${BASE}/api/v1/leases/${r.id}`, { headers: { Authorization: 'Bearer ' + lease } });
  assert.equal(again.status, 410);
  // A second claim is refused.
  const late = await watchedPage({ tier: 'A' });
  await late.goto(r.link);
  assert.match(await statusText(late, /opened/), /already opened/);
  const owner = await watchedPage();
  await owner.goto(r.owner);
  await owner.waitForFunction(() => /^Ended/.test(document.getElementById('lease').textContent));
  for (const p of [sender, receiver, late, owner]) await p.context().close();
});

// ---- On the wire -------------------------------------------------------

// The TCP payload of a pcap file, one byte stream per direction of each
// connection, in sequence order (retransmissions and overlaps dropped),
// so that a string split across segments is still found.
function tcpStreams(buf) {
  let le;
  if (buf.readUInt32LE(0) === 0xa1b2c3d4 || buf.readUInt32LE(0) === 0xa1b23c4d) le = true;
  else if (buf.readUInt32BE(0) === 0xa1b2c3d4 || buf.readUInt32BE(0) === 0xa1b23c4d) le = false;
  else throw new Error('not a pcap file');
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const link = u32(20);
  const flows = new Map();
  let off = 24;
  while (off + 16 <= buf.length) {
    const incl = u32(off + 8);
    const pkt = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    let ip;
    if (link === 1 && pkt.length > 14 && pkt.readUInt16BE(12) === 0x0800) ip = pkt.subarray(14);
    else if (link === 113 && pkt.length > 16 && pkt.readUInt16BE(14) === 0x0800) ip = pkt.subarray(16);
    else if (link === 276 && pkt.length > 20 && pkt.readUInt16BE(0) === 0x0800) ip = pkt.subarray(20);
    else if (link === 0 && pkt.length > 4) ip = pkt.subarray(4);
    else if (link === 101 || link === 228) ip = pkt;
    else continue;
    if (ip.length < 20 || ip[0] >> 4 !== 4 || ip[9] !== 6) continue;
    const tcp = ip.subarray((ip[0] & 15) * 4, ip.readUInt16BE(2));
    if (tcp.length < 20) continue;
    const payload = tcp.subarray((tcp[12] >> 4) * 4);
    if (payload.length === 0) continue;
    const key = `${ip.subarray(12, 16).join('.')}:${tcp.readUInt16BE(0)}>${ip.subarray(16, 20).join('.')}:${tcp.readUInt16BE(2)}`;
    if (!flows.has(key)) flows.set(key, []);
    flows.get(key).push({ seq: tcp.readUInt32BE(4), payload });
  }
  const out = [];
  for (const segs of flows.values()) {
    const base = segs[0].seq;
    for (const s of segs) s.rel = (s.seq - base + 2 ** 32) % 2 ** 32;
    segs.sort((a, b) => a.rel - b.rel);
    const parts = [];
    let at = 0;
    for (const s of segs) {
      const end = s.rel + s.payload.length;
      if (end <= at) continue;
      parts.push(s.payload.subarray(Math.max(0, at - s.rel)));
      at = end;
    }
    out.push(Buffer.concat(parts));
  }
  return out;
}

async function capture(port, file, fn) {
  const dump = spawn('tcpdump', ['-i', 'lo', '-U', '-s', '0', '-Z', 'root', '-w', file, `tcp port ${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise((ok, fail) => {
    dump.stderr.on('data', (d) => {
      err += d;
      if (/listening on/.test(err)) ok();
    });
    dump.on('exit', (c) => fail(new Error('tcpdump exited ' + c + ': ' + err)));
  });
  try {
    await fn();
  } finally {
    const done = new Promise((ok) => dump.on('exit', ok));
    dump.kill('SIGINT');
    await done;
  }
  return tcpStreams(readFileSync(file));
}

function onWire(streams, s) {
  const b = Buffer.from(s);
  return streams.some((x) => x.includes(b));
}

let hasTcpdump = false;
try {
  execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
  hasTcpdump = true;
} catch { /* below */ }
const canCapture = process.getuid && process.getuid() === 0 && hasTcpdump;
if (!canCapture) {
  console.error('\n!!!!!!!! SKIPPING THE WIRE CAPTURE TEST: it needs root and tcpdump ' +
    `(uid ${process.getuid && process.getuid()}, tcpdump ${hasTcpdump ? 'found' : 'missing'}) !!!!!!!!\n`);
}

test('on the wire, an end-to-end share carries no plaintext, name, password or key; a server-side one does',
  { skip: canCapture ? false : 'needs root and tcpdump' }, async () => {
    const port = new URL(BASE).port;
    const marker = 'OTS-WIRE-MARKER-' + randomBytes(8).toString('hex');
    const nameMark = 'wire-name-' + randomBytes(6).toString('hex');
    const pw = 'wire password ' + randomBytes(6).toString('hex');
    for (const s of [marker, nameMark, pw]) record(s);
    // The marker many times over, so that no segmentation hides it.
    const data = Buffer.from((marker + '\n').repeat(20000));
    const file = { name: nameMark + '.txt', mimeType: 'text/plain', buffer: data };

    let e2e;
    const wireE2E = await capture(port, join(STATE, 'wire-e2e.pcap'), async () => {
      const sender = await watchedPage();
      e2e = await sendFile(sender, file, { password: pw });
      const receiver = await watchedPage({ tier: 'A' });
      const got = await receiveA(receiver, e2e.link, pw);
      assert.equal(got.file.hash, sha256(data));
      for (const p of [sender, receiver]) await p.context().close();
    });
    const total = wireE2E.reduce((n, x) => n + x.length, 0);
    assert.ok(total > 2 * data.length, `the capture holds too little (${total} bytes)`);
    assert.ok(onWire(wireE2E, 'X-Link-Proof'), 'the capture does not see the HTTP requests');
    for (const [what, s] of [['plaintext', marker], ['file name', nameMark], ['password', pw],
      ['link secret', e2e.secret]])
      assert.ok(!onWire(wireE2E, s), `the ${what} of an end-to-end share crossed the wire`);

    // Control: the same file, server-side.
    let srv;
    const wireServer = await capture(port, join(STATE, 'wire-server.pcap'), async () => {
      const sender = await watchedPage();
      await openSendPage(sender);
      await sender.uncheck('#e2e');
      await sender.setInputFiles('#file', file);
      await sender.click('#send');
      await sender.waitForSelector('#result:not([hidden])');
      srv = await readResult(sender);
      assert.match(srv.mode, /Encrypted by the server/);
      const receiver = await watchedPage();
      await receiver.goto(srv.link);
      await receiver.waitForSelector('#share:not([hidden])');
      assert.match(await receiver.textContent('#mode'), /^By the server/);
      const [download] = await Promise.all([receiver.waitForEvent('download'), receiver.click('#open')]);
      assert.ok((await readFile(await download.path())).equals(data));
      for (const p of [sender, receiver]) await p.context().close();
    });
    for (const [what, s] of [['plaintext', marker], ['file name', nameMark], ['key', srv.secret]])
      assert.ok(onWire(wireServer, s), `the control does not see the ${what} of a server-side share`);
    await rm(join(STATE, 'wire-e2e.pcap'));
    await rm(join(STATE, 'wire-server.pcap'));
  });

test('the container is the same given its key, id and stream header (closed-tab resume)', () => {
  const k = sodium.randombytes_buf(32);
  const id = sodium.randombytes_buf(16);
  const data = sodium.randombytes_buf(3 * C.CHUNK + 5);
  const make = (w, cuts) => {
    const out = [w.header()];
    let at = 0;
    for (const c of [...cuts, data.length]) {
      out.push(...w.push(data.subarray(at, c)));
      at = c;
    }
    out.push(w.finish());
    return Buffer.concat(out);
  };
  const w1 = new C.BoxWriter(sodium, k, id);
  const a = make(w1, [C.CHUNK]);
  const w2 = new C.BoxWriter(sodium, k, id, w1.streamHeader());
  const b = make(w2, [1, 7, 2 * C.CHUNK + 3]);
  assert.ok(a.equals(b));
  assert.equal(a.length, C.boxSize(data.length));
  const w3 = new C.BoxWriter(sodium, k, id);
  assert.ok(!make(w3, []).equals(a), 'two random headers gave one container');
  for (const w of [w1, w2, w3]) w.wipe();
});

test('a save that fails after the claim can be tried again within the lease', async () => {
  const data = content(5 * PART_MAX + 1);
  const sender = await watchedPage();
  const r = await sendFile(sender, { name: 'again.bin', mimeType: 'application/octet-stream', buffer: data });
  const receiver = await watchedPage({ tier: 'A' });
  await receiver.goto(r.link);
  await receiver.waitForSelector('#share:not([hidden])');
  await receiver.evaluate(() => { window.__failWrites = 1; });
  await receiver.click('#open');
  assert.match(await statusText(receiver, /try again/), /could not be saved: The disk is full\. Nothing was written/);
  await receiver.waitForSelector('#retry-row:not([hidden])');
  await shot(receiver, 'e2e-10-save-failed');
  assert.equal(await apiState(r.id), 410);
  await receiver.click('#retry');
  await statusText(receiver, /^Saved /);
  const picks = await receiver.evaluate(() => window.__picks);
  assert.equal(picks.length, 2);
  assert.equal((await opfsFile(receiver, picks[1].name)).hash, sha256(data));
  const leased = receiver.requests.filter((q) => new URL(q.url).pathname === `/api/v1/leases/${r.id}`);
  assert.deepEqual(leased.map((q) => [q.method, q.headers.range]), [['GET', undefined], ['DELETE', undefined]]);
  for (const p of [sender, receiver]) await p.context().close();
});

// `ots` (the C client of this build) in a directory of its own.
function ots(args, input, cwd) {
  const r = spawnSync(process.env.OTS_TEST_CLIENT, args, {
    cwd, input: input ?? '', env: { ...process.env, OTS_SERVER: BASE }, maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, out: r.stdout.toString(), err: r.stderr.toString() };
}

test('a share the browser encrypted opens with ots, byte for byte (C and JavaScript agree)', async () => {
  const data = content(3 * PART_MAX + 4321);
  const name = 'from the browser ✓.bin';
  const password = 'browser-to-ots pw';
  record(name);
  record(password);
  const sender = await watchedPage();
  const r = await sendFile(sender, { name, mimeType: 'application/octet-stream', buffer: data }, { password });
  const cwd = join(STATE, 'ots-from-browser');
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, 'pw'), password + '\n');
  const got = ots(['get', '-q', '--password-file', 'pw'], r.link + '\n', cwd);
  assert.equal(got.code, 0, got.err);
  assert.equal(sha256(readFileSync(join(cwd, name))), sha256(data), 'ots saved other bytes');
  assert.equal(await apiState(r.id), 410);
  assert.deepEqual(sender.problems, []);
  await sender.context().close();
});

test('a share ots encrypted opens in the browser, byte for byte, under its name', async () => {
  const data = content(2 * PART_MAX + 999);
  const name = 'from ots ✓.bin';
  const password = 'ots-to-browser pw';
  record(name);
  record(password);
  const cwd = join(STATE, 'ots-to-browser');
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, name), data);
  writeFileSync(join(cwd, 'pw'), password + '\n');
  const sent = ots(['send', '-q', '--password-file', 'pw', name], '', cwd);
  assert.equal(sent.code, 0, sent.err);
  const link = sent.out.trim();
  record(new URL(link).hash.slice(1));
  record(new URL(link).pathname.split('/')[2], 'used-ids');
  const receiver = await watchedPage({ tier: 'A' });
  const got = await receiveA(receiver, link, password);
  assert.equal(got.pick.suggested, name);
  assert.equal(got.file.size, data.length);
  assert.equal(got.file.hash, sha256(data), 'the browser saved other bytes');
  // And a text secret, shown as text.
  const text = ots(['send', '-q', '--text'], 'a secret from ots', cwd);
  assert.equal(text.code, 0, text.err);
  const page = await watchedPage({ tier: 'A' });
  await page.goto(text.out.trim());
  await page.waitForSelector('#share:not([hidden])');
  assert.equal(await page.textContent('#what'), 'A text secret');
  await page.click('#open');
  await page.waitForSelector('#text-result:not([hidden])');
  assert.equal(await page.inputValue('#secret'), 'a secret from ots');
  assert.deepEqual(receiver.problems, []);
  assert.deepEqual(page.problems, []);
  for (const p of [receiver, page]) await p.context().close();
});
