/* OneTimeShare: helpers shared by the pages.  Every text that comes from
 * the server or the URL is inserted with textContent, never as HTML. */
'use strict';

var OTS = (function () {
  function $(id) {
    return document.getElementById(id);
  }

  function setText(id, text) {
    $(id).textContent = text;
  }

  function bytes(n) {
    var units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return (i === 0 ? String(n) : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
  }

  function when(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    return isNaN(d.getTime()) ? iso : d.toLocaleString();
  }

  function duration(secs) {
    if (secs % 604800 === 0) return plural(secs / 604800, 'week');
    if (secs % 86400 === 0) return plural(secs / 86400, 'day');
    if (secs % 3600 === 0) return plural(secs / 3600, 'hour');
    if (secs % 60 === 0) return plural(secs / 60, 'minute');
    return plural(secs, 'second');
  }

  function plural(n, word) {
    return n + ' ' + word + (n === 1 ? '' : 's');
  }

  /* A sentence for an error answer: the server's message when it sent
   * one, else one by status. */
  function errorText(status, body, retryAfter) {
    var msg = '';
    try {
      var j = JSON.parse(body);
      if (j && j.error && typeof j.error.message === 'string') msg = j.error.message;
    } catch (e) { /* not JSON */ }
    if (status === 429) {
      var wait = parseInt(retryAfter || '', 10);
      return 'Too many requests from your address. Try again in ' +
        (wait > 0 ? plural(wait, 'second') : 'a minute') + '.';
    }
    if (msg) return msg;
    if (status === 0) return 'The server could not be reached. Check your connection and try again.';
    if (status === 413) return 'The file is larger than this server accepts.';
    if (status === 503) return 'The service is busy or unavailable. Try again shortly.';
    if (status === 507) return 'The server is out of space right now. Try again later.';
    return 'Something went wrong (' + status + '). Try again.';
  }

  function errorCode(body) {
    try {
      var j = JSON.parse(body);
      return j && j.error && j.error.code || '';
    } catch (e) {
      return '';
    }
  }

  function copy(text, noteId) {
    function done(ok) {
      setText(noteId, ok ? 'Copied.' : 'Select the text and copy it.');
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); },
        function () { done(false); });
    } else {
      done(false);
    }
  }

  /* The crypto worker (www/static/ots-worker.js, a module worker: the
   * only script allowed to run WebAssembly, so every use of libsodium
   * happens there).  call(op, args) answers a promise; the worker's
   * events of a running operation go to .onEvent (settable).  A worker that fails
   * to load or start rejects every call. */
  function cryptoWorker(onEvent) {
    var w = new Worker('/static/ots-worker.js', { type: 'module' });
    var seq = 0;
    var calls = {};
    var dead = null;
    function failAll(err) {
      dead = err;
      Object.keys(calls).forEach(function (k) {
        calls[k].reject(err);
        delete calls[k];
      });
    }
    w.onmessage = function (e) {
      var m = e.data || {};
      if (m.type === 'event') {
        if (api.onEvent) api.onEvent(m.event || {});
        return;
      }
      var c = calls[m.id];
      if (!c) return;
      delete calls[m.id];
      if (m.type === 'done') {
        c.resolve(m.result);
      } else {
        var err = new Error(m.error && m.error.message || 'the crypto worker failed');
        if (m.error) {
          err.status = m.error.status;
          err.body = m.error.body;
          err.code = m.error.code;
          err.retryAfter = m.error.retryAfter;
          err.attemptsLeft = m.error.attemptsLeft;
        }
        c.reject(err);
      }
    };
    w.onerror = function (e) {
      if (e && e.preventDefault) e.preventDefault();
      failAll(new Error('the crypto worker did not start'));
    };
    var api = {
      onEvent: onEvent,
      call: function (op, args, transfer) {
        if (dead) return Promise.reject(dead);
        var id = ++seq;
        return new Promise(function (resolve, reject) {
          calls[id] = { resolve: resolve, reject: reject };
          w.postMessage({ id: id, op: op, args: args || {} }, transfer || []);
        });
      },
      /* Ends it at once, whatever it is doing (its memory goes with it). */
      abort: function () {
        w.terminate();
        failAll(new Error('the crypto worker was stopped'));
      },
      /* Wipes the worker's keys (and libsodium's heap), then ends it. */
      finish: function () {
        if (dead) {
          w.terminate();
          return Promise.resolve();
        }
        var p = this.call('wipe').catch(function () {});
        return p.then(function () {
          w.terminate();
          dead = new Error('the crypto worker has ended');
        });
      }
    };
    return api;
  }

  /* 16 random bytes as 22 characters of base64url (no libsodium needed). */
  function randomToken() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    var s = btoa(String.fromCharCode.apply(null, b));
    return s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  return { $: $, setText: setText, bytes: bytes, when: when, duration: duration,
    errorText: errorText, errorCode: errorCode, copy: copy,
    cryptoWorker: cryptoWorker, randomToken: randomToken };
})();
