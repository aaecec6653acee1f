/* OneTimeShare: the page behind a share link.  Loading it consumes
 * nothing; only the button posts the claim, with the key from the URL
 * fragment (which the browser never sends to the server by itself). */
'use strict';

(function () {
  var $ = OTS.$;
  var id = '';
  var key = '';
  var info = null;

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
    var what = i.kind === 'text' ? 'A text secret' : (i.name || 'A file');
    OTS.setText('what', what);
    OTS.setText('size', OTS.bytes(i.size));
    OTS.setText('until', OTS.when(i.expires_at));
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

  function lookup() {
    fetch('/api/v1/files/' + id, { headers: { Accept: 'application/json', 'X-Key': key } })
      .then(function (r) {
        return r.text().then(function (body) {
          if (r.status === 200) show(JSON.parse(body));
          else status(explain(r.status, body));
        });
      })
      .catch(function () {
        status(OTS.errorText(0, ''));
      });
  }

  function saveFile(blob, name) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement('a');
    a.href = url;
    a.download = name || 'download';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  function claim(ev) {
    ev.preventDefault();
    OTS.setText('error', '');
    var body = new URLSearchParams();
    body.append('key', key);
    if (info && info.protected) {
      var pw = $('password').value;
      if (!pw) {
        OTS.setText('error', 'Enter the password first.');
        $('password').focus();
        return;
      }
      body.append('password', pw);
    }
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
            return blob.text().then(function (t) {
              $('secret').value = t;
              $('text-result').hidden = false;
              status('Here is the secret. It was deleted from the server as you opened it.');
              $('secret').focus();
            });
          }
          saveFile(blob, info && info.name);
          status('Downloaded ' + (info && info.name ? info.name : 'the file') +
            ' (' + OTS.bytes(blob.size) + '). It was deleted from the server as you opened it.');
        });
      }
      return r.text().then(function (text) {
        $('open').disabled = false;
        var code = OTS.errorCode(text);
        if (r.status === 403 && (code === 'wrong_password' || code === 'password_required')) {
          status('');
          OTS.setText('error', OTS.errorText(r.status, text));
          $('password').value = '';
          $('password').focus();
          return;
        }
        status(explain(r.status, text));
      });
    }).catch(function () {
      $('open').disabled = false;
      status(OTS.errorText(0, ''));
    });
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
