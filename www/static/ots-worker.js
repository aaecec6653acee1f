// OneTimeShare's crypto worker (a module Web Worker): everything that
// touches libsodium for end-to-end shares runs here, because this script
// is the only one whose Content-Security-Policy allows WebAssembly
// (nginx-conf/ots-worker-headers.conf).  The pages hand it files, text
// and passwords, and get back links, progress and plaintext streams.
//
// It also does the network of those shares, so that the keys never
// leave it: the sender's upload (one PUT, or POST + PATCH parts +
// commit, resumed after a dropped connection or a closed tab), and the
// receiver's look-up, claim and download (resumed within the lease).
// docs/E2E.md explains the decisions; docs/API.md the routes.
//
// Messages in: {id, op, args}.  Out: {id, type: 'done', result},
// {id, type: 'error', error: {message, status, body, retryAfter, code}},
// and {id, type: 'event', event} while an operation runs.  The page
// terminates the worker after its job, once 'wipe' has answered.

import sodium from './vendor/libsodium-wrappers-sumo.js';
import * as C from './ots-crypto.js';

const OUT_BATCH = 1 << 20;  // plaintext handed to the page per piece
const PART_CAP = 16 << 20;  // largest part sent, whatever part_max says
const RETRIES = 8;          // tries of one request before giving up
const PROGRESS_MS = 250;

// Every array that held key material, wiped by 'wipe'.
const secrets = [];
function keep(a) {
  if (a) secrets.push(a);
  return a;
}

// The receiver's share, between look-up, claim and confirmation.
let recv = null;

const b64 = (a) => C.b64(sodium, a);

function sleep(ms) {
  return new Promise((ok) => setTimeout(ok, ms));
}

// A refusal (or failure) the page explains to people.
class Failure extends Error {
  constructor(message, extra = {}) {
    super(message);
    Object.assign(this, extra);
  }
}

async function refusal(r, what) {
  const body = await r.text().catch(() => '');
  let code = '';
  try {
    code = JSON.parse(body).error.code || '';
  } catch { /* not JSON */ }
  return new Failure(`${what}: ${r.status}`, {
    status: r.status, body, code, retryAfter: r.headers.get('Retry-After'),
    attemptsLeft: r.headers.get('X-Attempts-Left'),
  });
}

// Worth another try: the network failed, or the server said "later".
function transient(r) {
  return r === null || [408, 429, 500, 502, 503, 504].includes(r.status);
}

// The failure after the last try of a request that kept failing (a
// disguised 413, below, reads as "unavailable").
async function exhausted(r, what) {
  if (!r) return offline();
  if (r.status === 413) return new Failure(what + ': 413', { status: 503, body: '' });
  return refusal(r, what);
}

// A refusal of a body sent within the limits the server gave (part_max),
// or null when the answer r is worth another try.  A 413 that is not the
// app's own (JSON, with a code) is nginx's, which says 413 for any body
// over 16 KiB when the workers are down (its error page's location has
// the server's small client_max_body_size): a 502 in disguise.
async function bodyRefusal(r, what) {
  if (transient(r)) return null;
  const e = await refusal(r, what);
  if (r.status === 413 && !e.code) return null;
  return e;
}

// Waits before try n (0-based) of a request that failed with answer r
// (null: no answer): Retry-After when the server sent one, else 1, 2,
// 4, 8, 15, 15 … seconds.
async function backoff(n, r, ev) {
  if (self.navigator && self.navigator.onLine === false) {
    // Offline: wait for the network (up to the server's idle time for
    // an upload), then try at once; that costs no try.
    ev({ offline: true });
    await new Promise((ok) => {
      self.addEventListener('online', ok, { once: true });
      setTimeout(ok, 10 * 60 * 1000);
    });
    return;
  }
  let s = Math.min(15, 2 ** n);
  const ra = r ? parseInt(r.headers.get('Retry-After') || '', 10) : NaN;
  if (ra > 0) s = Math.min(ra, 60);
  ev({ retry: { seconds: s, attempt: n + 1, of: RETRIES, status: r ? r.status : 0 } });
  await sleep(s * 1000);
}

async function tryFetch(url, init) {
  try {
    return await fetch(url, init);
  } catch {
    return null;
  }
}

