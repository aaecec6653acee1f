// The C client (`ots`, tools/ots-c/) against the real stack, as a user
// drives it: round trips end to end and server-side, passwords (file and
// terminal prompt), owner and admin commands, the progress bar, and an
// exit code for each failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const OTS = process.env.OTS_TEST_CLIENT;
const BASE = process.env.OTS_TEST_URL;
let dir;

function ots(args, opts = {}) {
  const r = spawnSync(OTS, args, {
    cwd: dir, input: opts.input ?? '', maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, OTS_SERVER: BASE, ...(opts.env || {}) },
  });
  return { code: r.status, out: r.stdout, err: r.stderr.toString() };
}

function send(args, opts) {
  const r = ots(['send', '-q', ...args], opts);
  assert.equal(r.code, 0, `send failed: ${r.err}`);
  const link = r.out.toString().trim();
  assert.match(link, /\/d\/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{22}$/);
  return link;
}

function devstack(args, env = {}) {
  execFileSync(process.env.OTS_TEST_DEVSTACK, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
}

before(() => {
  assert.ok(BASE && OTS, 'run via tests/integration/run');
  dir = mkdtempSync(join(tmpdir(), 'ots-cli-'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('a binary file goes round once, under its own name', () => {
  const data = randomBytes(1024 * 1024 + 3);
  writeFileSync(join(dir, 'photo.raw'), data);
  const link = send(['photo.raw']);
  rmSync(join(dir, 'photo.raw'));
  const r = ots(['get', '-q', link]);
  assert.equal(r.code, 0, r.err);
  assert.ok(readFileSync(join(dir, 'photo.raw')).equals(data));
  const again = ots(['get', '-q', '-o', 'second', link]);
  assert.equal(again.code, 2, 'a second get must say gone');
  assert.equal(existsSync(join(dir, 'second')), false);
});

test('stdin to stdout', () => {
  const data = randomBytes(300000);
  const link = send(['-'], { input: data });
  const r = ots(['get', '-q', '-o', '-', link]);
  assert.equal(r.code, 0, r.err);
  assert.ok(r.out.equals(data));
});

test('a text secret from stdin and from a file; never from the command line', () => {
  let r = ots(['get', '-o', '-', send(['--text'], { input: 'from stdin\nline 2\n' })]);
  assert.equal(r.out.toString(), 'from stdin\nline 2\n');
  writeFileSync(join(dir, 'note.txt'), 'from a file');
  r = ots(['get', '-o', '-', send(['--text', 'note.txt'])]);
  assert.equal(r.out.toString(), 'from a file');
  // A word after --text names a file: the secret itself is refused.
  r = ots(['send', '-q', '--text', 'hello there']);
  assert.equal(r.code, 1, r.err);
});

test('a 100 MiB file goes round', () => {
  devstack(['workers-stop']);
  devstack(['workers-start'], { OTS_MAX_SIZE: '200M' });
  try {
    const data = randomBytes(100 * 1024 * 1024);
    writeFileSync(join(dir, 'big.bin'), data);
    const link = send(['-n', 'big-copy.bin', 'big.bin']);
    const r = ots(['get', '-q', link]);
    assert.equal(r.code, 0, r.err);
    assert.ok(readFileSync(join(dir, 'big-copy.bin')).equals(data));
  } finally {
    devstack(['workers-stop']);
    devstack(['workers-start']);
  }
});

test('password from a file; wrong password exits 3 and consumes nothing', () => {
  writeFileSync(join(dir, 'pw'), 'tr0ub4dor&3\n');
  writeFileSync(join(dir, 'bad'), 'nope\n');
  const link = send(['--password-file', 'pw', '--text'], { input: 'guarded' });
  let r = ots(['get', '--password-file', 'bad', '-o', '-', link]);
  assert.equal(r.code, 3, r.err);
  assert.match(r.err, /attempt/);
  r = ots(['get', '--password-file', 'pw', '-o', '-', link]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.toString(), 'guarded');
});

test('a password with blanks at its ends opens the share', () => {
  // X-Password is percent-encoded: nginx would strip the blanks.
  writeFileSync(join(dir, 'padded'), '  padded pw  \n');
  const link = send(['--password-file', 'padded', '--text'], { input: 'padded ok' });
  writeFileSync(join(dir, 'trimmed'), 'padded pw\n');
  let r = ots(['get', '--password-file', 'trimmed', '-o', '-', link]);
  assert.equal(r.code, 3, 'the trimmed password opened it');
  r = ots(['get', '--password-file', 'padded', '-o', '-', link]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.toString(), 'padded ok');
});

test('password asked on the terminal', () => {
  writeFileSync(join(dir, 'typed'), 'typed secret\n');
  const link = send(['--password-file', 'typed', '--text'], { input: 'via the tty' });
  // script(1) gives ots a pseudo-terminal and feeds it our input.
  // The answer is typed only once the prompt is up (as a person would),
  // so the terminal is no longer echoing.
  const r = spawnSync('sh', ['-c',
    `(sleep 1.5; printf 'typed secret\\n') | script -qec "${OTS} get -q -o out.txt '${link}'" /dev/null`], {
    cwd: dir, env: { ...process.env },
  });
  assert.equal(r.status, 0, r.stdout.toString());
  assert.match(r.stdout.toString(), /Password:/);
  assert.doesNotMatch(r.stdout.toString(), /typed secret/, 'the password was echoed');
  assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'via the tty');
});

test('without a terminal a protected get fails with 3', () => {
  writeFileSync(join(dir, 'x'), 'x\n');
  const link = send(['--password-file', 'x', '--text'], { input: 'y' });
  const r = ots(['get', '-o', '-', link]);
  assert.equal(r.code, 3);
  assert.match(r.err, /password/);
});

test('status and revoke with the owner link', () => {
  const r = ots(['send', '--text'], { input: 'revocable' });
  assert.equal(r.code, 0);
  const link = r.out.toString().trim();
  const owner = /owner link \(status, revoke\): (\S+)/.exec(r.err)[1];
  let s = ots(['status', owner]);
  assert.equal(s.code, 0, s.err);
  assert.equal(s.out.toString().trim(), 'available');
  s = ots(['revoke', owner]);
  assert.equal(s.code, 0, s.err);
  assert.equal(ots(['get', '-o', '-', link]).code, 2);
  s = ots(['status', owner]);
  assert.equal(s.out.toString().trim(), 'revoked');
  assert.equal(ots(['revoke', owner]).code, 2);
});

test('exit codes for the other failures', () => {
  const link = send(['--text'], { input: 'z' });
  const bogus = link.replace(/\/d\/[^#]+#/, '/d/AAAAAAAAAAAAAAAAAAAAAA#');
  assert.equal(ots(['get', '-o', '-', bogus]).code, 5, 'unknown share');
  const damaged = link.replace(/#.*/, '#AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(ots(['get', '-o', '-', damaged]).code, 3, 'wrong key');
  assert.equal(ots(['get', 'not-a-link']).code, 1, 'malformed link');
  assert.equal(ots(['frobnicate']).code, 1, 'unknown command');
  assert.equal(ots(['send', '-q', 'no-such-file']).code, 1, 'missing file');
  assert.equal(ots(['send', '-q', '-e', '99d', '--text'], { input: 'x' }).code, 1, 'bad expiry');
  assert.equal(ots(['send', '-q', '--bogus', 'x']).code, 1, 'unknown option');
  assert.equal(ots(['get', '-o']).code, 1, 'an option without its value');
  const down = ots(['send', '-q', '--text'], { input: 'x', env: { OTS_SERVER: 'http://127.0.0.1:9' } });
  assert.equal(down.code, 6, 'server unreachable');
  devstack(['workers-stop']);
  devstack(['workers-start'], { OTS_RATE_UPLOAD: '1/1m' });
  try {
    ots(['send', '-q', '--text'], { input: 'one' });
    const limited = ots(['send', '-q', '--text'], { input: 'two' });
    assert.equal(limited.code, 4, 'rate limited');
    assert.match(limited.err, /try again/i);
  } finally {
    devstack(['workers-stop']);
    devstack(['workers-start']);
  }
});

test('admin list and revoke from the command line', () => {
  const token = 'cli-admin-token-0123456789abcdef';
  const state = process.env.OTS_TEST_STATE;
  const bin = readFileSync(join(state, 'run/binary'), 'utf8').trim();
  const hash = execFileSync(bin, ['--hash-admin-token'], { input: token + '\n' })
    .toString().trim().replace('OTS_ADMIN_TOKEN_HASH=', '');
  devstack(['workers-stop']);
  devstack(['workers-start'], { OTS_ADMIN_TOKEN_HASH: hash });
  try {
    const link = send(['-n', 'Board-Minutes-Secret.txt', '--text'], { input: 'minutes' });
    const prefix = /\/d\/([A-Za-z0-9_-]{8})/.exec(link)[1];
    const env = { OTS_ADMIN_TOKEN: token };
    let r = ots(['admin', 'list'], { env });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out.toString(), new RegExp(`^${prefix}  \\d+ bytes`, 'm'));
    assert.doesNotMatch(r.out.toString(), /Board-Minutes/);
    assert.equal(ots(['admin', 'list'], { env: { OTS_ADMIN_TOKEN: 'wrong-token-000000000' } }).code, 3);
    // An id may begin with '-': after '--' it is never an option.
    r = ots(['admin', 'revoke', '--', prefix], { env });
    assert.equal(r.code, 0, r.err);
    assert.equal(ots(['get', '-o', '-', link]).code, 2);
  } finally {
    devstack(['workers-stop']);
    devstack(['workers-start']);
  }
});

// Every process's command line, as other local users can read it.
function cmdlines() {
  const out = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(pid)) continue;
    try { out.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'latin1') }); } catch { /* gone */ }
  }
  return out;
}

// Runs ots while sampling every command line; the first that held one
// of the secrets, and how often ots itself was seen.
async function runWatched(args, input, secrets) {
  const { child, done } = otsAsync(args, { input });
  let samples = 0, seen = false, exited = false;
  done.then(() => { exited = true; });
  while (!exited) {
    for (const p of cmdlines()) {
      if (secrets.some((s) => p.cmd.includes(s))) seen = p.cmd.replace(/\0/g, ' ');
      if (p.pid === String(child.pid)) samples++;
    }
    await new Promise((res) => setImmediate(res));
  }
  return { ...(await done), samples, seen };
}

test('the key, the password and the owner token are on no command line', async () => {
  const data = randomBytes(8 * 1024 * 1024);
  const password = 'cmdline-pw-' + randomBytes(6).toString('hex');
  writeFileSync(join(dir, 'quiet.bin'), data);
  writeFileSync(join(dir, 'cmd-pw'), password + '\n');
  const up = await runWatched(['send', '--password-file', 'cmd-pw', '-n', 'from-stdin.bin', 'quiet.bin'], '',
    [password]);
  assert.equal(up.code, 0, up.err);
  const link = up.out.toString().trim();
  const owner = /owner link \(status, revoke\): (\S+)/.exec(up.err)[1];
  const key = link.split('#')[1];
  const token = owner.split('#')[1];
  const down = await runWatched(['get', '-q', '--password-file', 'cmd-pw', '-'], link + '\n', [key, password]);
  assert.equal(down.code, 0, down.err);
  const st = await runWatched(['status', '-'], owner + '\n', [token]);
  assert.equal(st.code, 0, st.err);
  assert.equal(st.out.toString().trim(), 'claimed');
  for (const r of [up, down, st]) {
    assert.ok(r.samples > 0, 'the client was never seen running');
    assert.equal(r.seen, false, `a secret was on a command line: ${r.seen}`);
  }
  assert.ok(readFileSync(join(dir, 'from-stdin.bin')).equals(data));
});

test('status and revoke take the owner link from a file or standard input', () => {
  const r = ots(['send', '--text'], { input: 'owner via stdin' });
  assert.equal(r.code, 0, r.err);
  const owner = /owner link \(status, revoke\): (\S+)/.exec(r.err)[1];
  writeFileSync(join(dir, 'owner-link'), owner + '\n');
  let s = ots(['status', '--link-file', 'owner-link']);
  assert.equal(s.code, 0, s.err);
  assert.equal(s.out.toString().trim(), 'available');
  assert.doesNotMatch(s.err, /command line/, 'no warning for a link file');
  s = ots(['revoke'], { input: owner + '\n' });
  assert.equal(s.code, 0, s.err);
  s = ots(['status', '-'], { input: owner + '\n' });
  assert.equal(s.out.toString().trim(), 'revoked');
  // A link given as an argument still works, with a warning.
  s = ots(['status', owner]);
  assert.equal(s.code, 0);
  assert.match(s.err, /visible to other local users/);
  assert.equal(ots(['status', '--link-file', 'no-such-file']).code, 1);
  assert.equal(ots(['get', '-'], { input: '' }).code, 1, 'no link on stdin');
});

test("curl's own error messages reach the user", () => {
  const down = ots(['send', '--text'], { input: 'x', env: { OTS_SERVER: 'http://127.0.0.1:9' } });
  assert.equal(down.code, 6);
  assert.match(down.err, /cannot reach http:\/\/127\.0\.0\.1:9: .*\(curl 7\)/, down.err);
});

test('a progress bar on a terminal', () => {
  writeFileSync(join(dir, 'progress.bin'), randomBytes(4 * 1024 * 1024));
  const r = spawnSync('script', ['-qec', `${OTS} send progress.bin`, '/dev/null'], {
    cwd: dir, env: { ...process.env, OTS_SERVER: BASE },
  });
  assert.equal(r.status, 0, r.stdout.toString());
  assert.match(r.stdout.toString(), /#+.*100\.0%/, 'no progress bar');
});

test('Ctrl-C at the password prompt leaves the terminal echoing', () => {
  writeFileSync(join(dir, 'interrupted'), 'interrupted\n');
  const link = send(['--password-file', 'interrupted', '--text'], { input: 'never read' });
  // The shell survives the interrupt (its trap), then asks the terminal
  // how it is set; ots gets the ^C typed at its prompt.
  writeFileSync(join(dir, 'ctrl-c.sh'),
    `trap 'echo [interrupted]' INT\n${OTS} get -o - '${link}'\necho "ots exit $?"\nstty -a\n`);
  const r = spawnSync('sh', ['-c',
    "(sleep 1.5; printf '\\003'; sleep 1) | script -qec 'sh ctrl-c.sh' /dev/null"], {
    cwd: dir, env: { ...process.env, OTS_SERVER: BASE },
  });
  const out = r.stdout.toString();
  assert.match(out, /Password:/, out);
  assert.match(out, /ots exit 130/, out);
  assert.match(out, /(^|\s)echo(\s|$)/m, `echo is off after ^C: ${out}`);
  assert.doesNotMatch(out, /(^|\s)-echo(\s|$)/m, `echo is off after ^C: ${out}`);
  // Nothing was consumed.
  const again = ots(['get', '--password-file', 'interrupted', '-o', '-', link]);
  assert.equal(again.out.toString(), 'never read');
});

test('--help documents the exit codes', () => {
  const r = ots(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.out.toString(), /Exit status: 0 ok, 1 usage, 2 gone/);
});

test('-V names the version in VERSION', () => {
  const r = ots(['-V']);
  assert.equal(r.code, 0);
  const v = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../VERSION'), 'utf8').trim();
  assert.equal(r.out.toString().trim(), `ots ${v}`);
});

test('several files at once: one link each, in order', () => {
  writeFileSync(join(dir, 'one.bin'), 'first file');
  writeFileSync(join(dir, 'two.bin'), 'second file');
  const r = ots(['send', '-q', 'one.bin', 'two.bin']);
  assert.equal(r.code, 0, r.err);
  const links = r.out.toString().trim().split('\n');
  assert.equal(links.length, 2);
  rmSync(join(dir, 'one.bin'));
  rmSync(join(dir, 'two.bin'));
  assert.equal(ots(['get', '-q'], { input: links[0] + '\n' }).code, 0);
  assert.equal(ots(['get', '-q'], { input: links[1] + '\n' }).code, 0);
  assert.equal(readFileSync(join(dir, 'one.bin'), 'utf8'), 'first file');
  assert.equal(readFileSync(join(dir, 'two.bin'), 'utf8'), 'second file');
});

test('--server-side: the server encrypts; get opens such shares too', () => {
  const data = randomBytes(2 * 1024 * 1024 + 5);
  writeFileSync(join(dir, 'plain side.bin'), data);
  let r = ots(['send', '--server-side', '--json', 'plain side.bin']);
  assert.equal(r.code, 0, r.err);
  const made = JSON.parse(r.out.toString());
  assert.equal(made.mode, 'server');
  assert.match(made.owner_link, /\/o\/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{22}$/);
  rmSync(join(dir, 'plain side.bin'));
  r = ots(['get', '-q'], { input: made.link + '\n' });
  assert.equal(r.code, 0, r.err);
  assert.ok(readFileSync(join(dir, 'plain side.bin')).equals(data));
  assert.equal(ots(['get', '-q', '-o', '-'], { input: made.link + '\n' }).code, 2);
  // A protected text secret, and standard input streamed (chunked).
  writeFileSync(join(dir, 'sspw'), ' side pw \n');
  const text = send(['--server-side', '--password-file', 'sspw', '--text'], { input: 'server text' });
  writeFileSync(join(dir, 'sswrong'), 'side pw\n');
  assert.equal(ots(['get', '--password-file', 'sswrong', '-o', '-'], { input: text + '\n' }).code, 3);
  r = ots(['get', '--password-file', 'sspw', '-o', '-'], { input: text + '\n' });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.toString(), 'server text');
  const piped = randomBytes(70000);
  const link = send(['--server-side', '-n', 'piped.bin', '-'], { input: piped });
  r = ots(['get', '-q', '-o', '-'], { input: link + '\n' });
  assert.ok(r.out.equals(piped));
});

test('a server that takes no end-to-end shares gets server-side ones, said so', () => {
  devstack(['workers-stop']);
  devstack(['workers-start'], { OTS_E2E: '0' });
  try {
    const r = ots(['send', '--text'], { input: 'fallback' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /no end-to-end shares: sending server-side/);
    const g = ots(['get', '-q', '-o', '-'], { input: r.out.toString() });
    assert.equal(g.out.toString(), 'fallback');
  } finally {
    devstack(['workers-stop']);
    devstack(['workers-start']);
  }
});

// `ots ARGS…` without blocking the event loop (a proxy runs beside it).
function otsAsync(args, opts = {}) {
  const child = spawn(OTS, args, {
    cwd: dir, env: { ...process.env, OTS_SERVER: BASE, ...(opts.env || {}) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out = [];
  let err = '';
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => { err += d; });
  child.stdin.end(opts.input ?? '');
  const done = new Promise((res) => child.on('exit', (code, signal) =>
    res({ code, signal, out: Buffer.concat(out), err })));
  return { child, done };
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// The offset of the one upload record under state/, or -1.
function recordOffset(state) {
  const d = join(state, 'ots/uploads');
  if (!existsSync(d)) return -1;
  const files = readdirSync(d).filter((f) => !f.startsWith('.'));
  if (files.length !== 1) return -1;
  const m = /^offset (\d+)$/m.exec(readFileSync(join(d, files[0]), 'utf8'));
  return m ? Number(m[1]) : -1;
}

test('an upload killed halfway resumes with --resume; a changed file is refused', async () => {
  const state = join(dir, 'state-resume');
  const env = { XDG_STATE_HOME: state };
  const data = randomBytes(60 * 1024 * 1024);
  writeFileSync(join(dir, 'halfway.bin'), data);
  execFileSync('cp', ['--preserve=timestamps', join(dir, 'halfway.bin'), join(dir, 'halfway.ref')]);
  const first = otsAsync(['send', '-q', 'halfway.bin'], { env });
  let off = -1;
  for (let i = 0; i < 1200 && off < data.length / 2; i++) {
    await sleep(25);
    off = recordOffset(state);
  }
  assert.ok(off >= data.length / 2, `no record passed half way (${off})`);
  first.child.kill('SIGKILL');
  const killed = await first.done;
  assert.equal(killed.signal, 'SIGKILL', 'the upload ended before it was killed');
  const records = readdirSync(join(state, 'ots/uploads'));
  assert.equal(records.length, 1);
  assert.equal(statSync(join(state, 'ots/uploads', records[0])).mode & 0o777, 0o600);
  assert.equal(statSync(join(state, 'ots/uploads')).mode & 0o777, 0o700);
  // The same name, size and time, other bytes: the checkpoint tells.
  const changed = Buffer.from(data);
  changed[5] ^= 1;
  writeFileSync(join(dir, 'halfway.bin'), changed);
  execFileSync('touch', ['-r', join(dir, 'halfway.ref'), join(dir, 'halfway.bin')]);
  let r = ots(['send', '-q', '--resume', 'halfway.bin'], { env });
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /not the same file/);
  writeFileSync(join(dir, 'halfway.bin'), data);
  execFileSync('touch', ['-r', join(dir, 'halfway.ref'), join(dir, 'halfway.bin')]);
  r = ots(['send', '--resume', 'halfway.bin'], { env });
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /resuming halfway\.bin at \d+ of \d+ bytes/);
  assert.deepEqual(readdirSync(join(state, 'ots/uploads')), [], 'the record outlived the commit');
  const link = r.out.toString().trim();
  rmSync(join(dir, 'halfway.bin'));
  r = ots(['get', '-q'], { input: link + '\n' });
  assert.equal(r.code, 0, r.err);
  assert.ok(readFileSync(join(dir, 'halfway.bin')).equals(data), 'the resumed share differs');
  rmSync(join(dir, 'halfway.bin'));
  rmSync(join(dir, 'halfway.ref'));
});

// A TCP proxy to the stack that cuts the first connection to pass `cut`
// bytes in one direction ('down': towards the client, 'up': towards the
// server), then holds each later one `holdMs` before it goes on: a
// transfer that breaks off, and a network slow to come back.
async function cuttingProxy(cut, { holdMs = 0, dir = 'down' } = {}) {
  const upstream = Number(new URL(BASE).port);
  let cuts = 0;
  const server = net.createServer((c) => {
    const after = cuts > 0;
    c.pause();
    setTimeout(() => {
      const u = net.connect(upstream, '127.0.0.1');
      const [from, to] = dir === 'down' ? [u, c] : [c, u];
      const [back, forth] = dir === 'down' ? [c, u] : [u, c];
      let passed = 0;
      back.on('data', (d) => forth.write(d));
      for (const s of [c, u]) s.on('error', () => { c.destroy(); u.destroy(); });
      c.on('end', () => u.end());
      u.on('end', () => c.end());
      from.on('data', (d) => {
        if (cuts === 0 && passed + d.length >= cut) {
          cuts++;
          to.write(d.subarray(0, cut - passed), () => { c.destroy(); u.destroy(); });
          return;
        }
        passed += d.length;
        to.write(d);
      });
      c.resume();
    }, after ? holdMs : 0);
  });
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  return { server, base: `http://127.0.0.1:${server.address().port}`, cuts: () => cuts };
}

test('a part cut off on the way up is sent again by itself', async () => {
  const data = randomBytes(40 * 1024 * 1024);
  writeFileSync(join(dir, 'cut-up.bin'), data);
  // Each part is a connection of its own: the first is cut halfway.
  const proxy = await cuttingProxy(8 * 1024 * 1024, { dir: 'up', holdMs: 500 });
  try {
    const r = await otsAsync(['send', '-q', 'cut-up.bin'], { env: { OTS_SERVER: proxy.base } }).done;
    assert.equal(r.code, 0, r.err);
    assert.equal(proxy.cuts(), 1, 'the proxy never cut the upload');
    const link = r.out.toString().trim().replace(proxy.base, BASE);
    rmSync(join(dir, 'cut-up.bin'));
    const g = ots(['get', '-q'], { input: link + '\n' });
    assert.equal(g.code, 0, g.err);
    assert.ok(readFileSync(join(dir, 'cut-up.bin')).equals(data), 'the share differs');
  } finally {
    proxy.server.close();
  }
  rmSync(join(dir, 'cut-up.bin'));
});

test('a download cut halfway resumes within the lease, and not after it', async () => {
  const data = randomBytes(20 * 1024 * 1024);
  writeFileSync(join(dir, 'cut.bin'), data);
  let link = send(['cut.bin']);
  rmSync(join(dir, 'cut.bin'));
  let proxy = await cuttingProxy(data.length / 2);
  try {
    const via = link.replace(BASE, proxy.base);
    const r = await otsAsync(['get'], { input: via + '\n' }).done;
    assert.equal(r.code, 0, r.err);
    assert.equal(proxy.cuts(), 1, 'the proxy never cut the download');
    assert.match(r.err, /broke off .*fetching the rest/);
    assert.ok(readFileSync(join(dir, 'cut.bin')).equals(data), 'the resumed download differs');
  } finally {
    proxy.server.close();
  }
  rmSync(join(dir, 'cut.bin'));
  // Once the lease has ended, the rest is refused: gone.
  devstack(['workers-stop']);
  devstack(['workers-start'], { OTS_CLAIM_LEASE: '3s' });
  try {
    writeFileSync(join(dir, 'late.bin'), data);
    link = send(['late.bin']);
    rmSync(join(dir, 'late.bin'));
    proxy = await cuttingProxy(data.length / 2, { holdMs: 5000 });
    const via = link.replace(BASE, proxy.base);
    const r = await otsAsync(['get'], { input: via + '\n' }).done;
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /lease_ended/);
    assert.equal(existsSync(join(dir, 'late.bin')), false, 'a partial file was left');
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.ots-')), [], 'a temp file was left');
  } finally {
    proxy.server.close();
    devstack(['workers-stop']);
    devstack(['workers-start']);
  }
});

test('the key, the password and the owner token reach the server in no request', async (t) => {
  if (process.getuid() !== 0) {
    console.log('# SKIPPED, NEEDS ROOT: tcpdump cannot capture loopback traffic');
    t.skip('needs root (tcpdump)');
    return;
  }
  const pcap = join(dir, 'capture.pcap');
  const td = spawn('tcpdump', ['--immediate-mode', '-i', 'lo', '-U', '-s', '0', '-w', pcap, `tcp dst port ${new URL(BASE).port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise((res, rej) => {
    td.stderr.on('data', (d) => { if (/listening on/.test(d)) res(); });
    td.on('exit', (code) => rej(new Error(`tcpdump exited ${code}`)));
  });
  const marker = 'capture-payload-' + randomBytes(8).toString('hex');
  const password = 'capture-pw-' + randomBytes(6).toString('hex');
  writeFileSync(join(dir, 'cap-pw'), password + '\n');
  writeFileSync(join(dir, 'captured.bin'), Buffer.concat([Buffer.from(marker), randomBytes(3 * 1024 * 1024)]));
  writeFileSync(join(dir, 'captured small.txt'), marker);
  let r = ots(['send', '--password-file', 'cap-pw', 'captured.bin', 'captured small.txt']);
  assert.equal(r.code, 0, r.err);
  const links = r.out.toString().trim().split('\n');
  const owners = [...r.err.matchAll(/owner link \(status, revoke\): \S+#(\S+)/g)].map((m) => m[1]);
  assert.equal(owners.length, 2);
  rmSync(join(dir, 'captured.bin'));
  rmSync(join(dir, 'captured small.txt'));
  for (const l of links) {
    r = ots(['get', '-q', '--password-file', 'cap-pw'], { input: l + '\n' });
    assert.equal(r.code, 0, r.err);
  }
  await sleep(300);
  td.kill('SIGINT');
  await new Promise((res) => td.on('exit', res));
  const cap = readFileSync(pcap);
  const ids = links.map((l) => new URL(l).pathname.split('/')[2]);
  for (const id of ids) assert.ok(cap.includes(id), 'the capture missed the traffic');
  assert.ok(cap.includes('link_proof='), 'the capture missed the claims');
  const keys = links.map((l) => new URL(l).hash.slice(1));
  for (const s of [...keys, ...owners, password, marker, 'captured'])
    assert.ok(!cap.includes(s), `a request carried ${s}`);
  for (const k of keys) assert.ok(!cap.includes(Buffer.from(k, 'base64url')), 'the raw key went out');
});
