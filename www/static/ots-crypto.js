// OneTimeShare's cryptography in JavaScript: the same keys, sealed names,
// check blobs and OTSC containers as lib/ots_kdf.c, lib/ots_meta.c and
// lib/ots_box.c, byte for byte (tests/e2e/crypto.test.mjs checks each
// against libots through tools/ots-oracle).  It runs in a page, a Web
// Worker and Node alike: every function takes the ready libsodium
// (libsodium-wrappers-sumo) as its first argument, and no DOM is used.
//
// Keys of a share (docs/SECURITY.md):
//   master  = BLAKE2b-256(key = secret, "ots-share-v1" || id [|| pw_key])
//   k_meta  = kdf(1, "otsmeta1", master)     seals the name, type, kind
//   k_file  = kdf(2, "otsfile1", master')    the container
//   k_link  = kdf(3, "otslink1", master)     proves the link
//   k_pass  = kdf(4, "otspass1", master')    proves link and password

export const TOK_BYTES = 16;
export const KEY_BYTES = 32;
export const SALT_BYTES = 16;
export const CHUNK = 65536;
export const ABYTES = 17;
export const HEADER_BYTES = 52;
export const CHECK_BYTES = 40;
export const NAME_MAX = 255;
export const TYPE_MAX = 127;
export const NAME_DEFAULT = 'file';
export const META_FILE = 0;
export const META_TEXT = 1;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });

function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---- Tokens: 16 bytes, 22 characters of unpadded base64url -------------

export function b64(sodium, bytes) {
  return sodium.to_base64(bytes, sodium.base64_variants.URLSAFE_NO_PADDING);
}

// Like ots_tok_parse: exactly 22 characters of the alphabet, and the last
// one's unused bits zero (one text per value).
export function parseTok(sodium, s) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(s) ||
      !/[AQgw]$/.test(s))
    throw new Error('malformed token');
  return sodium.from_base64(s, sodium.base64_variants.URLSAFE_NO_PADDING);
}

export function unb64(sodium, s, len) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s))
    throw new Error('malformed base64url');
  const b = sodium.from_base64(s, sodium.base64_variants.URLSAFE_NO_PADDING);
  if (len !== undefined && b.length !== len) throw new Error('wrong length');
  return b;
}

// ---- Keys ---------------------------------------------------------------

function master(sodium, secret, id, pwKey) {
  const msg = concat(enc.encode('ots-share-v1'), id, pwKey || new Uint8Array(0));
  return sodium.crypto_generichash(32, msg, secret);
}

// All four keys of share id; pwKey is null for an unprotected share (then
// pass is null too).  Wipe them with wipeKeys() once done.
export function shareKeys(sodium, secret, id, pwKey) {
  const m = master(sodium, secret, id, null);
  const mp = pwKey ? master(sodium, secret, id, pwKey) : m;
  const k = {
    meta: sodium.crypto_kdf_derive_from_key(KEY_BYTES, 1, 'otsmeta1', m),
    file: sodium.crypto_kdf_derive_from_key(KEY_BYTES, 2, 'otsfile1', mp),
    link: sodium.crypto_kdf_derive_from_key(KEY_BYTES, 3, 'otslink1', m),
    pass: pwKey ? sodium.crypto_kdf_derive_from_key(KEY_BYTES, 4, 'otspass1', mp) : null,
  };
  sodium.memzero(m);
  if (mp !== m) sodium.memzero(mp);
  return k;
}

export function wipeKeys(sodium, k) {
  for (const v of Object.values(k)) if (v) sodium.memzero(v);
}

// Argon2id v1.3, one lane (libsodium's only), the UTF-8 bytes of the
// password as typed: no normalisation (the server and ots do the same).
export function passwordKey(sodium, password, salt, cost) {
  const pw = typeof password === 'string' ? enc.encode(password) : password;
  const out = sodium.crypto_pwhash(KEY_BYTES, pw, salt, cost.time,
    cost.mem_kib * 1024, sodium.crypto_pwhash_ALG_ARGON2ID13);
  if (pw !== password) sodium.memzero(pw);
  return out;
}

// ---- Names: ots_name_clean() and keep_type() -----------------------------