function throttle(fn) {
  let last = 0;
  return (v, force) => {
    const now = Date.now();
    if (force || now - last >= PROGRESS_MS) {
      last = now;
      fn(v);
    }
  };
}

// ---- Sending ----------------------------------------------------------

function sealHeaders(seal) {
  const h = { 'X-Meta': seal.meta, 'X-Link-Check': seal.lcheck };
  if (seal.salt) {
    h['X-Password-Salt'] = seal.salt;
    h['X-Password-Cost'] = seal.cost;
    h['X-Password-Check'] = seal.check;
  }
  return h;
}

// Where an upload's time went (milliseconds), returned with its result:
// reading the file, encrypting, making part bodies, waiting for parts.
function newStats() {
  return { read: 0, encrypt: 0, blob: 0, wait: 0 };
}

// The container's bytes, in pieces: the header, then each sealed chunk.
// The file is read as one stream (the browser reads ahead), not in
// slices: a slice per MiB waited for each read in turn and made reading
// three times slower than encrypting.
async function* cipherPieces(src, writer, stats) {
  yield writer.header();
  const reader = src.stream().getReader();
  let got = 0;
  for (;;) {
    let r;
    let t = performance.now();
    try {
      r = await reader.read();
    } catch {
      throw new Failure('The file cannot be read any more: was it moved or changed? Choose it again.',
        { code: 'unreadable' });
    }
    stats.read += performance.now() - t;
    if (r.done) break;
    got += r.value.length;
    t = performance.now();
    const out = writer.push(r.value);
    sodium.memzero(r.value);
    stats.encrypt += performance.now() - t;
    yield* out;
  }
  if (got !== src.size)
    throw new Failure('The file changed while it was read. Choose it again.', { code: 'unreadable' });
  yield writer.finish();
}

// The checkpoint of a part (the pieces in list, ending at container
// offset end): the hash of its last sealed chunk's worth of bytes.  That
// is enough to tell a changed file: each chunk's tag goes into the
// nonce of the next (libsodium's secretstream), so a change anywhere
// before alters every byte after it, these included.
const TAIL = C.CHUNK + C.ABYTES;
function checkpointOf(list, end) {
  const st = sodium.crypto_generichash_init(null, 32);
  const tail = [];
  let n = 0;
  for (let i = list.length - 1; i >= 0 && n < TAIL; i--) {
    const a = list[i];
    const take = Math.min(a.length, TAIL - n);
    tail.unshift(a.subarray(a.length - take));
    n += take;
  }
  for (const a of tail) sodium.crypto_generichash_update(st, a);
  return { from: end - n, to: end, hash: b64(sodium.crypto_generichash_final(st, 32)) };
}

// Cuts the container into parts of partSize bytes, starting at container
// offset `from`: the bytes before it are made again (the container is
// the same every time: ots-crypto.js, BoxWriter) and dropped, except
// that those in verify.from..verify.to are hashed and compared with
// verify.hash, the checkpoint of the last part the server took.  A file
// that changed since gives other bytes there, and is refused.
async function* cutParts(pieces, from, partSize, verify, onSkip, stats) {
  let pos = 0;
  let start = from;
  let list = [];
  let len = 0;
  let vh = verify ? sodium.crypto_generichash_init(null, 32) : null;
  const checkVerify = () => {
    if (!vh) return;
    const got = b64(sodium.crypto_generichash_final(vh, 32));
    vh = null;
    if (got !== verify.hash)
      throw new Failure('This is not the same file as the interrupted upload (its content differs).',
        { code: 'different_file' });
  };
  for await (let p of pieces) {
    const end = pos + p.length;
    if (pos < from) {
      if (vh) {
        const a = Math.max(pos, verify.from), b = Math.min(end, verify.to);
        if (a < b) sodium.crypto_generichash_update(vh, p.subarray(a - pos, b - pos));
      }
      if (end <= from) {
        pos = end;
        onSkip(pos);
        if (pos === from) checkVerify();
        continue;
      }
      p = p.subarray(from - pos);
      pos = from;
      checkVerify();
    }
    while (p.length > 0) {
      const take = Math.min(partSize - len, p.length);
      list.push(p.subarray(0, take));
      len += take;
      p = p.subarray(take);
      pos += take;
      if (len === partSize) {
        const t = performance.now();
        const blob = new Blob(list);
        stats.blob += performance.now() - t;
        yield { offset: start, size: len, blob, check: checkpointOf(list, start + len) };
        start += len;
        list = [];
        len = 0;
      }
    }
  }
  checkVerify();
  if (len > 0) yield { offset: start, size: len, blob: new Blob(list), check: checkpointOf(list, start + len) };
}

