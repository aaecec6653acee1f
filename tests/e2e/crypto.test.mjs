// The browser's cryptography (www/static/ots-crypto.js, on the vendored
// libsodium.js) against libots (tests/e2e/oracle.c), byte for byte, both
// ways: keys and proofs, Argon2id, sealed names, check blobs and OTSC
// containers at every edge size, and the tampered containers both
// readers must refuse.  No browser, no server: seconds.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sodium from '../../www/static/vendor/libsodium-wrappers-sumo.js';
import * as C from '../../www/static/ots-crypto.js';

const ORACLE = process.env.OTS_ORACLE ||
  join(dirname(fileURLToPath(import.meta.url)), '../../build/release/tests/e2e/oracle');
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));

function oracle(args, input) {
  const r = spawnSync(ORACLE, args, { input: input ?? Buffer.alloc(0), maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr.toString() };
}
function oracleLines(args) {
  const r = oracle(args);
  assert.equal(r.code, 0, r.err);
  return r.out.toString().trim().split('\n');
}

before(async () => {
  await sodium.ready;
});

// The fixed inputs of tests/unit/test_kdf.c's known-answer vectors.
const SECRET = unhex('000102030405060708090a0b0c0d0e0f');
const ID = unhex('101112131415161718191a1b1c1d1e1f');
const PWKEY = new Uint8Array(32).fill(0x42);

test('keys and proofs equal the known vectors and libots', () => {
  const k = C.shareKeys(sodium, SECRET, ID, null);
  assert.equal(hex(k.meta), '697fc8f5ee5ca3e3aa513290866ecb2d009d62e54a29ab65346e52c2f5a6241c');
  assert.equal(hex(k.file), 'c7a08a66dfe42c9825da5db82f6af4cc3a8bbc1a3ba5a3809d52cf5bb74996a9');
  assert.equal(hex(k.link), 'b6afd7cee2d10d4197165631ea6345a2170c78cfe655dab3ac81e8bf61a4024e');
  assert.equal(k.pass, null);
  const p = C.shareKeys(sodium, SECRET, ID, PWKEY);
  assert.equal(hex(p.file), '0c1f9d0d27cf929107ca81dcc41c3c2f56a4e105c5fc88ddd7dda3233c0ca2f8');
  assert.equal(hex(p.pass), 'e19dd6e1ba94b4ea61831017f7813533e2298cb9a6c8b0baf921450fc633bbb9');
  for (let i = 0; i < 20; i++) {
    const secret = sodium.randombytes_buf(16), id = sodium.randombytes_buf(16);
    const pw = sodium.randombytes_buf(32);
    const js = C.shareKeys(sodium, secret, id, pw);
    const [meta, file, link, pass] = oracleLines(['keys', hex(secret), hex(id), hex(pw)]);
    assert.deepEqual([hex(js.meta), hex(js.file), hex(js.link), hex(js.pass)],
      [meta, file, link, pass]);
  }
});

test('Argon2id equals libots, UTF-8 bytes as typed', () => {
  for (const pw of ['correct horse', '  blanks  ', 'ünïcödé ✓', '']) {
    const salt = sodium.randombytes_buf(16);
    const js = C.passwordKey(sodium, pw, salt, { mem_kib: 8192, time: 2 });
    const [c] = oracleLines(['argon2', hex(Buffer.from(pw, 'utf8')) || '', hex(salt), '8192', '2']);
    assert.equal(hex(js), c, `password ${JSON.stringify(pw)}`);
  }
});

test('names are cleaned as libots cleans them', () => {
  const names = ['report.pdf', '../../.profile', 'a/b\\c', ' .hidden. ', '',
    'bidi\u202eexe.txt', 'tab\there', 'ümlaut ✓.bin', 'x'.repeat(300),
    'é'.repeat(200), '\u0000nul'];
  for (const n of names) {
    const bytes = Buffer.from(n, 'utf8');
    const [c] = oracleLines(['clean-name', hex(bytes)]);
    assert.equal(hex(C.cleanNameBytes(new Uint8Array(bytes))), c, JSON.stringify(n));
  }
  // Invalid UTF-8 and a cut in the middle of a character.
  for (const b of [[0xff, 0x41], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x41, 0xe2, 0x82]]) {
    const [c] = oracleLines(['clean-name', hex(b)]);
    assert.equal(hex(C.cleanNameBytes(Uint8Array.from(b))), c, hex(b));
  }
});

test('sealed names open in the other implementation, both ways', () => {
  const k = C.shareKeys(sodium, SECRET, ID, null);
  const cases = [
    { kind: C.META_FILE, name: 'report.pdf', type: 'application/pdf' },
    { kind: C.META_TEXT, name: 'secret.txt', type: 'text/plain' },
    { kind: C.META_FILE, name: 'é'.repeat(127), type: 'a/' + 'b'.repeat(125) },
    { kind: C.META_FILE, name: 'big file ✓.bin', type: '' },
  ];
  for (const m of cases) {
    const blob = C.sealMeta(sodium, k.meta, ID, m);
    const r = oracle(['open-meta', hex(k.meta), hex(ID), hex(blob)]);
    assert.equal(r.code, 0, r.err);
    const [kind, nameHex, type] = r.out.toString().replace(/\n$/, '').split(/ |\n/);
    assert.equal(Number(kind), m.kind);
    assert.equal(Buffer.from(nameHex, 'hex').toString('utf8'), C.cleanName(m.name));
    assert.equal(type ?? '', m.type);
    const [cblob] = oracleLines(['seal-meta', hex(k.meta), hex(ID), String(m.kind),
      hex(Buffer.from(C.cleanName(m.name))), m.type]);
    assert.deepEqual(C.openMeta(sodium, k.meta, ID, unhex(cblob)),
      { kind: m.kind, name: C.cleanName(m.name), type: m.type });
  }
  const other = C.shareKeys(sodium, sodium.randombytes_buf(16), ID, null);
  assert.equal(C.openMeta(sodium, other.meta, ID, C.sealMeta(sodium, k.meta, ID, cases[0])), null);
});

