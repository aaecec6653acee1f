// A 1 GiB end-to-end share through the web UI, up and down, in a real
// headless Chromium with a persistent profile (as people's browsers
// are, and so that nothing of the browser's own is memory-backed),
// against the stack tests/integration/run started (`make e2e-big`).
// The sender's crypto worker encrypts it in parts; the receiver's
// decrypts it into the download service worker (tier B), which hands it
// to the download manager.  The content is generated, compared by hash,
// and the renderers' resident memory is sampled from /proc all along:
// it must stay far below the file's size.  OTS_E2E_BIG_MB sets the
// size (1024).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { appendFileSync, createReadStream, createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './stack.mjs';

const BASE = process.env.OTS_TEST_URL;
const STATE = process.env.OTS_TEST_STATE;
const MB = Number(process.env.OTS_E2E_BIG_MB || 1024);
const SIZE = MB * 1024 * 1024;
const MIB = 1024 * 1024;
// A renderer holds a few parts and chunks, never the file: its peak does
// not grow with the size (measured: about 360 MiB RSS at 512 MiB and at
// 1 GiB alike, 2-core machine, Chromium 156).
const RENDERER_MAX = 512 * MIB;
let dir, source, sourceHash, context;

// Pseudo-random bytes (AES-CTR over zeros), hashed as they are written.
async function generate(path, size) {
  const c = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 9));
  const h = createHash('sha256');
  const out = createWriteStream(path);
  const zero = Buffer.alloc(4 * MIB);
  for (let left = size; left > 0; left -= zero.length) {
    const b = c.update(zero.subarray(0, Math.min(zero.length, left)));
    h.update(b);
    if (!out.write(b)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return h.digest('hex');
}

async function hashFile(path) {
  const h = createHash('sha256');
  for await (const b of createReadStream(path, { highWaterMark: 4 * MIB })) h.update(b);
  return h.digest('hex');
}

// Samples the resident memory of every process of the browser whose
// profile is `profile`: the peak of each kind (browser, renderer, …),
// per process.
function memoryWatch(profile) {
  const peak = {};
  const byPid = {};
  const read = (pid, f) => {
    try {
      return readFileSync(`/proc/${pid}/${f}`, 'utf8');
    } catch {
      return '';
    }
  };
  const sample = () => {
    const ppid = new Map();
    const cmd = new Map();
    for (const p of readdirSync('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      const st = read(p, 'stat');
      const m = /\) \S (\d+)/.exec(st);
      if (!m) continue;
      ppid.set(p, m[1]);
      cmd.set(p, read(p, 'cmdline').replace(/\0/g, ' '));
    }
    const roots = [...cmd].filter(([, c]) => c.includes(profile) && !c.includes('--type=')).map(([p]) => p);
    const mine = (p) => {
      for (let i = 0; p && i < 64; i++, p = ppid.get(p)) if (roots.includes(p)) return true;
      return false;
    };
    for (const [p, c] of cmd) {
      if (!mine(p)) continue;
      const kind = (/--type=(\S+)/.exec(c) || [, 'browser'])[1];
      const s = read(p, 'status');
      const rss = Number((/VmRSS:\s+(\d+)/.exec(s) || [, 0])[1]) * 1024;
      const anon = Number((/RssAnon:\s+(\d+)/.exec(s) || [, 0])[1]) * 1024;
      const k = peak[kind] || (peak[kind] = { rss: 0, anon: 0 });
      k.rss = Math.max(k.rss, rss);
      k.anon = Math.max(k.anon, anon);
      if (process.env.OTS_E2E_BIG_DEBUG) {
        const q = byPid[p] || (byPid[p] = { kind, rss: 0 });
        q.rss = Math.max(q.rss, rss);
      }
    }
  };
  const timer = setInterval(sample, 200);
  sample();
  return { peak, byPid, stop: () => clearInterval(timer) };
}

const mib = (n) => (n / MIB).toFixed(0) + ' MiB';

// For the run's scan of logs and data at rest (tests/integration/run).
function record(s, file = 'used-secrets') {
  if (STATE && s && s.length >= 8) appendFileSync(join(STATE, file), s + '\n');
}

before(async () => {
  assert.ok(BASE, 'OTS_TEST_URL unset: run via tests/integration/run');
  const cfg = await (await fetch(BASE + '/api/v1/config')).json();
  assert.ok(cfg.max_size >= SIZE, `the stack takes ${cfg.max_size} bytes: set OTS_MAX_SIZE`);
  assert.equal(cfg.e2e.enabled, true);
  dir = join(STATE, 'big');
  mkdirSync(dir, { recursive: true });
  source = join(dir, 'big file.bin');
  const t = Date.now();
  sourceHash = await generate(source, SIZE);
  console.log(`generated ${mib(SIZE)} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    acceptDownloads: true,
    args: CHROMIUM_ARGS,
  });
  // No save picker headless: the download service worker saves it.
  await context.addInitScript(() => {
    Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true, writable: true });
  });
});

after(async () => {
  await context?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test(`${MB} MiB end to end, up and down, in bounded memory`, { timeout: 15 * 60 * 1000 }, async () => {
  const problems = [];
  const watch = memoryWatch(join(dir, 'profile'));
  try {
    const sender = await context.newPage();
    sender.on('pageerror', (e) => problems.push('sender: ' + e.message));
    await sender.goto(BASE + '/');
    await sender.waitForFunction(() => /encrypted here/.test(document.getElementById('e2e-note').textContent));
    await sender.setInputFiles('#file', source);
    let t = Date.now();
    await sender.click('#send');
    await sender.waitForSelector('#result:not([hidden])', { timeout: 10 * 60 * 1000 });
    const up = (Date.now() - t) / 1000;
    const link = await sender.inputValue('#link');
    const stats = await sender.getAttribute('#result', 'data-stats');
    const id = new URL(link).pathname.split('/')[2];
    record(id, 'used-ids');
    record(new URL(link).hash.slice(1));
    record('big file.bin');
    const upPeak = JSON.parse(JSON.stringify(watch.peak));
    await sender.close();

    const receiver = await context.newPage();
    receiver.on('pageerror', (e) => problems.push('receiver: ' + e.message));
    await receiver.goto(link);
    await receiver.waitForSelector('#share:not([hidden])');
    assert.equal(await receiver.textContent('#what'), 'big file.bin');
    t = Date.now();
    const [download] = await Promise.all([
      receiver.waitForEvent('download', { timeout: 60000 }),
      receiver.click('#open'),
    ]);
    const path = await download.path();
    await receiver.waitForFunction(() => /^Downloaded /.test(document.getElementById('status').textContent),
      null, { timeout: 60000 });
    const down = (Date.now() - t) / 1000;
    watch.stop();
    assert.equal(download.suggestedFilename(), 'big file.bin');
    const got = await hashFile(path);
    assert.equal(got, sourceHash, 'the downloaded file differs');
    assert.equal((await fetch(`${BASE}/api/v1/files/${id}`)).status, 410);
    await rm(path, { force: true });

    const p = watch.peak;
    const line = (k) => (p[k] ? `${k} ${mib(p[k].rss)} RSS (${mib(p[k].anon)} anonymous)` : `${k} -`);
    console.log(`upload   ${MB} MiB in ${up.toFixed(1)} s (${(MB / up).toFixed(1)} MiB/s), ` +
      `peak renderer ${upPeak.renderer ? mib(upPeak.renderer.rss) : '-'} RSS; ` +
      `the crypto worker's milliseconds: ${stats}`);
    console.log(`download ${MB} MiB in ${down.toFixed(1)} s (${(MB / down).toFixed(1)} MiB/s)`);
    console.log(`peak memory per process: ${line('renderer')}; ${line('browser')}; ${line('utility')}`);
    if (process.env.OTS_E2E_BIG_DEBUG) console.log(JSON.stringify(watch.byPid));
    assert.deepEqual(problems, []);
    assert.ok(p.renderer && p.renderer.rss > 0, 'no renderer process was sampled');
    assert.ok(p.renderer.rss < RENDERER_MAX,
      `a renderer reached ${mib(p.renderer.rss)} RSS (limit ${mib(RENDERER_MAX)})`);
  } finally {
    watch.stop();
  }
});