function uploadUrl(st) {
  return '/api/v1/uploads/' + st.id;
}

async function headOffset(st, ev) {
  for (let n = 0; ; n++) {
    const r = await tryFetch(uploadUrl(st), { method: 'HEAD', headers: { Authorization: 'Bearer ' + st.token } });
    if (r && r.status === 200) {
      const off = Number(r.headers.get('Upload-Offset'));
      if (!Number.isSafeInteger(off) || off < 0 || off > st.clen)
        throw new Failure('The server answered strangely. Try again.');
      return off;
    }
    if (r && r.status === 404)
      throw new Failure('The server no longer has this upload: it waited too long for the next part. Start again.',
        { code: 'upload_gone' });
    if (!transient(r) || n + 1 >= RETRIES) throw r ? await refusal(r, 'HEAD') : offline();
    await backoff(n, r, ev);
  }
}

function offline() {
  return new Failure('The server could not be reached.', { status: 0, code: 'offline' });
}

// One part, PATCHed until the server has it.  After a failure without a
// clear answer the stored offset (HEAD) says whether the part arrived.
async function sendPart(st, part, ev) {
  for (let n = 0; ; n++) {
    const r = await tryFetch(uploadUrl(st), {
      method: 'PATCH',
      headers: {
        Authorization: 'Bearer ' + st.token,
        'Upload-Offset': String(part.offset),
        'Content-Type': 'application/offset+octet-stream',
      },
      body: part.blob,
    });
    if (r && r.status === 204) return;
    const e = r ? await bodyRefusal(r, 'PATCH') : null;
    if (e && !(r.status === 409 && ['offset_mismatch', 'part_in_progress', 'part_lost'].includes(e.code)))
      throw e;
    if (n + 1 >= RETRIES) throw e || await exhausted(r, 'PATCH');
    if (!e) await backoff(n, r, ev);
    else if (e.code === 'part_in_progress') await sleep(1000);
    const off = await headOffset(st, ev);
    if (off === part.offset + part.size) return;
    if (off !== part.offset)
      throw new Failure('The server holds another part of this upload than expected. Start again.',
        { code: 'offset_lost' });
  }
}

// The info of share st.id as the link proof opens it, or null when no
// such share exists: after an answer that was lost, whether the share
// was stored all the same.
async function storedInfo(st) {
  const r = await tryFetch('/api/v1/files/' + st.id,
    { headers: { Accept: 'application/json', 'X-Link-Proof': st.linkProof } });
  if (r && r.status === 200) return r.json();
  return null;
}

function answerOf(j) {
  return { id: j.id, owner_token: j.owner_token || null, expires_at: j.expires_at };
}

async function commit(st, ev) {
  for (let n = 0; ; n++) {
    const r = await tryFetch(uploadUrl(st) + '/commit', {
      method: 'POST',
      headers: { ...sealHeaders(st.seal), Authorization: 'Bearer ' + st.token, Accept: 'application/json' },
    });
    if (r && r.status === 201) return answerOf(await r.json());
    if (r && r.status === 404 && n > 0) {
      // An earlier try's answer was lost: did it commit?
      const info = await storedInfo(st);
      if (info) return answerOf(info);
    }
    if (!transient(r) || n + 1 >= RETRIES) throw r ? await refusal(r, 'commit') : offline();
    await backoff(n, r, ev);
  }
}

async function putWhole(st, blob, ev) {
  for (let n = 0; ; n++) {
    const h = {
      ...sealHeaders(st.seal),
      'X-Upload-Size': String(st.size),
      'Content-Type': 'application/octet-stream',
      Accept: 'application/json',
    };
    if (st.expiresIn) h['X-Expires-In'] = String(st.expiresIn);
    const r = await tryFetch(uploadUrl(st), { method: 'PUT', headers: h, body: blob });
    if (r && r.status === 201) return answerOf(await r.json());
    if (r === null || (r.status === 409 && n > 0)) {
      // No answer, or "id taken" after one went missing: ours?
      const info = await storedInfo(st);
      if (info) return answerOf(info);
    }
    const e = r ? await bodyRefusal(r, 'PUT') : null;
    if (e) throw e;
    if (n + 1 >= RETRIES) throw await exhausted(r, 'PUT');
    await backoff(n, r, ev);
  }
}