test('check blobs open in the other implementation, each label only its own', () => {
  const k = C.shareKeys(sodium, SECRET, ID, PWKEY);
  for (const [label, name] of [[C.CHECK_LINK, 'link'], [C.CHECK_PASSWORD, 'password']]) {
    const key = label === C.CHECK_LINK ? k.link : k.pass;
    const blob = C.sealCheck(sodium, key, ID, label);
    assert.equal(oracle(['open-check', hex(key), hex(ID), name, hex(blob)]).code, 0);
    const [cblob] = oracleLines(['seal-check', hex(key), hex(ID), name]);
    assert.ok(C.openCheck(sodium, key, ID, label, unhex(cblob)));
    const other = label === C.CHECK_LINK ? C.CHECK_PASSWORD : C.CHECK_LINK;
    assert.equal(C.openCheck(sodium, key, ID, other, unhex(cblob)), false);
    assert.equal(C.openCheck(sodium, k.meta, ID, label, unhex(cblob)), false);
  }
});

function jsEncrypt(key, id, data, pieces = 3) {
  const w = new C.BoxWriter(sodium, key, id);
  const out = [w.header()];
  const step = Math.max(1, Math.ceil(data.length / pieces));
  for (let i = 0; i < data.length; i += step) out.push(...w.push(data.subarray(i, i + step)));
  out.push(w.finish());
  return Buffer.concat(out.map((b) => Buffer.from(b)));
}

function jsDecrypt(key, id, container, piece = 70001) {
  const r = new C.BoxReader(sodium, key, id);
  const out = [];
  for (let i = 0; i < container.length; i += piece)
    out.push(...r.update(new Uint8Array(container.subarray(i, i + piece))));
  out.push(...r.finish());
  return Buffer.concat(out.map((b) => Buffer.from(b)));
}

test('containers open in the other implementation at every edge size', () => {
  const k = C.shareKeys(sodium, SECRET, ID, null);
  const sizes = [0, 1, 65535, 65536, 65537, 131072, 196613, 5 * 1024 * 1024 + 3];
  for (let i = 0; i < 3; i++) sizes.push(Math.floor(Math.random() * 300000));
  for (const n of sizes) {
    const data = Buffer.from(sodium.randombytes_buf(n));
    const js = jsEncrypt(k.file, ID, new Uint8Array(data));
    assert.equal(js.length, C.boxSize(n), `length of ${n}`);
    assert.equal(Number(oracleLines(['box-size', String(n)])[0]), C.boxSize(n));
    const r = oracle(['decrypt', hex(k.file), hex(ID)], js);
    assert.equal(r.code, 0, `libots refused the browser's container of ${n}: ${r.err}`);
    assert.ok(r.out.equals(data), `libots read other bytes from ${n}`);
    const c = oracle(['encrypt', hex(k.file), hex(ID)], data);
    assert.equal(c.code, 0, c.err);
    assert.equal(c.out.length, C.boxSize(n));
    assert.ok(jsDecrypt(k.file, ID, c.out).equals(data), `the browser read other bytes from ${n}`);
  }
});

test('both readers refuse the same tampered containers', () => {
  const k = C.shareKeys(sodium, SECRET, ID, null);
  const data = new Uint8Array(sodium.randombytes_buf(3 * 65536 + 100));
  const good = jsEncrypt(k.file, ID, data);
  const chunk = 65536 + 17;
  const tampered = {
    truncated: good.subarray(0, good.length - 10),
    'cut at a chunk': good.subarray(0, 52 + 2 * chunk),
    'a trailing byte': Buffer.concat([good, Buffer.from([0])]),
    'a flipped ciphertext byte': Buffer.from(good).fill(good[1000] ^ 1, 1000, 1001),
    'a flipped header byte': Buffer.from(good).fill(good[40] ^ 1, 40, 41),
    'another id': Buffer.from(good).fill(good[12] ^ 1, 12, 13),
    'swapped chunks': Buffer.concat([good.subarray(0, 52), good.subarray(52 + chunk, 52 + 2 * chunk),
      good.subarray(52, 52 + chunk), good.subarray(52 + 2 * chunk)]),
    'a short middle chunk': Buffer.concat([good.subarray(0, 52 + chunk - 5), good.subarray(52 + chunk)]),
  };
  for (const [what, bytes] of Object.entries(tampered)) {
    assert.equal(oracle(['decrypt', hex(k.file), hex(ID)], bytes).code, 3, `libots took ${what}`);
    assert.throws(() => jsDecrypt(k.file, ID, bytes), /damaged container/, `the browser took ${what}`);
  }
  assert.ok(jsDecrypt(k.file, ID, good).equals(Buffer.from(data)), 'the control');
});
