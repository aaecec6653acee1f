/* OneTimeShare: the send page.
 *
 * End to end (the default when the server offers it): the crypto worker
 * (ots-worker.js) draws the link's secret, encrypts the file or text and
 * its name, and uploads the container, in one PUT or in parts that
 * survive a dropped connection and, for files, a closed tab: what a
 * later visit needs to resume is kept in localStorage until the upload
 * ends (docs/E2E.md says what, and why that is safe).  Server-side mode
 * (the box unchecked, or a server without end-to-end shares) posts the
 * plaintext for the server to encrypt, as curl does. */
'use strict';

(function () {
  var $ = OTS.$;
  var config = null;
  var xhr = null;
  var worker = null;
  var spare = null;        /* a started crypto worker, not used yet */
  var e2eUsable = false;
  var pending = {};        /* interrupted uploads: id -> {rec, offset} */
  var resumeRec = null;    /* the one the chosen file belongs to */
  var cancelled = false;
  var current = null;      /* the running end-to-end upload's context */

  var CHOICES = [300, 900, 3600, 21600, 86400, 259200, 604800, 1209600, 2592000];
  var PREFIX = 'ots-upload:';
  /* The server forgets an idle upload after OTS_UPLOAD_IDLE (10 min by
   * default) and any upload after OTS_UPLOAD_MAX_AGE (24 h): a record
   * older than that is of no use. */
  var RECORD_MAX_AGE = 24 * 3600 * 1000;

  var NOTE_E2E = 'It is encrypted here, before it leaves this browser: the server never sees ' +
    'the content, its name, the password or the key.';
  var NOTE_SERVER = 'Unchecked, the server encrypts it as it arrives: it sees the content and its ' +
    'name while doing so, and stores only the encrypted form. Choose this only if the receiver ' +
    'will fetch it with curl.';
  var NOTE_NO_E2E = 'This server does not offer end-to-end encryption: it encrypts what you send as ' +
    'it arrives, seeing the content while doing so, and stores only the encrypted form.';
  var NOTE_NO_BROWSER = 'This browser cannot run the encryption here, so the server will encrypt it ' +
    'as it arrives, seeing the content while doing so, and store only the encrypted form.';

  function showError(text) {
    OTS.setText('error', text);
  }

  function mode() {
    return document.querySelector('input[name="mode"]:checked').value;
  }

  function e2eChosen() {
    return e2eUsable && $('e2e').checked;
  }

  function fillExpiry() {
    var sel = $('expires');
    var e = config.expiry;
    var seen = {};
    var values = CHOICES.filter(function (s) { return s >= e.min && s <= e.max; });
    if (values.indexOf(e.default) < 0) values.push(e.default);
    values.sort(function (a, b) { return a - b; });
    sel.textContent = '';
    values.forEach(function (s) {
      if (seen[s]) return;
      seen[s] = true;
      var o = document.createElement('option');
      o.value = String(s);
      o.textContent = OTS.duration(s);
      if (s === e.default) o.selected = true;
      sel.appendChild(o);
    });
  }

  function showModeNote() {
    var note;
    if (!config || !config.e2e || !config.e2e.enabled) note = NOTE_NO_E2E;
    else if (!e2eUsable) note = NOTE_NO_BROWSER;
    else note = $('e2e').checked ? NOTE_E2E : NOTE_SERVER;
    OTS.setText('e2e-note', note);
  }

  /* Can this browser run the crypto worker?  (WebAssembly in a module
   * worker, allowed by the worker's own CSP.) */
  function probeWorker() {
    var w;
    try {
      w = OTS.cryptoWorker(null);
    } catch (e) {
      return Promise.resolve(false);
    }
    return w.call('hello').then(function () { return true; }, function () { return false; })
      .then(function (ok) {
        /* A started worker serves the first upload (libsodium is
         * compiled already); each upload's worker ends with it. */
        if (ok) spare = w;
        else w.finish();
        return ok;
      });
  }

  function loadConfig() {
    fetch('/api/v1/config', { headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (c) {
        config = c;
        fillExpiry();
        OTS.setText('max-size', 'Up to ' + OTS.bytes(c.max_size) + '.');
        $('password').maxLength = c.password_max;
        if (!c.e2e || !c.e2e.enabled) {
          $('e2e').checked = false;
          $('e2e').disabled = true;
          $('e2e').closest('label').hidden = true;
          showModeNote();
          return;
        }
        showModeNote();
        return probeWorker().then(function (ok) {
          e2eUsable = ok;
          if (!ok) {
            $('e2e').checked = false;
            $('e2e').disabled = true;
          }
          showModeNote();
          checkPending();
        });
      })
      .catch(function () {
        showError('The server could not be reached. Reload the page to try again.');
      });
  }

  /* ---- Records of interrupted uploads (localStorage) --------------- */

  /* One key per upload in parts, so that uploads in two tabs keep
   * theirs; each goes when its upload ends. */
  function readRecord(id) {
    try {
      var r = JSON.parse(localStorage.getItem(PREFIX + id) || 'null');
      return r && r.v === 1 && r.id === id && r.file ? r : null;
    } catch (e) {
      return null;
    }
  }

  function allRecords() {
    var out = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var k = localStorage.key(i);
        if (k && k.indexOf(PREFIX) === 0) {
          var r = readRecord(k.slice(PREFIX.length));
          if (r) out.push(r);
          else localStorage.removeItem(k);
        }
      }
    } catch (e) { /* storage off: nothing to resume */ }
    return out;
  }

  function writeRecord(r) {
    try {
      localStorage.setItem(PREFIX + r.id, JSON.stringify(r));
    } catch (e) { /* full or off: no closed-tab resume, nothing else lost */ }
  }

  function dropRecord(id) {
    try {
      localStorage.removeItem(PREFIX + id);
    } catch (e) { /* nothing to drop */ }
    delete pending[id];
    renderPending();
    showChosen();
  }

  /* Abandons a recorded upload on the server, then forgets it. */
  function discardRecord(r) {
    if (!r) return Promise.resolve();
    return fetch('/api/v1/uploads/' + r.id, {
      method: 'DELETE', headers: { Authorization: 'Bearer ' + r.token }
    }).catch(function () {}).then(function () {
      dropRecord(r.id);
    });
  }

  /* The interrupted uploads the server still has, each with a way to
   * discard it. */
  function renderPending() {
    var list = $('resume-list');
    list.textContent = '';
    var ids = Object.keys(pending);
    ids.forEach(function (id) {
      var p = pending[id];
      var li = document.createElement('li');
      var span = document.createElement('span');
      span.textContent = p.rec.file.name + ' (' + OTS.bytes(p.rec.file.size) + ') stopped at ' +
        Math.floor(100 * p.offset / p.rec.clen) + '%. ';
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Discard it';
      b.setAttribute('aria-label', 'Discard the upload of ' + p.rec.file.name);
      b.addEventListener('click', function () { discardRecord(p.rec); });
      li.appendChild(span);
      li.appendChild(b);
      list.appendChild(li);
    });
    $('resume').hidden = ids.length === 0;
  }

  function checkPending() {
    allRecords().forEach(function (r) {
      if (Date.now() - (r.touched || r.created) > RECORD_MAX_AGE) {
        dropRecord(r.id);
        return;
      }
      fetch('/api/v1/uploads/' + r.id, {
        method: 'HEAD', headers: { Authorization: 'Bearer ' + r.token }
      }).then(function (res) {
        if (res.status === 200) {
          pending[r.id] = { rec: r, offset: Number(res.headers.get('Upload-Offset')) || 0 };
          renderPending();
          showChosen();
        } else if (res.status === 404 || res.status === 403) {
          dropRecord(r.id);
        }
      }).catch(function () { /* offline: ask again next time */ });
    });
  }

  function sameFile(f, r) {
    return !!(f && r && r.file && f.name === r.file.name && f.size === r.file.size &&
      f.lastModified === r.file.lastModified);
  }

  /* The interrupted upload of file f, if one is pending. */
  function recordOf(f) {
    var ids = Object.keys(pending);
    for (var i = 0; i < ids.length; i++) {
      if (sameFile(f, pending[ids[i]].rec)) return pending[ids[i]].rec;
    }
    return null;
  }

  /* ---- The form --------------------------------------------------- */

  function switchMode() {
    var text = mode() === 'text';
    $('file-pane').hidden = text;
    $('text-pane').hidden = !text;
    showError('');
    showChosen();
  }

  function chosenFile() {
    var f = $('file').files;
    return f && f.length ? f[0] : null;
  }

  function showChosen() {
    var f = chosenFile();
    OTS.setText('drop-text', f ? f.name + ' (' + OTS.bytes(f.size) + ')'
      : 'Drop a file here, or choose one');
    showError('');
    resumeRec = mode() === 'file' && e2eUsable ? recordOf(f) : null;
    var resuming = !!resumeRec;
    $('resume-note').hidden = !resuming;
    $('password').disabled = resuming;
    $('expires').disabled = resuming;
    $('e2e').disabled = resuming || !e2eUsable;
    $('send').textContent = resuming ? 'Resume the upload' : 'Create the one-time link';
    if (f && config && f.size > config.max_size) {
      showError('This file is ' + OTS.bytes(f.size) + '; the server accepts up to ' +
        OTS.bytes(config.max_size) + '.');
    }
  }

  function busy(on) {
    $('send').disabled = on;
    $('cancel').hidden = !on;
    $('progress').hidden = !on;
    if (!on) OTS.setText('progress-text', '');
    window.onbeforeunload = on ? function (e) {
      e.preventDefault();
      return '';
    } : null;
  }

  function drawQr(text) {
    var canvas = $('qr');
    var ctx = canvas.getContext('2d');
    var qr = qrcode(0, 'M');
    qr.addData(text);
    qr.make();
    var n = qr.getModuleCount();
    var margin = 4;
    var cell = Math.floor(canvas.width / (n + 2 * margin));
    var offset = Math.floor((canvas.width - cell * n) / 2);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = '#000000';
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) {
        if (qr.isDark(r, c)) ctx.fillRect(offset + c * cell, offset + r * cell, cell, cell);
      }
    }
  }

  function showResult(answer, e2e) {
    $('send-form').hidden = true;
    $('resume').hidden = true;
    $('result').hidden = false;
    $('link').value = answer.link;
    var note = $('result-mode');
    note.classList.toggle('server', !e2e);
    OTS.setText('result-mode', e2e
      ? 'End-to-end encrypted: the server never saw the content, name or key.'
      : 'Encrypted by the server: it saw the content while encrypting it, and stores only the ' +
        'encrypted form. It does not keep the key: that is only in this link.');
    var t = $('expires-at');
    t.dateTime = answer.expires_at;
    t.textContent = OTS.when(answer.expires_at);
    var a = $('owner-link');
    if (answer.owner_token) {
      var owner = location.origin + '/o/' + answer.id + '#' + answer.owner_token;
      a.href = owner;
      a.textContent = owner;
    } else {
      /* The server's answer was lost on the way, and the share stored
       * all the same: its owner token went with the answer. */
      OTS.setText('owner-intro', 'The owner link is not available: the server\'s answer was lost ' +
        'on the way (the share itself was stored).');
      a.hidden = true;
    }
    drawQr(answer.link);
    $('link').focus();
    $('link').select();
  }

  function progressText(sent, total) {
    $('progress').max = total;
    $('progress').value = sent;
    OTS.setText('progress-text', 'Uploading: ' + OTS.bytes(sent) + ' of ' + OTS.bytes(total) +
      ' (' + (total > 0 ? Math.floor(100 * sent / total) : 100) + '%), encrypted in this browser');
  }

  function onWorkerEvent(ev, ctx) {
    if (ev.record) {
      var rec = ev.record;
      rec.file = ctx.fileId;
      rec.protected = ctx.protected;
      rec.touched = Date.now();
      writeRecord(rec);
      ctx.recordId = rec.id;
    } else if (ev.checkpoint) {
      var r = ctx.recordId && readRecord(ctx.recordId);
      if (r) {
        r.checkpoint = ev.checkpoint;
        r.touched = Date.now();
        writeRecord(r);
      }
    } else if (ev.progress) {
      progressText(ev.progress.sent, ev.progress.total);
    } else if (ev.catchup) {
      $('progress').max = ev.catchup.total || 1;
      $('progress').value = ev.catchup.done;
      OTS.setText('progress-text', 'Encrypting the part already sent again, to continue from it: ' +
        OTS.bytes(ev.catchup.done) + ' of ' + OTS.bytes(ev.catchup.total));
    } else if (ev.phase === 'password') {
      OTS.setText('progress-text', 'Deriving the key from the password…');
    } else if (ev.phase === 'create') {
      OTS.setText('progress-text', 'Starting the upload…');
    } else if (ev.phase === 'commit') {
      OTS.setText('progress-text', 'Finishing…');
    } else if (ev.offline) {
      OTS.setText('progress-text', 'This browser is offline; the upload goes on when it is back.');
    } else if (ev.retry) {
      OTS.setText('progress-text', (ev.retry.status ? 'The server is busy or unavailable'
        : 'The connection failed') + '; trying again in ' +
        OTS.duration(ev.retry.seconds) + ' (try ' + ev.retry.attempt + ' of ' + ev.retry.of + ')…');
    }
  }

  function failText(err) {
    if (err.status !== null && err.status !== undefined && err.body !== undefined &&
        (err.status > 0 || err.code === 'offline')) {
      return OTS.errorText(err.status, err.body || '', err.retryAfter);
    }
    return err.message || 'Something went wrong. Try again.';
  }

  function sendE2E(f, text) {
    var ctx = { recordId: null, protected: false, fileId: null };
    var args = {
      kind: f ? 'file' : 'text',
      partMax: config.e2e.part_max,
      cost: config.password_cost,
      expiresIn: Number($('expires').value) || 0
    };
    if (f) {
      args.file = f;
      args.name = f.name;
      args.type = f.type;
      ctx.fileId = { name: f.name, size: f.size, lastModified: f.lastModified, type: f.type };
    } else {
      args.text = text;
    }
    if (resumeRec) {
      args.resume = resumeRec;
      ctx.recordId = resumeRec.id;
      ctx.protected = !!resumeRec.protected;
    } else {
      args.password = $('password').value;
      ctx.protected = !!args.password;
    }
    cancelled = false;
    current = ctx;
    worker = spare || OTS.cryptoWorker(null);
    spare = null;
    worker.onEvent = function (ev) { onWorkerEvent(ev, ctx); };
    busy(true);
    $('progress').value = 0;
    OTS.setText('progress-text', 'Starting…');
    var w = worker;
    w.call('upload', args).then(function (res) {
      if (ctx.recordId) dropRecord(ctx.recordId);
      busy(false);
      res.link = location.origin + '/d/' + res.id + '#' + res.secret;
      /* Where the time went, for whoever looks (the tests print it). */
      $('result').dataset.stats = JSON.stringify(res.stats || {});
      showResult(res, true);
    }, function (err) {
      if (cancelled) return;
      busy(false);
      var r = ctx.recordId && readRecord(ctx.recordId);
      var kept = !!r;
      if (kept && (err.code === 'upload_gone' || err.code === 'offset_lost' ||
          (err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429))) {
        discardRecord(r);
        kept = false;
      }
      var msg = failText(err);
      if (kept && err.code !== 'different_file') {
        msg += ' The upload can be resumed: choose the same file again.';
        checkPending();
      }
      showError(msg);
    }).then(function () {
      return w.finish();
    }).then(function () {
      if (worker === w) worker = null;
    });
  }

  function sendServer(f, text) {
    var form = new FormData();
    var pw = $('password').value;
    /* The password must come before the content: the key is derived from
     * it before the first byte is encrypted. */
    if (pw) form.append('password', pw);
    form.append('expires_in', $('expires').value);
    if (f) form.append('file', f, f.name);
    else form.append('text', text);
    xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/files');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', function (e) {
      if (!e.lengthComputable) return;
      $('progress').max = e.total;
      $('progress').value = e.loaded;
      OTS.setText('progress-text', 'Uploading: ' + OTS.bytes(e.loaded) + ' of ' +
        OTS.bytes(e.total) + ' (' + Math.floor(100 * e.loaded / e.total) + '%)');
    });
    xhr.addEventListener('load', function () {
      busy(false);
      if (xhr.status === 201) {
        try {
          showResult(JSON.parse(xhr.responseText), false);
        } catch (e) {
          showError('The server answered strangely. Try again.');
        }
      } else {
        showError(OTS.errorText(xhr.status, xhr.responseText,
          xhr.getResponseHeader('Retry-After')));
      }
      xhr = null;
    });
    xhr.addEventListener('error', function () {
      busy(false);
      showError(OTS.errorText(0, ''));
      xhr = null;
    });
    xhr.addEventListener('abort', function () {
      busy(false);
      showError('Upload cancelled. Nothing was stored.');
      xhr = null;
    });
    busy(true);
    $('progress').value = 0;
    OTS.setText('progress-text', 'Starting…');
    xhr.send(form);
  }

  function submit(ev) {
    ev.preventDefault();
    showError('');
    if (!config) {
      showError('The server settings are not loaded yet. Reload the page.');
      return;
    }
    var f = null;
    var text = null;
    if (mode() === 'text') {
      text = $('text').value;
      if (!text) {
        showError('Type or paste the secret first.');
        return;
      }
    } else {
      f = chosenFile();
      if (!f) {
        showError('Choose a file first.');
        return;
      }
      if (f.size > config.max_size) {
        showError('This file is ' + OTS.bytes(f.size) + '; the server accepts up to ' +
          OTS.bytes(config.max_size) + '.');
        return;
      }
    }
    if (e2eChosen() || (f && resumeRec)) sendE2E(f, text);
    else sendServer(f, text);
  }

  function cancel() {
    if (xhr) {
      xhr.abort();
      return;
    }
    if (!worker) return;
    cancelled = true;
    var w = worker;
    worker = null;
    w.abort();
    busy(false);
    /* What was sent of an upload in parts goes too. */
    var r = current && current.recordId && readRecord(current.recordId);
    if (r) discardRecord(r);
    showError('Upload cancelled. Nothing was stored.');
  }

  function setupDrop() {
    var drop = $('drop');
    ['dragenter', 'dragover'].forEach(function (t) {
      drop.addEventListener(t, function (e) {
        e.preventDefault();
        drop.classList.add('over');
      });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      drop.addEventListener(t, function () { drop.classList.remove('over'); });
    });
    drop.addEventListener('drop', function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) {
        $('file').files = e.dataTransfer.files;
        showChosen();
      }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    loadConfig();
    setupDrop();
    document.querySelectorAll('input[name="mode"]').forEach(function (r) {
      r.addEventListener('change', switchMode);
    });
    $('file').addEventListener('change', showChosen);
    $('e2e').addEventListener('change', showModeNote);
    $('send-form').addEventListener('submit', submit);
    $('cancel').addEventListener('click', cancel);
    $('toggle-password').addEventListener('click', function () {
      var p = $('password');
      var show = p.type === 'password';
      p.type = show ? 'text' : 'password';
      this.textContent = show ? 'Hide' : 'Show';
      this.setAttribute('aria-pressed', show ? 'true' : 'false');
    });
    $('copy-link').addEventListener('click', function () {
      OTS.copy($('link').value, 'copied');
    });
    $('again').addEventListener('click', function () {
      location.reload();
    });
  });
})();