async function createUpload(size, expiresIn, ev) {
  const h = { 'X-Upload-Size': String(size), Accept: 'application/json' };
  if (expiresIn) h['X-Expires-In'] = String(expiresIn);
  for (let n = 0; ; n++) {
    const r = await tryFetch('/api/v1/uploads', { method: 'POST', headers: h });
    if (r && r.status === 201) return r.json();
    // A lost answer leaves an upload nobody uses: it idles out.
    if (!transient(r) || n + 1 >= RETRIES) throw r ? await refusal(r, 'create') : offline();
    await backoff(n, r, ev);
  }
}

// args: {file | text, name, type, kind: 'file'|'text', password,
// expiresIn, partMax, cost: {mem_kib, time}, resume: record | null}.
// Events: {record} (persist it: resuming needs it), {checkpoint},
// {progress: {sent, total}}, {catchup: {done, total}}, {phase}, {retry}.
async function upload(a, ev) {
  const src = a.file || new Blob([a.text]);
  const size = src.size;
  const clen = C.boxSize(size);
  let st, writer;
  if (a.resume) {
    const r = a.resume;
    if (r.v !== 1 || r.size !== size || r.clen !== clen)
      throw new Failure('This is not the file of the interrupted upload.', { code: 'different_file' });
    const id = C.parseTok(sodium, r.id);
    const secret = keep(C.parseTok(sodium, r.secret));
    const k = C.shareKeys(sodium, secret, id, null);
    const link = b64(k.link);
    C.wipeKeys(sodium, k);
    const kFile = keep(C.unb64(sodium, r.kfile, C.KEY_BYTES));
    writer = new C.BoxWriter(sodium, kFile, id, C.unb64(sodium, r.header, C.STREAM_HEADER_BYTES));
    st = { id: r.id, token: r.token, secret: r.secret, clen, size, seal: r.seal, part: r.part,
      linkProof: link, protected: !!r.seal.salt, checkpoint: r.checkpoint || null };
  } else {
    const secret = keep(sodium.randombytes_buf(C.TOK_BYTES));
    let pwKey = null, salt = null;
    if (a.password) {
      ev({ phase: 'password' });
      salt = sodium.randombytes_buf(C.SALT_BYTES);
      pwKey = keep(C.passwordKey(sodium, a.password, salt, a.cost));
    }
    let id, token = null, part = Math.min(a.partMax, PART_CAP);
    if (clen <= a.partMax) {
      id = sodium.randombytes_buf(C.TOK_BYTES);
    } else {
      ev({ phase: 'create' });
      const j = await createUpload(size, a.expiresIn, ev);
      if (j.container_size !== clen) throw new Failure('The server answered strangely. Try again.');
      id = C.parseTok(sodium, j.id);
      token = j.upload_token;
      part = Math.min(j.part_max, PART_CAP);
    }
    const k = C.shareKeys(sodium, secret, id, pwKey);
    for (const v of Object.values(k)) keep(v);
    if (pwKey) sodium.memzero(pwKey);
    const seal = {
      meta: b64(C.sealMeta(sodium, k.meta, id, {
        kind: a.kind === 'text' ? C.META_TEXT : C.META_FILE, name: a.name || '', type: a.type || '',
      })),
      lcheck: b64(C.sealCheck(sodium, k.link, id, C.CHECK_LINK)),
    };
    if (pwKey) {
      seal.salt = b64(salt);
      seal.cost = `${a.cost.mem_kib},${a.cost.time},1`;
      seal.check = b64(C.sealCheck(sodium, k.pass, id, C.CHECK_PASSWORD));
    }
    writer = new C.BoxWriter(sodium, k.file, id);
    st = { id: b64(id), token, secret: b64(secret), clen, size, seal, part, expiresIn: a.expiresIn,
      linkProof: b64(k.link), protected: !!pwKey, checkpoint: null };
    if (token) {
      // What resuming after a closed tab needs (docs/E2E.md): never the
      // password; the content key and the link secret, while the upload
      // runs.
      ev({ record: {
        v: 1, id: st.id, token, secret: st.secret, kfile: b64(k.file), header: b64(writer.streamHeader()),
        seal, part, size, clen, created: Date.now(),
      } });
    }
  }
  try {
    const stats = newStats();
    const pieces = cipherPieces(src, writer, stats);
    let result;
    if (!st.token) {
      ev({ progress: { sent: 0, total: clen } });
      const list = [];
      for await (const p of pieces) list.push(p);
      result = await putWhole(st, new Blob(list), ev);
    } else {
      let from = 0, verify = null;
      if (a.resume) {
        from = await headOffset(st, ev);
        const c = st.checkpoint;
        if (c && c.to <= from && c.to > c.from) verify = c;
        ev({ catchup: { done: 0, total: from } });
      }
      const progress = throttle((v) => ev(v));
      const catchup = throttle((done) => ev({ catchup: { done, total: from } }));
      ev({ progress: { sent: from, total: clen } });
      let inflight = null;
      // Part n+1 is encrypted while part n travels.
      for await (const p of cutParts(pieces, from, st.part, verify, catchup, stats)) {
        const t = performance.now();
        if (inflight) await inflight;
        stats.wait += performance.now() - t;
        inflight = sendPart(st, p, ev).then(() => {
          ev({ checkpoint: p.check });
          progress({ progress: { sent: p.offset + p.size, total: clen } }, true);
        });
        inflight.catch(() => {});
      }
      if (inflight) await inflight;
      ev({ phase: 'commit' });
      result = await commit(st, ev);
    }
    ev({ progress: { sent: clen, total: clen } });
    for (const k of Object.keys(stats)) stats[k] = Math.round(stats[k]);
    return { ...result, id: st.id, secret: st.secret, protected: st.protected, mode: 'e2e', stats };
  } finally {
    writer.wipe();
  }
}

