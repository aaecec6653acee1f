/* OneTimeShare: the send page. */
'use strict';

(function () {
  var $ = OTS.$;
  var config = null;
  var xhr = null;

  var CHOICES = [300, 900, 3600, 21600, 86400, 259200, 604800, 1209600, 2592000];

  function showError(text) {
    OTS.setText('error', text);
  }

  function mode() {
    return document.querySelector('input[name="mode"]:checked').value;
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
      })
      .catch(function () {
        showError('The server could not be reached. Reload the page to try again.');
      });
  }

  function switchMode() {
    var text = mode() === 'text';
    $('file-pane').hidden = text;
    $('text-pane').hidden = !text;
    showError('');
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

  function showResult(answer) {
    $('send-form').hidden = true;
    $('result').hidden = false;
    $('link').value = answer.link;
    var t = $('expires-at');
    t.dateTime = answer.expires_at;
    t.textContent = OTS.when(answer.expires_at);
    var owner = location.origin + '/o/' + answer.id + '#' + answer.owner_token;
    var a = $('owner-link');
    a.href = owner;
    a.textContent = owner;
    drawQr(answer.link);
    $('link').focus();
    $('link').select();
  }

  function submit(ev) {
    ev.preventDefault();
    showError('');
    if (!config) {
      showError('The server settings are not loaded yet. Reload the page.');
      return;
    }
    var form = new FormData();
    var pw = $('password').value;
    /* The password must come before the content: the key is derived from
     * it before the first byte is encrypted. */
    if (pw) form.append('password', pw);
    form.append('expires_in', $('expires').value);
    if (mode() === 'text') {
      var text = $('text').value;
      if (!text) {
        showError('Type or paste the secret first.');
        return;
      }
      form.append('text', text);
    } else {
      var f = chosenFile();
      if (!f) {
        showError('Choose a file first.');
        return;
      }
      if (f.size > config.max_size) {
        showError('This file is ' + OTS.bytes(f.size) + '; the server accepts up to ' +
          OTS.bytes(config.max_size) + '.');
        return;
      }
      form.append('file', f, f.name);
    }
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
          showResult(JSON.parse(xhr.responseText));
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
    $('send-form').addEventListener('submit', submit);
    $('cancel').addEventListener('click', function () {
      if (xhr) xhr.abort();
    });
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
