/* OneTimeShare: the operator's page.  The token lives in this page's
 * memory only (sessionStorage, cleared with the tab). */
'use strict';

(function () {
  var $ = OTS.$;
  var cursor = 0;

  function token() {
    return sessionStorage.getItem('ots-admin') || '';
  }

  function request(method, path) {
    return fetch(path, {
      method: method,
      headers: { Accept: 'application/json', Authorization: 'Bearer ' + token() }
    }).then(function (r) {
      return r.text().then(function (body) { return { status: r.status, body: body }; });
    });
  }

  function age(secs) {
    if (secs < 120) return OTS.duration(secs);
    if (secs < 7200) return Math.floor(secs / 60) + ' minutes';
    if (secs < 172800) return Math.floor(secs / 3600) + ' hours';
    return Math.floor(secs / 86400) + ' days';
  }

  function cell(tr, text) {
    var td = document.createElement('td');
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function addRow(s) {
    var tr = document.createElement('tr');
    cell(tr, s.id_prefix + '…');
    cell(tr, OTS.bytes(s.size));
    cell(tr, age(s.age_seconds));
    cell(tr, OTS.when(s.expires_at));
    cell(tr, s.protected ? 'yes' : 'no');
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = 'Revoke';
    b.setAttribute('aria-label', 'Revoke share ' + s.id_prefix);
    b.addEventListener('click', function () { revoke(s.id_prefix, tr, b); });
    cell(tr, '').appendChild(b);
    $('rows').appendChild(tr);
  }

  function load(more) {
    if (!more) {
      cursor = 0;
      $('rows').textContent = '';
    }
    OTS.setText('error', '');
    request('GET', '/api/v1/admin/shares' + (cursor ? '?cursor=' + cursor : ''))
      .then(function (r) {
        if (r.status !== 200) {
          OTS.setText('error', OTS.errorText(r.status, r.body));
          $('shares').hidden = true;
          return;
        }
        var j = JSON.parse(r.body);
        j.shares.forEach(addRow);
        cursor = j.next_cursor;
        $('shares').hidden = false;
        $('more').hidden = !cursor;
        OTS.setText('status', $('rows').children.length + ' live share(s) shown.');
      })
      .catch(function () { OTS.setText('error', OTS.errorText(0, '')); });
  }

  function revoke(prefix, tr, button) {
    button.disabled = true;
    request('DELETE', '/api/v1/admin/shares/' + prefix).then(function (r) {
      if (r.status === 200 || r.status === 410 || r.status === 404) {
        tr.remove();
        OTS.setText('status', 'Share ' + prefix + '… revoked.');
      } else {
        button.disabled = false;
        OTS.setText('error', OTS.errorText(r.status, r.body));
      }
    }).catch(function () {
      button.disabled = false;
      OTS.setText('error', OTS.errorText(0, ''));
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('login').addEventListener('submit', function (ev) {
      ev.preventDefault();
      sessionStorage.setItem('ots-admin', $('token').value);
      $('token').value = '';
      load(false);
    });
    $('more').addEventListener('click', function () { load(true); });
    if (token()) load(false);
  });
})();
