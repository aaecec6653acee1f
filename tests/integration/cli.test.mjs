// tools/ots against the real stack: round trips, passwords (file and
// terminal prompt), and an exit code for each failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const OTS = join(dirname(fileURLToPath(import.meta.url)), '../../tools/ots');
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
  assert.ok(BASE, 'run via tests/integration/run');
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

test('a text secret from the command line and from stdin', () => {
  let r = ots(['get', '-o', '-', send(['--text', 'hello there'])]);
  assert.equal(r.out.toString(), 'hello there');
  r = ots(['get', '-o', '-', send(['--text'], { input: 'from stdin\nline 2\n' })]);
  assert.equal(r.out.toString(), 'from stdin\nline 2\n');
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
  const link = send(['--password-file', 'pw', '--text', 'guarded']);
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
  const link = send(['--password-file', 'padded', '--text', 'padded ok']);
  writeFileSync(join(dir, 'trimmed'), 'padded pw\n');
  let r = ots(['get', '--password-file', 'trimmed', '-o', '-', link]);
  assert.equal(r.code, 3, 'the trimmed password opened it');
  r = ots(['get', '--password-file', 'padded', '-o', '-', link]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.toString(), 'padded ok');
});

test('password asked on the terminal', () => {
  const link = send(['-p', 'typed secret', '--text', 'via the tty']);
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
  const link = send(['-p', 'x', '--text', 'y']);
  const r = ots(['get', '-o', '-', link]);
  assert.equal(r.code, 3);
  assert.match(r.err, /password/);
});

test('status and revoke with the owner link', () => {
  const r = ots(['send', '--text', 'revocable']);
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
  const link = send(['--text', 'z']);
  const bogus = link.replace(/\/d\/[^#]+#/, '/d/AAAAAAAAAAAAAAAAAAAAAA#');
  assert.equal(ots(['get', '-o', '-', bogus]).code, 5, 'unknown share');
  const damaged = link.replace(/#.*/, '#AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(ots(['get', '-o', '-', damaged]).code, 3, 'wrong key');
  assert.equal(ots(['get', 'not-a-link']).code, 1, 'malformed link');
  assert.equal(ots(['frobnicate']).code, 1, 'unknown command');
  assert.equal(ots(['send', '-q', 'no-such-file']).code, 1, 'missing file');
  assert.equal(ots(['send', '-q', '-e', '99d', '--text', 'x']).code, 1, 'bad expiry');
  const down = ots(['send', '-q', '--text', 'x'], { env: { OTS_SERVER: 'http://127.0.0.1:9' } });
  assert.equal(down.code, 6, 'server unreachable');
  devstack(['workers-stop']);
  devstack(['workers-start'], { OTS_RATE_UPLOAD: '1/1m' });
  try {
    ots(['send', '-q', '--text', 'one']);
    const limited = ots(['send', '-q', '--text', 'two']);
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
    const link = send(['-n', 'Board-Minutes-Secret.txt', '--text', 'minutes']);
    const prefix = /\/d\/([A-Za-z0-9_-]{8})/.exec(link)[1];
    const env = { OTS_ADMIN_TOKEN: token };
    let r = ots(['admin', 'list'], { env });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out.toString(), new RegExp(`^${prefix}  \\d+ bytes`, 'm'));
    assert.doesNotMatch(r.out.toString(), /Board-Minutes/);
    assert.equal(ots(['admin', 'list'], { env: { OTS_ADMIN_TOKEN: 'wrong-token-000000000' } }).code, 3);
    r = ots(['admin', 'revoke', prefix], { env });
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

test('get reads the link from standard input; the key is on no command line', async () => {
  const data = randomBytes(8 * 1024 * 1024);
  writeFileSync(join(dir, 'quiet.bin'), data);
  const link = send(['-n', 'from-stdin.bin', 'quiet.bin']);
  const key = link.split('#')[1];
  const child = spawn(OTS, ['get', '-q', '-'], {
    cwd: dir, env: { ...process.env, OTS_SERVER: BASE }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const done = new Promise((res) => child.on('exit', (code) => res(code)));
  child.stdin.end(link + '\n');
  let samples = 0, seen = false, exited = false;
  done.then(() => { exited = true; });
  while (!exited) {
    for (const p of cmdlines()) {
      if (p.cmd.includes(key)) seen = p.cmd.replace(/\0/g, ' ');
      if (p.pid === String(child.pid)) samples++;
    }
    await new Promise((res) => setImmediate(res));
  }
  assert.equal(await done, 0, err);
  assert.ok(samples > 0, 'the client was never seen running');
  assert.equal(seen, false, `the key was on a command line: ${seen}`);
  assert.ok(readFileSync(join(dir, 'from-stdin.bin')).equals(data));
});

test('status and revoke take the owner link from a file or standard input', () => {
  const r = ots(['send', '--text', 'owner via stdin']);
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
  const down = ots(['send', '--text', 'x'], { env: { OTS_SERVER: 'http://127.0.0.1:9' } });
  assert.equal(down.code, 6);
  assert.match(down.err, /curl: \(7\)/, down.err);
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
  const link = send(['-p', 'interrupted', '--text', 'never read']);
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
  const again = ots(['get', '-p', 'interrupted', '-o', '-', link]);
  assert.equal(again.out.toString(), 'never read');
});

test('--help documents the exit codes', () => {
  const r = ots(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.out.toString(), /Exit status: 0 ok, 1 usage, 2 gone/);
});
