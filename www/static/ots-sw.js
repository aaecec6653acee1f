/* OneTimeShare: the download service worker of end-to-end shares
 * (served as /e2e/sw.js, scope /e2e/, where nothing else lives).
 *
 * A receiver's page without a save picker decrypts in its crypto worker
 * and transfers the plaintext stream here with postMessage; a hidden
 * frame of the page then opens /e2e/dl/NONCE, which this answers once
 * with that stream as an attachment, so the browser's download manager
 * writes it to disk as it comes, never holding the whole file.  It holds
 * no key, loads no library, and sees plaintext only as it passes.
 *
 * The page pings every 5 s (each ping is an event, which keeps the
 * worker alive: without it Firefox stops an "idle" worker about 30 s in
 * and ends the download early as if complete) and is told the bytes
 * delivered so far; at the end it checks they are all there. */
'use strict';

var downloads = new Map();
var NONCE = /^[A-Za-z0-9_-]{22}$/;
/* A stream nobody came to fetch is dropped after this. */
var UNCLAIMED_MS = 60000;

self.addEventListener('install', function () {
  self.skipWaiting();
});

self.addEventListener('activate', function (e) {
  e.waitUntil(self.clients.claim());
});

function report(d, msg) {
  try {
    d.port.postMessage(msg);
  } catch (e) { /* the page is gone */ }
}

self.addEventListener('message', function (e) {
  var m = e.data || {};
  if (typeof m.nonce !== 'string' || !NONCE.test(m.nonce)) return;
  if (m.type === 'download') {
    /* ports[0] talks to the page; the stream comes with the message,
     * or later on ports[1], straight from the page's crypto worker. */
    if (!e.ports[0] || downloads.has(m.nonce)) return;
    var d = {
      stream: null, port: e.ports[0], delivered: 0, state: 'expecting',
      name: typeof m.name === 'string' ? m.name : 'download',
      size: Number.isSafeInteger(m.size) && m.size >= 0 ? m.size : -1
    };
    var nonce = m.nonce;
    downloads.set(nonce, d);
    var take = function (stream) {
      if (!(stream instanceof ReadableStream) || d.state !== 'expecting') return;
      d.stream = stream;
      d.state = 'waiting';
      setTimeout(function () {
        if (d.state === 'waiting') {
          downloads.delete(nonce);
          d.stream.cancel('nobody fetched it').catch(function () {});
          report(d, { type: 'error', message: 'the download did not start' });
        }
      }, UNCLAIMED_MS);
      report(d, { type: 'ready' });
    };
    if (m.stream) {
      take(m.stream);
    } else if (e.ports[1]) {
      e.ports[1].onmessage = function (ev) {
        take(ev.data && ev.data.stream);
        e.ports[1].close();
      };
    }
  } else if (m.type === 'ping') {
    var p = downloads.get(m.nonce);
    if (p) report(p, { type: 'pong', delivered: p.delivered, state: p.state });
  } else if (m.type === 'forget') {
    downloads.delete(m.nonce);
  }
});

/* RFC 6266 / RFC 8187: an ASCII fallback and the UTF-8 name. */
function disposition(name) {
  var ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  var utf8 = encodeURIComponent(name).replace(/['()*]/g, function (c) {
    return '%' + c.charCodeAt(0).toString(16).toUpperCase();
  });
  return 'attachment; filename="' + ascii + '"; filename*=UTF-8\'\'' + utf8;
}

/* The plaintext as it goes to the download manager, counted. */
function counted(d, nonce) {
  var reader = d.stream.getReader();
  return new ReadableStream({
    pull: function (ctrl) {
      return reader.read().then(function (r) {
        if (r.done) {
          d.state = 'done';
          downloads.delete(nonce);
          report(d, { type: 'done', delivered: d.delivered });
          ctrl.close();
          return;
        }
        d.delivered += r.value.length;
        ctrl.enqueue(r.value);
      }, function (err) {
        d.state = 'failed';
        downloads.delete(nonce);
        report(d, { type: 'error', message: String(err && err.message || err), delivered: d.delivered });
        ctrl.error(err);
      });
    },
    cancel: function (reason) {
      d.state = 'cancelled';
      downloads.delete(nonce);
      report(d, { type: 'cancelled', delivered: d.delivered });
      return reader.cancel(reason);
    }
  }, { highWaterMark: 0 });
}

self.addEventListener('fetch', function (e) {
  var u = new URL(e.request.url);
  if (u.origin !== self.location.origin || u.pathname.indexOf('/e2e/') !== 0) return;
  var m = /^\/e2e\/dl\/([A-Za-z0-9_-]{22})$/.exec(u.pathname);
  var d = m && downloads.get(m[1]);
  var base = {
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store'
  };
  if (!d || d.state !== 'waiting') {
    /* Everything under /e2e/ is this worker's: what it does not know
     * is not found, as nginx would say. */
    base['Content-Type'] = 'text/plain; charset=utf-8';
    e.respondWith(new Response('Not found.\n', { status: 404, headers: base }));
    return;
  }
  d.state = 'sending';
  base['Content-Type'] = 'application/octet-stream';
  base['Content-Disposition'] = disposition(d.name);
  if (d.size >= 0) base['Content-Length'] = String(d.size);
  report(d, { type: 'started' });
  e.respondWith(new Response(counted(d, m[1]), { status: 200, headers: base }));
});