// Abandons the upload of a record (the page's "discard").
async function discard(a) {
  const r = await tryFetch('/api/v1/uploads/' + a.id,
    { method: 'DELETE', headers: { Authorization: 'Bearer ' + a.token } });
  return { status: r ? r.status : 0 };
}

// Where an upload of a record stands: {offset, container_size} or
// {gone: true}.
async function pending(a) {
  const r = await tryFetch('/api/v1/uploads/' + a.id,
    { method: 'HEAD', headers: { Authorization: 'Bearer ' + a.token } });
  if (r && r.status === 200)
    return { offset: Number(r.headers.get('Upload-Offset')), length: Number(r.headers.get('Upload-Length')) };
  if (r && (r.status === 404 || r.status === 403)) return { gone: true };
  return { unknown: true, status: r ? r.status : 0 };
}

// ---- Receiving --------------------------------------------------------

// args: {id, secret} from the link.  Asks for the share with the link
// proof and opens its sealed name.
async function lookup(a) {
  let id, secret;
  try {
    id = C.parseTok(sodium, a.id);
    secret = keep(C.parseTok(sodium, a.secret));
  } catch {
    throw new Failure('damaged link', { code: 'bad_link' });
  }
  const k = C.shareKeys(sodium, secret, id, null);
  for (const v of Object.values(k)) keep(v);
  const r = await tryFetch('/api/v1/files/' + a.id,
    { headers: { Accept: 'application/json', 'X-Link-Proof': b64(k.link) } });
  if (!r) throw offline();
  if (r.status !== 200) throw await refusal(r, 'look-up');
  const info = await r.json();
  let meta = null;
  try {
    meta = C.openMeta(sodium, k.meta, id, C.unb64(sodium, info.meta));
  } catch { /* below */ }
  if (!meta) throw new Failure('The share\'s sealed name does not open: the sender\'s data is damaged.',
    { code: 'bad_meta' });
  let salt = null;
  if (info.protected) {
    salt = C.unb64(sodium, info.password_salt, C.SALT_BYTES);
    const c = info.password_cost;
    if (!c || c.lanes !== 1 || !(c.mem_kib >= 8) || !(c.time >= 1) || c.mem_kib > 1024 * 1024)
      throw new Failure('The share asks for a password cost this browser cannot compute.', { code: 'bad_kdf' });
  }
  recv = { idS: a.id, id, secret, link: k.link, salt, cost: info.password_cost, size: info.size,
    clen: C.boxSize(info.size), lease: null, kFile: null };
  return {
    name: meta.name, type: meta.type, kind: meta.kind === C.META_TEXT ? 'text' : 'file',
    size: info.size, protected: !!info.protected, attempts_left: info.attempts_left,
    expires_at: info.expires_at,
  };
}

