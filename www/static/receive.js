/* OneTimeShare: the page behind a share link.  Loading it consumes
 * nothing; only the button posts the claim.
 *
 * Server-side shares: the claim carries the key from the URL fragment
 * (which the browser never sends by itself), and the server decrypts.
 *
 * End-to-end shares: the key never leaves this browser.  The crypto
 * worker (ots-worker.js) derives the link proof, reads the sealed name,
 * runs Argon2id for a password, claims with the proofs and decrypts the
 * container as it streams in (resuming a cut download within the
 * lease).  The plaintext goes to the first sink this browser has,
 * chosen before the claim so that nothing is consumed that could not be
 * saved: A) the save picker (File System Access), B) the download
 * service worker (ots-sw.js, /e2e/), C) memory, up to the server's
 * memory_max.  docs/E2E.md. */
'use strict';

(function () {
  var $ = OTS.$;
  var id = '';
  var key = '';
  var info = null;
  var config = null;
  var worker = null;
  var sw = null;        /* promise of the active download worker, or null */
  var swFailed = false;
  var picked = null;    /* tier A: the file handle picked for this share */
  var lease = 0;        /* end of the download lease (Unix seconds) */
  var sawFinal = false; /* the decryptor authenticated the last chunk */
  var failure = '';     /* what the decryptor said when it failed */

  /* A text secret above this is saved as a file, not shown. */
  var TEXT_SHOW_MAX = 4 << 20;
  var PING_MS = 5000;
  var PING_DEAD_MS = 20000;
  var WRITE_BATCH = 4 << 20;

  var GONE = {
    claimed: 'This share was already opened. It can be opened only once, so it is gone now.',
    expired: 'This share expired before anyone opened it. Ask the sender for a new link.',
    revoked: 'The sender revoked this share.',
    locked: 'This share was destroyed after too many wrong passwords.'
  };

  function status(text) {
    OTS.setText('status', text);
  }

  function parseLink() {
    var m = /^\/d\/([A-Za-z0-9_-]{22})$/.exec(location.pathname);
    var k = location.hash.replace(/^#/, '');
    if (!m) return false;
    id = m[1];
    key = /^[A-Za-z0-9_-]{22}$/.test(k) ? k : '';
    return true;
  }

  function explain(statusCode, body) {
    var code = OTS.errorCode(body);
    $('share').hidden = true;
    if (statusCode === 410 && GONE[code]) return GONE[code];
    if (statusCode === 410) return 'This share is gone.';
    if (statusCode === 404) return 'There is no such share. The link may be mistyped, or it ended long ago.';
    if (statusCode === 403) return 'This link is damaged: its key does not open the share. Check that you copied all of it.';
    return OTS.errorText(statusCode, body);
  }

  function show(i) {
    info = i;
    /* The name a save takes (a text secret saved as a file: too long
     * to show). */
    info.saveName = i.kind === 'text' ? 'secret.txt' : (i.name || 'download');
    var what = i.kind === 'text' ? 'A text secret' : (i.name || 'A file');
    OTS.setText('what', what);
    OTS.setText('size', OTS.bytes(i.size));
    OTS.setText('until', OTS.when(i.expires_at));
    OTS.setText('mode', i.mode === 'e2e'
      ? 'End to end: it was encrypted in the sender\'s browser, and this page decrypts it. ' +
        'The server could never read it or its name, and never had the key.'
      : 'By the server: it encrypted the content as it arrived, and decrypts it for you as you open it.');
    $('cli-server').hidden = i.mode === 'e2e';
    $('cli-e2e').hidden = i.mode !== 'e2e';
    $('password-row').hidden = !i.protected;
    if (i.protected) {
      status('It is protected by a password. ' + i.attempts_left +
        ' wrong attempts destroy it.');
    } else {
      status('');
    }
    $('share').hidden = false;
    $('open').focus();
  }

  function loadConfig() {
    return fetch('/api/v1/config', { headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; })
      .then(function (c) { config = c; });
  }

  function lookup() {
    Promise.all([loadConfig(),
      fetch('/api/v1/files/' + id, { headers: { Accept: 'application/json' } })])
      .then(function (all) {
        var r = all[1];
        return r.text().then(function (body) {
          if (r.status !== 200) {
            status(explain(r.status, body));
            return;
          }
          var j = JSON.parse(body);
          if (j.mode === 'e2e') lookupE2E();
          else lookupServer();
        });
      })
      .catch(function () {
        status(OTS.errorText(0, ''));
      });
  }

  /* ---- Server-side shares ------------------------------------------ */

  function lookupServer() {
    fetch('/api/v1/files/' + id, { headers: { Accept: 'application/json', 'X-Key': key } })
      .then(function (r) {
        return r.text().then(function (body) {
          if (r.status === 200) {
            var j = JSON.parse(body);
            j.mode = 'server';
            show(j);
          } else {
            status(explain(r.status, body));
          }
        });
      })
      .catch(function () {
        status(OTS.errorText(0, ''));
      });
  }

  function saveBlob(blob, name) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement('a');
    a.href = url;
    a.download = name || 'download';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  function claimServer() {
    var body = new URLSearchParams();
    body.append('key', key);
    if (info && info.protected) body.append('password', $('password').value);
    $('open').disabled = true;
    status('Opening…');
    fetch('/d/' + id, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body.toString()
    }).then(function (r) {
      if (r.status === 200) {
        var kind = r.headers.get('X-Share-Kind');
        return r.blob().then(function (blob) {
          /* It is gone from the server: drop the key from the address. */
          history.replaceState(null, '', location.pathname);
          $('share').hidden = true;
          if (kind === 'text') {
            return blob.text().then(showText);
          }
          saveBlob(blob, info && info.name);
          status('Downloaded ' + (info && info.name ? info.name : 'the file') +
            ' (' + OTS.bytes(blob.size) + '). It was deleted from the server as you opened it.');
        });
      }
      return r.text().then(function (text) {
        $('open').disabled = false;
        wrongOrGone(r.status, text);
      });
    }).catch(function () {
      $('open').disabled = false;
      status(OTS.errorText(0, ''));
    });
  }

  function showText(t) {
    $('secret').value = t;
    $('text-result').hidden = false;
    status('Here is the secret. It was deleted from the server as you opened it.');
    $('secret').focus();
  }

  /* A refused claim: a wrong password (retry) or the share's end. */
  function wrongOrGone(code, body) {
    var c = OTS.errorCode(body);
    if (code === 403 && (c === 'wrong_password' || c === 'password_required')) {
      status('');
      OTS.setText('error', OTS.errorText(code, body));
      $('password').value = '';
      $('password').focus();
      return;
    }
    status(explain(code, body));
  }

  /* ---- End-to-end shares ------------------------------------------- */

  function progress(got, total) {
    $('progress').max = total || 1;
    $('progress').value = got;
    OTS.setText('progress-text', 'Downloading and decrypting: ' + OTS.bytes(got) + ' of ' +
      OTS.bytes(total) + ' (' + (total > 0 ? Math.floor(100 * got / total) : 100) + '%)');
  }

  function onWorkerEvent(ev) {
    if (ev.download) {
      progress(ev.download.got, ev.download.total);
    } else if (ev.final) {
      sawFinal = true;
    } else if (ev.failed) {
      failure = ev.failed;
    } else if (ev.resume) {
      OTS.setText('progress-text', 'The connection broke at ' + OTS.bytes(ev.resume.at) +
        '; resuming…');
    } else if (ev.retry) {
      OTS.setText('progress-text', 'The connection failed; trying again in ' +
        OTS.duration(ev.retry.seconds) + '…');
    } else if (ev.phase === 'password') {
      status('Checking the password…');
    } else if (ev.phase === 'claim') {
      status('Opening…');
    }
  }

  function lookupE2E() {
    try {
      worker = OTS.cryptoWorker(onWorkerEvent);
    } catch (e) {
      status('This browser cannot decrypt here: it has no module workers. Try another browser.');
      return;
    }
    worker.call('lookup', { id: id, secret: key }).then(function (res) {
      res.mode = 'e2e';
      show(res);
      if (!(res.kind === 'text' && res.size <= TEXT_SHOW_MAX) && !pickerAvailable()) prepareServiceWorker();
    }, function (err) {
      finish();
      if (err.code === 'bad_link') status(explain(403, ''));
      else if (err.status) status(explain(err.status, err.body || ''));
      else if (err.code === 'bad_meta') status(err.message);
      else status('This browser cannot decrypt here (' + err.message + '). Try another browser.');
    });
  }

  function pickerAvailable() {
    return typeof window.showSaveFilePicker === 'function';
  }

  /* Tier B: the download worker, registered before any claim. */
  function prepareServiceWorker() {
    if (!('serviceWorker' in navigator) || !navigator.serviceWorker ||
        typeof ReadableStream === 'undefined') {
      swFailed = true;
      return;
    }
    sw = navigator.serviceWorker.register('/e2e/sw.js', { scope: '/e2e/' }).then(function (reg) {
      /* `ready` never settles for a page outside the scope: watch the
       * registration's worker reach "activated" instead. */
      return new Promise(function (resolve, reject) {
        function check() {
          if (reg.active && reg.active.state === 'activated') {
            resolve(reg.active);
            return true;
          }
          return false;
        }
        if (check()) return;
        var w = reg.installing || reg.waiting || reg.active;
        if (!w) {
          reject(new Error('no service worker'));
          return;
        }
        w.addEventListener('statechange', function () {
          if (!check() && w.state === 'redundant') reject(new Error('service worker redundant'));
        });
        setTimeout(function () { reject(new Error('service worker too slow')); }, 15000);
      });
    });
    sw.catch(function () { swFailed = true; });
  }

  function memoryMax() {
    return config && config.e2e && config.e2e.memory_max || 256 * 1024 * 1024;
  }

  /* The sink for this share, chosen before the claim: {kind, run(stream)}
   * (or {kind, session()} for tier B, whose stream goes to the service
   * worker directly), 'cancelled' when the picker was, or null when this
   * browser cannot save it.  In the last two cases nothing is claimed. */
  function chooseSink() {
    var size = info.size;
    if (info.kind === 'text' && size <= TEXT_SHOW_MAX) {
      return Promise.resolve({ kind: 'text', run: collectText });
    }
    if (pickerAvailable()) {
      /* The picker first: it needs the click's user activation. */
      var p = picked ? Promise.resolve(picked) : window.showSaveFilePicker({
        suggestedName: info.saveName
      });
      return p.then(function (h) {
        picked = h;
        return { kind: 'picker', run: function (s) { return saveToHandle(s, h); } };
      }, function (e) {
        if (e && e.name === 'AbortError') return 'cancelled';
        throw e;
      });
    }
    var memory = { kind: 'memory', run: collectBlob };
    if (sw && !swFailed) {
      return sw.then(function (active) {
        return { kind: 'sw', session: function () { return swSession(active); } };
      }, function () {
        return size <= memoryMax() ? memory : null;
      });
    }
    return Promise.resolve(size <= memoryMax() ? memory : null);
  }

  /* Feeds each piece of stream to each(); a failing sink cancels the
   * stream, which stops the worker's download and wipes its state. */
  function readAll(stream, each) {
    var reader = stream.getReader();
    function step() {
      return reader.read().then(function (r) {
        if (r.done) return null;
        return Promise.resolve(each(r.value)).then(step, function (e) {
          reader.cancel(e).catch(function () {});
          throw e;
        });
      });
    }
    return step();
  }

  function collectText(stream) {
    var parts = [];
    return readAll(stream, function (v) { parts.push(v); }).then(function () {
      return new Blob(parts).text();
    }).then(function (t) {
      $('transfer').hidden = true;
      showText(t);
      return 'Here is the secret. It was decrypted in this browser, and deleted from the server as you opened it.';
    });
  }

  function collectBlob(stream) {
    var blobs = [];
    var batch = [];
    var n = 0;
    return readAll(stream, function (v) {
      batch.push(v);
      n += v.length;
      if (n >= 16 << 20) {
        blobs.push(new Blob(batch));
        batch = [];
        n = 0;
      }
    }).then(function () {
      blobs.push(new Blob(batch));
      var blob = new Blob(blobs, { type: 'application/octet-stream' });
      saveBlob(blob, info.saveName);
      return 'Downloaded ' + info.saveName + ' (' + OTS.bytes(blob.size) +
        '). It was decrypted in this browser, and deleted from the server.';
    });
  }

  function saveToHandle(stream, handle) {
    return handle.createWritable().then(function (w) {
      var batch = [];
      var n = 0;
      return readAll(stream, function (v) {
        batch.push(v);
        n += v.length;
        if (n < WRITE_BATCH) return null;
        var b = new Blob(batch);
        batch = [];
        n = 0;
        return w.write(b);
      }).then(function () {
        return n > 0 ? w.write(new Blob(batch)) : null;
      }).then(function () {
        return w.close();
      }).catch(function (e) {
        /* Chromium writes to a swap file: abort() leaves no partial
         * plaintext behind. */
        return w.abort().catch(function () {}).then(function () { throw e; });
      });
    }).then(function () {
      return 'Saved ' + handle.name + ' (' + OTS.bytes(info.size) +
        '). It was decrypted in this browser, and deleted from the server.';
    });
  }

  /* Tier B: the download worker gets the plaintext stream straight
   * from the crypto worker (over `port`, which the claim takes), and a
   * hidden frame asks it for /e2e/dl/NONCE, which the browser saves as a
   * download.  Pings every 5 s keep it alive and report the bytes it
   * delivered; all of them, the last chunk authenticated and a worker
   * that kept answering mean the file is whole.  `done` settles with
   * the download. */
  function swSession(active) {
    var nonce = OTS.randomToken();
    var ctl = new MessageChannel();
    var data = new MessageChannel();
    var frame = null;
    var settled = false;
    var lastPong = Date.now();
    var pinger = null;
    var ok, fail;
    var done = new Promise(function (resolve, reject) {
      ok = resolve;
      fail = reject;
    });
    done.catch(function () {});
    function end(err) {
      if (settled) return;
      settled = true;
      clearInterval(pinger);
      try {
        active.postMessage({ type: 'forget', nonce: nonce });
      } catch (e) { /* gone */ }
      ctl.port1.close();
      if (frame) setTimeout(function () { frame.remove(); }, 10000);
      if (err) fail(err);
      else ok('Downloaded ' + info.saveName + ' (' + OTS.bytes(info.size) +
        '). It was decrypted in this browser, and deleted from the server.');
    }
    ctl.port1.onmessage = function (e) {
      var m = e.data || {};
      lastPong = Date.now();
      if (m.type === 'ready') {
        frame = document.createElement('iframe');
        frame.hidden = true;
        frame.title = 'download';
        frame.src = '/e2e/dl/' + nonce;
        document.body.appendChild(frame);
      } else if (m.type === 'done') {
        var wait = 0;
        (function settle() {
          if (!sawFinal && wait++ < 20) {
            setTimeout(settle, 100);
            return;
          }
          if (m.delivered === info.size && sawFinal) end(null);
          else end(new Error('incomplete'));
        })();
      } else if (m.type === 'error' || m.type === 'cancelled') {
        end(new Error(m.type === 'cancelled' ? 'cancelled' : (m.message || 'failed')));
      }
    };
    pinger = setInterval(function () {
      if (Date.now() - lastPong > PING_DEAD_MS) {
        end(new Error('The download helper stopped answering.'));
        return;
      }
      try {
        active.postMessage({ type: 'ping', nonce: nonce });
      } catch (e) { /* checked by the next tick */ }
    }, PING_MS);
    active.postMessage({ type: 'download', nonce: nonce, name: info.saveName, size: info.size },
      [ctl.port2, data.port2]);
    return { port: data.port1, done: done, abort: function () { end(new Error('aborted')); } };
  }

  function removePicked() {
    var h = picked;
    picked = null;
    if (h && typeof h.remove === 'function') return h.remove().catch(function () {});
    return Promise.resolve();
  }

  function claimE2E() {
    var password = info.protected ? $('password').value : '';
    $('open').disabled = true;
    OTS.setText('error', '');
    chooseSink().then(function (sink) {
      if (sink === 'cancelled') {
        $('open').disabled = false;
        status('Nothing was opened: the share is still there.');
        return;
      }
      if (!sink) {
        $('open').disabled = false;
        status('This file is ' + OTS.bytes(info.size) + ', and this browser can only save a ' +
          'download by holding it in memory, up to ' + OTS.bytes(memoryMax()) + ' here. Open the ' +
          'link in another browser (Chromium, or Firefox in a normal window). Nothing was opened: ' +
          'the share is still there.');
        return;
      }
      status(info.protected ? 'Checking the password…' : 'Opening…');
      sawFinal = false;
      failure = '';
      var session = sink.session ? sink.session() : null;
      var args = { password: password };
      if (session) args.port = session.port;
      return worker.call('claim', args, session ? [session.port] : []).then(function (res) {
        lease = res.leaseUntil || 0;
        /* It is claimed: the link is spent; drop the key from the
         * address (the worker keeps what it needs to finish). */
        history.replaceState(null, '', location.pathname);
        $('share').hidden = true;
        status('Receiving…');
        $('transfer').hidden = false;
        progress(0, info.size);
        return deliver(sink, res.stream, session);
      }, function (err) {
        if (session) session.abort();
        $('open').disabled = false;
        var p = sink.kind === 'picker' ? removePicked() : Promise.resolve();
        return p.then(function () {
          var c = err.code;
          if (err.status === 403 && (c === 'wrong_password' || c === 'password_required')) {
            wrongOrGone(err.status, err.body || '');
            return;
          }
          /* Anything else ends this page's chances: the keys go. */
          finish();
          if (err.status) wrongOrGone(err.status, err.body || '');
          else status(err.message || OTS.errorText(0, ''));
        });
      });
    }).catch(function (e) {
      $('open').disabled = false;
      status('The file cannot be saved here (' + (e && e.message || e) + '). Nothing was opened.');
    });
  }

  /* Runs the sink; then confirms (the lease ends, the file goes) or
   * offers to try again while the lease runs. */
  function guard(on) {
    window.onbeforeunload = on ? function (e) {
      e.preventDefault();
      return '';
    } : null;
  }

  function deliver(sink, stream, session) {
    $('retry-row').hidden = true;
    guard(true);
    return (session ? session.done : sink.run(stream)).then(function (done) {
      guard(false);
      status(done);
      OTS.setText('progress-text', '');
      $('progress').value = $('progress').max;
      return worker.call('confirm').catch(function () {}).then(finish);
    }, function (e) {
      guard(false);
      var why = failure ? 'The file is damaged: it does not decrypt (' + failure + ').'
        : 'It could not be saved' + (e && e.message ? ': ' + e.message.replace(/\.$/, '') : '') + '.';
      OTS.setText('progress-text', '');
      $('progress').value = 0;
      if (sink.kind === 'sw') why += ' If the browser saved a file, it is incomplete: delete it.';
      else if (sink.kind === 'picker') why += ' Nothing was written.';
      var left = lease - Date.now() / 1000;
      if (left > 5) {
        status(why + ' The share is used up, but for ' + OTS.duration(Math.floor(left / 60) * 60 || 60) +
          ' more you can try again.');
        $('retry-row').hidden = false;
        $('retry').onclick = function () { retry(sink); };
      } else {
        status(why + ' The share is used up.');
        finish();
      }
    });
  }

  function retry(sink) {
    $('retry-row').hidden = true;
    var again = sink.kind === 'picker' ? (picked = null, chooseSink()) : Promise.resolve(sink);
    again.then(function (s) {
      if (!s || s === 'cancelled') {
        $('retry-row').hidden = false;
        return;
      }
      status('Receiving again…');
      sawFinal = false;
      failure = '';
      var session = s.session ? s.session() : null;
      return worker.call('refetch', session ? { port: session.port } : {},
        session ? [session.port] : []).then(function (res) {
        return deliver(s, res.stream, session);
      }, function (err) {
        if (session) session.abort();
        throw err;
      });
    }).catch(function (err) {
      if (err && err.status) status(explain(err.status, err.body || ''));
      else status('It cannot be fetched again: ' + (err && err.message || err) + '.');
      finish();
    });
  }

  /* The keys go: the worker wipes them, and its heap, and ends. */
  function finish() {
    if (!worker) return;
    var w = worker;
    worker = null;
    w.finish();
  }

  function claim(ev) {
    ev.preventDefault();
    OTS.setText('error', '');
    if (info && info.protected && !$('password').value) {
      OTS.setText('error', 'Enter the password first.');
      $('password').focus();
      return;
    }
    if (info && info.mode === 'e2e') claimE2E();
    else claimServer();
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!parseLink()) {
      status('This is not a share link.');
      return;
    }
    if (!key) {
      status('This link is incomplete: the part after # is missing. Ask the sender to send the whole link.');
      return;
    }
    $('claim-form').addEventListener('submit', claim);
    $('copy-secret').addEventListener('click', function () {
      OTS.copy($('secret').value, 'copied');
    });
    lookup();
  });
})();
