// `ots` with a 2 GiB file (`make e2e-big`, OTS_CLIENT_BIG_MB sets the
// size): end to end, up in parts and down, from a sparse source, checked
// by hash, with the client's peak resident memory read from /proc all
// along: it holds a part (16 MiB) and a chunk or two, never the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

const BASE = process.env.OTS_TEST_URL;
const STATE = process.env.OTS_TEST_STATE;
const OTS = process.env.OTS_TEST_CLIENT;
const MIB = 1024 * 1024;
const MB = Number(process.env.OTS_CLIENT_BIG_MB || 2048);
const SIZE = MB * MIB;
// A part, a chunk, libcurl and libsodium: measured 26 MiB up, 10 MiB
// down (2 GiB, Debian 12, libcurl 7.88).
const CLIENT_MAX = 64 * MIB;
let dir;

async function hashFile(path) {
  const h = createHash('sha256');
  for await (const b of createReadStream(path, { highWaterMark: 4 * MIB })) h.update(b);
  return h.digest('hex');
}

// Runs ots, sampling its peak resident memory (VmHWM) until it exits.
function run(args, input) {
  const child = spawn(OTS, args, { cwd: dir, env: { ...process.env, OTS_SERVER: BASE } });
  let out = '', err = '', peak = 0;
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  child.stdin.end(input ?? '');
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch { /* gone */ }
  };
  const timer = setInterval(sample, 50);
  const t = Date.now();
  return new Promise((res) => child.on('exit', (code) => {
    clearInterval(timer);
    res({ code, out, err, peak, secs: (Date.now() - t) / 1000 });
  }));
}

before(async () => {
  assert.ok(BASE && OTS, 'run via tests/integration/run');
  const cfg = await (await fetch(BASE + '/api/v1/config')).json();
  assert.ok(cfg.max_size >= SIZE, `the stack takes ${cfg.max_size} bytes: set OTS_MAX_SIZE`);
  dir = join(STATE, 'client-big');
  mkdirSync(dir, { recursive: true });
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test(`${MB} MiB through ots, end to end, in bounded memory`, { timeout: 20 * 60 * 1000 }, async () => {
  const source = join(dir, 'sparse.img');
  // Sparse, with a little data at each end so a lost part would show.
  execFileSync('truncate', ['-s', String(SIZE), source]);
  execFileSync('sh', ['-c', `printf 'head' | dd of="${source}" conv=notrunc status=none && ` +
    `printf 'tail' | dd of="${source}" bs=1 seek=${SIZE - 4} conv=notrunc status=none`]);
  const want = await hashFile(source);
  const up = await run(['send', '-q', 'sparse.img']);
  assert.equal(up.code, 0, up.err);
  const link = up.out.trim();
  await rm(source);
  const down = await run(['get', '-q'], link + '\n');
  assert.equal(down.code, 0, down.err);
  assert.equal(await hashFile(source), want, 'the file that came back differs');
  const id = new URL(link).pathname.split('/')[2];
  assert.equal((await fetch(`${BASE}/api/v1/files/${id}`)).status, 410);
  console.log(`ots send ${MB} MiB in ${up.secs.toFixed(1)} s (${(MB / up.secs).toFixed(0)} MiB/s), ` +
    `peak ${(up.peak / MIB).toFixed(1)} MiB RSS; ots get in ${down.secs.toFixed(1)} s ` +
    `(${(MB / down.secs).toFixed(0)} MiB/s), peak ${(down.peak / MIB).toFixed(1)} MiB RSS`);
  for (const r of [up, down]) {
    assert.ok(r.peak > 0, 'the client was never sampled');
    assert.ok(r.peak < CLIENT_MAX, `the client reached ${(r.peak / MIB).toFixed(1)} MiB`);
  }
});