// The container from byte `from` on: the claim's answer first, the lease
// after (GET with Range).
async function leaseFetch(from) {
  const l = recv.lease;
  if (!l || !l.token) throw new Failure('The download was cut off, and this server keeps no copy to resume from.',
    { code: 'no_lease' });
  const h = { Authorization: 'Bearer ' + l.token };
  if (from > 0) h.Range = `bytes=${from}-`;
  const r = await tryFetch('/api/v1/leases/' + recv.idS, { headers: h });
  if (!r) return null;
  if (from > 0 && r.status === 206) {
    const m = /^bytes (\d+)-/.exec(r.headers.get('Content-Range') || '');
    if (!m || Number(m[1]) !== from) throw new Failure('The server resumed at the wrong place.');
    return { body: r.body, skip: 0 };
  }
  if (r.status === 200) return { body: r.body, skip: from };
  if (transient(r)) {
    await r.body?.cancel();
    return null;
  }
  throw await refusal(r, 'lease');
}

// A stream of the plaintext of the container that `first` begins (a
// response body), resumed from the lease when it breaks off.  Events:
// {download: {got, total}}, {final: true} when the last chunk
// authenticated, {failed: message}.
function plainStream(first, ev) {
  let reader = first.getReader();
  let skip = 0;
  let got = 0;  // container bytes decrypted
  let box = new C.BoxReader(sodium, recv.kFile, recv.id);
  const total = recv.clen;
  const progress = throttle((v) => ev(v));
  let batch = [];
  let blen = 0;
  const flush = (ctrl) => {
    if (blen === 0) return;
    const out = new Uint8Array(blen);
    let o = 0;
    for (const m of batch) {
      out.set(m, o);
      o += m.length;
      sodium.memzero(m);
    }
    batch = [];
    blen = 0;
    ctrl.enqueue(out);
  };
  const fail = (ctrl, e) => {
    box.wipe();
    ev({ failed: e.message, code: e.code || '' });
    ctrl.error(e);
  };
  return new ReadableStream({
    async pull(ctrl) {
      try {
        for (;;) {
          let r = null;
          try {
            r = await reader.read();
          } catch {
            r = null;  // the connection broke
          }
          if (r && !r.done) {
            let v = r.value;
            if (skip > 0) {
              const s = Math.min(skip, v.length);
              skip -= s;
              v = v.subarray(s);
            }
            if (got + v.length > total) throw new Failure('damaged container: longer than its size');
            got += v.length;
            for (const m of box.update(v)) {
              batch.push(m);
              blen += m.length;
            }
            progress({ download: { got, total } });
            if (blen >= OUT_BATCH) {
              flush(ctrl);
              return;
            }
            continue;
          }
          if (got < total) {
            // Cut off: fetch the rest within the lease.
            reader.cancel().catch(() => {});
            let next = null;
            for (let n = 0; n < RETRIES && !next; n++) {
              if (recv.lease && recv.lease.until && Date.now() / 1000 > recv.lease.until)
                throw new Failure('The download was cut off and its lease has ended.', { code: 'lease_ended' });
              ev({ resume: { at: got, total } });
              next = await leaseFetch(got);
              if (!next) await backoff(n, null, ev);
            }
            if (!next) throw offline();
            reader = next.body.getReader();
            skip = next.skip;
            continue;
          }
          for (const m of box.finish()) {
            batch.push(m);
            blen += m.length;
          }
          flush(ctrl);
          box.wipe();
          progress({ download: { got, total } }, true);
          ev({ final: true, plain: box.plainBytes });
          ctrl.close();
          return;
        }
      } catch (e) {
        fail(ctrl, e);
      }
    },
    cancel() {
      reader.cancel().catch(() => {});
      box.wipe();
    },
  }, { highWaterMark: 0 });
}