// One UTF-8 character at p: [length, code point], or [0] when invalid
// (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
function utf8Next(b, i) {
  const c0 = b[i];
  let len, c;
  if (c0 < 0x80) return [1, c0];
  if (c0 >= 0xc2 && c0 <= 0xdf) { len = 2; c = c0 & 0x1f; }
  else if (c0 >= 0xe0 && c0 <= 0xef) { len = 3; c = c0 & 0x0f; }
  else if (c0 >= 0xf0 && c0 <= 0xf4) { len = 4; c = c0 & 0x07; }
  else return [0];
  if (b.length - i < len) return [0];
  for (let k = 1; k < len; k++) {
    if ((b[i + k] & 0xc0) !== 0x80) return [0];
    c = (c << 6) | (b[i + k] & 0x3f);
  }
  if ((len === 3 && c < 0x800) || (len === 4 && c < 0x10000) ||
      c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
    return [0];
  return [len, c];
}

function unsafe(cp) {
  return cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
    cp === 0x2f || cp === 0x5c || (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f ||
    cp === 0xfeff;
}

// The bytes of a file name made safe, as lib/ots_name.c does: path
// separators, control characters, bidi overrides and invalid UTF-8 become
// '_', dots and spaces at either end go, at most 255 bytes, never empty.
export function cleanNameBytes(bytes) {
  const out = [];
  let i = 0;
  while (i < bytes.length) {
    const [n, cp] = utf8Next(bytes, i);
    if (n === 0 || unsafe(cp)) {
      if (out.length + 1 > NAME_MAX) break;
      out.push(0x5f);
      i += n === 0 ? 1 : n;
      continue;
    }
    if (out.length + n > NAME_MAX) break;
    for (let k = 0; k < n; k++) out.push(bytes[i + k]);
    i += n;
  }
  let s = 0, e = out.length;
  while (s < e && (out[s] === 0x2e || out[s] === 0x20)) s++;
  while (e > s && (out[e - 1] === 0x2e || out[e - 1] === 0x20)) e--;
  if (e === s) return enc.encode(NAME_DEFAULT);
  return Uint8Array.from(out.slice(s, e));
}

export function cleanName(name) {
  return dec.decode(cleanNameBytes(enc.encode(name)));
}

// A content type worth keeping: type/subtype of token characters, up to
// any parameter; "" otherwise.
export function keepType(ctype) {
  const m = /^[^; ]*/.exec(ctype || '')[0];
  if (m.length === 0 || m.length > TYPE_MAX) return '';
  if ((m.match(/\//g) || []).length !== 1) return '';
  if (!/^[A-Za-z0-9!#$&^_.+/-]+$/.test(m)) return '';
  return m;
}

// ---- Sealed metadata (lib/ots_meta.c) -------------------------------------

const NONCE = 24;

function metaAd(id) {
  return concat(enc.encode('ots-meta-v1'), id);
}

// meta: {kind, name, type}; the name and type are cleaned here, as the
// server cleans what it seals (it cannot clean what it cannot read).
export function sealMeta(sodium, kMeta, id, meta) {
  const name = cleanNameBytes(enc.encode(meta.name));
  const type = enc.encode(keepType(meta.type));
  const plain = concat(Uint8Array.of(1, meta.kind, name.length & 0xff,
    name.length >> 8), name, Uint8Array.of(type.length), type);
  const nonce = sodium.randombytes_buf(NONCE);
  const c = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain,
    metaAd(id), null, nonce, kMeta);
  sodium.memzero(plain);
  return concat(nonce, c);
}

// The metadata, or null when the blob does not open (a wrong key) or is
// malformed.  The name is cleaned again: a sender may seal any bytes.
export function openMeta(sodium, kMeta, id, blob) {
  let p;
  if (blob.length < NONCE + 16 || blob.length > NONCE + 16 + 5 + NAME_MAX + TYPE_MAX)
    return null;
  try {
    p = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null,
      blob.subarray(NONCE), metaAd(id), blob.subarray(0, NONCE), kMeta);
  } catch {
    return null;
  }
  if (p.length < 5 || p[0] !== 1 || p[1] > META_TEXT) return null;
  const nl = p[2] | (p[3] << 8);
  if (nl > NAME_MAX || 4 + nl + 1 > p.length) return null;
  const tl = p[4 + nl];
  if (tl > TYPE_MAX || 5 + nl + tl !== p.length) return null;
  const meta = {
    kind: p[1],
    name: dec.decode(cleanNameBytes(p.subarray(4, 4 + nl))),
    type: keepType(dec.decode(p.subarray(5 + nl, 5 + nl + tl))),
  };
  sodium.memzero(p);
  return meta;
}

// ---- Check blobs: an empty message sealed under a key -------------------

export const CHECK_PASSWORD = 'ots-pwcheck-v1';
export const CHECK_LINK = 'ots-linkcheck-v1';

export function sealCheck(sodium, key, id, label) {
  const nonce = sodium.randombytes_buf(NONCE);
  const c = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(new Uint8Array(0),
    concat(enc.encode(label), id), null, nonce, key);
  return concat(nonce, c);
}

export function openCheck(sodium, key, id, label, blob) {
  if (blob.length !== CHECK_BYTES) return false;
  try {
    const p = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null,
      blob.subarray(NONCE), concat(enc.encode(label), id),
      blob.subarray(0, NONCE), key);
    return p.length === 0;
  } catch {
    return false;
  }
}

// ---- The OTSC container (lib/ots_box.c) -----------------------------------

// Bytes of the container of a plaintext of size bytes (ots_box_size).
export function boxSize(size) {
  let chunks = Math.floor(size / CHUNK);
  if (size % CHUNK !== 0 || size === 0) chunks++;
  return HEADER_BYTES + size + chunks * ABYTES;
}

function u32le(v) {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
}

// Encrypts a stream: header() first, then push() each piece of
// plaintext, then finish(); each returns the ciphertext bytes to write.
// A full chunk is sealed only once more data proves it is not the last,
// so the last chunk (full or not) carries FINAL and a multiple of 64 KiB
// ends with no empty chunk: the length is exactly boxSize().
//
// streamHeader (optional, 24 bytes) makes the container a function of
// kFile, id, it and the plaintext alone: given the same three, the same
// plaintext gives the same bytes (libsodium derives the same state from
// a header whether it pushes or pulls, and a chunk's sealing draws no
// randomness).  The sender's page uses it to resume an upload in parts
// after its tab closed (docs/E2E.md).  Without it the header is random.
export const STREAM_HEADER_BYTES = 24;

export class BoxWriter {
  constructor(sodium, kFile, id, streamHeader) {
    let state, header;
    if (streamHeader) {
      if (streamHeader.length !== STREAM_HEADER_BYTES) throw new Error('wrong length');
      state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(streamHeader, kFile);
      header = streamHeader.slice();
    } else {
      const s = sodium.crypto_secretstream_xchacha20poly1305_init_push(kFile);
      state = s.state;
      header = s.header;
    }
    this.sodium = sodium;
    this.state = state;
    this.hdr = concat(enc.encode('OTSC'), Uint8Array.of(1, 0, 0, 0),
      u32le(CHUNK), id, header);
    this.buf = new Uint8Array(CHUNK);
    this.len = 0;
    this.done = false;
  }

  header() {
    return this.hdr.slice();
  }

  seal(tag) {
    const s = this.sodium;
    const c = s.crypto_secretstream_xchacha20poly1305_push(this.state,
      this.buf.subarray(0, this.len), this.hdr, tag);
    s.memzero(this.buf);
    this.len = 0;
    return c;
  }

  push(data) {
    const out = [];
    let i = 0;
    while (i < data.length) {
      if (this.len === CHUNK)
        out.push(this.seal(this.sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE));
      const take = Math.min(CHUNK - this.len, data.length - i);
      this.buf.set(data.subarray(i, i + take), this.len);
      this.len += take;
      i += take;
    }
    return out;
  }

  finish() {
    this.done = true;
    return this.seal(this.sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL);
  }

  // The 24-byte stream header (its random part), for a later writer.
  streamHeader() {
    return this.hdr.slice(28, HEADER_BYTES);
  }

  // Wipes the stream's state (it holds the chunk key) and the buffer;
  // the writer is unusable after.
  wipe() {
    wipeStreamState(this.sodium, this.state);
    this.state = null;
    this.sodium.memzero(this.buf);
  }
}

// libsodium.js keeps a secretstream state in the module's heap and hands
// out its address; nothing frees or wipes it.  This does both.
export function wipeStreamState(sodium, state) {
  const L = sodium.libsodium;
  if (typeof state !== 'number' || !L || !L.HEAPU8) return;
  L.HEAPU8.fill(0, state, state + 52);
  if (typeof L._free === 'function') L._free(state);
}

// Decrypts a stream: update() with each piece of ciphertext returns the
// plaintext it completes; finish() throws unless the stream ended with
// its FINAL chunk.  Anything wrong (another id or format in the header,
// a forged, reordered, dropped or short middle chunk, bytes after FINAL)
// throws: no plaintext past the failing chunk is ever returned.
export class BoxReader {
  constructor(sodium, kFile, id) {
    this.sodium = sodium;
    this.key = kFile.slice();
    this.id = id;
    this.hdr = new Uint8Array(HEADER_BYTES);
    this.hlen = 0;
    this.state = null;
    this.buf = new Uint8Array(CHUNK + ABYTES);
    this.len = 0;
    this.final = false;
    this.failed = false;
    this.plainBytes = 0;
  }

  fail(why) {
    this.failed = true;
    throw new Error('damaged container: ' + why);
  }

  openHeader() {
    const h = this.hdr;
    const ok = h[0] === 0x4f && h[1] === 0x54 && h[2] === 0x53 && h[3] === 0x43 &&
      h[4] === 1 && h[5] === 0 && h[6] === 0 && h[7] === 0 &&
      (h[8] | (h[9] << 8) | (h[10] << 16) | (h[11] << 24)) === CHUNK &&
      this.sodium.memcmp(h.subarray(12, 28), this.id);
    if (!ok) this.fail('not this share\'s container');
    try {
      this.state = this.sodium.crypto_secretstream_xchacha20poly1305_init_pull(
        h.subarray(28, 52), this.key);
    } catch {
      this.fail('header');
    }
    this.sodium.memzero(this.key);
  }

  pull() {
    const s = this.sodium;
    let r;
    if (this.len < ABYTES) this.fail('short chunk');
    try {
      r = s.crypto_secretstream_xchacha20poly1305_pull(this.state,
        this.buf.subarray(0, this.len), this.hdr);
    } catch {
      r = null;
    }
    if (!r) this.fail('a chunk does not authenticate');
    this.len = 0;
    if (r.tag === s.crypto_secretstream_xchacha20poly1305_TAG_FINAL) this.final = true;
    else if (r.tag !== s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) this.fail('tag');
    if (!this.final && r.message.length !== CHUNK) this.fail('short chunk');
    this.plainBytes += r.message.length;
    return r.message;
  }

  update(data) {
    if (this.failed) throw new Error('damaged container');
    const out = [];
    let i = 0;
    while (i < data.length) {
      if (this.hlen < HEADER_BYTES) {
        const take = Math.min(HEADER_BYTES - this.hlen, data.length - i);
        this.hdr.set(data.subarray(i, i + take), this.hlen);
        this.hlen += take;
        i += take;
        if (this.hlen === HEADER_BYTES) this.openHeader();
        continue;
      }
      if (this.final) this.fail('bytes after the end');
      const take = Math.min(CHUNK + ABYTES - this.len, data.length - i);
      this.buf.set(data.subarray(i, i + take), this.len);
      this.len += take;
      i += take;
      if (this.len === CHUNK + ABYTES) {
        const m = this.pull();
        if (m.length > 0) out.push(m);
      }
    }
    return out;
  }

  // Wipes the key copy, the stream's state and the buffer.
  wipe() {
    this.sodium.memzero(this.key);
    wipeStreamState(this.sodium, this.state);
    this.state = null;
    this.sodium.memzero(this.buf);
  }

  finish() {
    if (this.failed || this.hlen < HEADER_BYTES) this.fail('truncated');
    const out = [];
    if (this.len > 0) {
      const m = this.pull();
      if (m.length > 0) out.push(m);
    }
    if (!this.final) this.fail('truncated');
    return out;
  }
}