// args: {password, port}.  The claim: on 200 the plaintext stream
// (transferred to the page, or to port) and the lease's end; a refusal
// otherwise (a wrong password: attemptsLeft, nothing consumed).
async function claim(a, ev) {
  if (!recv) throw new Failure('Look the share up first.');
  let pwKey = null;
  if (recv.salt) {
    ev({ phase: 'password' });
    pwKey = C.passwordKey(sodium, a.password || '', recv.salt, recv.cost);
  }
  const k = C.shareKeys(sodium, recv.secret, recv.id, pwKey);
  if (pwKey) sodium.memzero(pwKey);
  let body = 'link_proof=' + b64(k.link);
  if (k.pass) body += '&password_proof=' + b64(k.pass);
  ev({ phase: 'claim' });
  const r = await tryFetch('/d/' + recv.idS, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body,
  });
  if (!r || r.status !== 200) {
    C.wipeKeys(sodium, k);
    if (!r) throw new Failure('The connection failed while opening the share.', { status: 0, code: 'offline' });
    throw await refusal(r, 'claim');
  }
  recv.kFile = keep(k.file);
  k.file = null;
  C.wipeKeys(sodium, k);
  const token = r.headers.get('X-Lease-Token');
  const until = Number(r.headers.get('X-Lease-Expires-At-Unix')) || 0;
  recv.lease = token ? { token, until } : null;
  return handOver(plainStream(r.body, ev), a.port, { leaseUntil: token ? until : 0 });
}

// The plaintext stream goes to the page, or straight to whoever holds
// the other end of `port` (the download service worker, tier B): then
// the page's thread never carries the bytes.
function handOver(stream, port, result) {
  if (port) {
    port.postMessage({ stream }, [stream]);
    return { result: { ...result, sent: true } };
  }
  return { transfer: [stream], result: { ...result, stream } };
}

// The whole container again from the lease (after a failed save).
async function refetch(a, ev) {
  if (!recv || !recv.kFile) throw new Failure('Nothing to fetch again.');
  const first = await leaseFetch(0);
  if (!first) throw offline();
  return handOver(plainStream(first.body, ev), a.port, {});
}

// The receiver has the plaintext: the lease ends and the file goes.
async function confirm() {
  if (!recv || !recv.lease) return { status: 0 };
  for (let n = 0; n < 3; n++) {
    const r = await tryFetch('/api/v1/leases/' + recv.idS,
      { method: 'DELETE', headers: { Authorization: 'Bearer ' + recv.lease.token } });
    if (r && (r.status === 204 || r.status === 410)) {
      recv.lease = null;
      return { status: r.status };
    }
    await sleep(500 * (n + 1));
  }
  return { status: -1 };
}

// Wipes every key this worker held, then libsodium's whole heap: the
// wrappers copy keys into it and free them unwiped.  libsodium is
// unusable after; the page terminates the worker.
function wipe() {
  for (const a of secrets) sodium.memzero(a);
  secrets.length = 0;
  recv = null;
  const L = sodium.libsodium;
  if (L && L.HEAPU8) L.HEAPU8.fill(0);
  return { wiped: true };
}

const OPS = {
  hello: async () => ({ ok: true }),
  upload: async (a, ev) => ({ result: await upload(a, ev) }),
  discard: async (a) => ({ result: await discard(a) }),
  pending: async (a) => ({ result: await pending(a) }),
  lookup: async (a) => ({ result: await lookup(a) }),
  claim,
  refetch,
  confirm: async () => ({ result: await confirm() }),
  wipe: async () => ({ result: wipe() }),
};

self.onmessage = async (e) => {
  const { id, op, args } = e.data || {};
  const ev = (event) => self.postMessage({ id, type: 'event', event });
  try {
    await sodium.ready;
    const f = OPS[op];
    if (!f) throw new Failure('unknown operation');
    const out = await f(args || {}, ev);
    const result = out && 'result' in out ? out.result : out;
    self.postMessage({ id, type: 'done', result }, (out && out.transfer) || []);
  } catch (err) {
    const x = err instanceof Failure ? err : new Failure(String(err && err.message || err));
    self.postMessage({ id, type: 'error', error: {
      message: x.message, status: x.status ?? null, body: x.body || '', code: x.code || '',
      retryAfter: x.retryAfter || null, attemptsLeft: x.attemptsLeft ?? null,
    } });
  }
};
