/* OneTimeShare: the sender's page (/o/ID#OWNER-TOKEN): the receipt, and
 * revoking an unopened share. */
'use strict';

(function () {
  var $ = OTS.$;
  var id = '';
  var token = '';

  var STATES = {
    available: 'Not opened yet',
    claimed: 'Opened',
    expired: 'Expired unopened',
    revoked: 'Revoked by you',
    locked: 'Destroyed after too many wrong passwords'
  };

  function request(method, suffix) {
    return fetch('/api/v1/files/' + id + suffix, {
      method: method,
      headers: { Accept: 'application/json', Authorization: 'Bearer ' + token }
    }).then(function (r) {
      return r.text().then(function (body) { return { status: r.status, body: body }; });
    });
  }

  function show(s) {
    OTS.setText('state', STATES[s.state] || s.state);
    OTS.setText('size', OTS.bytes(s.size));
    OTS.setText('created', OTS.when(s.created_at));
    OTS.setText('expires', OTS.when(s.expires_at));
    OTS.setText('claimed', s.claimed_at ? OTS.when(s.claimed_at) : 'not yet');
    var e2e = s.mode === 'e2e';
    OTS.setText('mode', e2e
      ? 'End to end: encrypted in your browser; the server never had the key, the name or the content'
      : 'By the server, as it arrived');
    /* An end-to-end claim's download lease: the receiver may resume the
     * download until it confirms, or until the lease ends. */
    var lease = '';
    if (e2e && s.lease_ended_at) {
      lease = 'Ended ' + OTS.when(s.lease_ended_at) + ' (the receiver confirmed, or the time to ' +
        'resume ran out): the encrypted file is deleted';
    } else if (e2e && s.lease_until && Date.parse(s.lease_until) <= Date.now()) {
      lease = 'The time to resume ended ' + OTS.when(s.lease_until) + ': the encrypted file is deleted';
    } else if (e2e && s.lease_until) {
      lease = 'In progress: the receiver can resume it until ' + OTS.when(s.lease_until) +
        '; the encrypted file is deleted then at the latest';
    }
    OTS.setText('lease', lease);
    $('lease').hidden = !lease;
    $('lease-label').hidden = !lease;
    $('facts').hidden = false;
    $('revoke').hidden = s.state !== 'available';
    OTS.setText('status', '');
  }

  function load() {
    request('GET', '/status').then(function (r) {
      if (r.status === 200) show(JSON.parse(r.body));
      else if (r.status === 404) OTS.setText('status', 'This share is unknown, or its receipt has expired.');
      else OTS.setText('status', OTS.errorText(r.status, r.body));
    }).catch(function () {
      OTS.setText('status', OTS.errorText(0, ''));
    });
  }

  function revoke() {
    $('revoke').disabled = true;
    request('DELETE', '').then(function (r) {
      $('revoke').disabled = false;
      if (r.status === 200) {
        OTS.setText('error', '');
        load();
      } else {
        OTS.setText('error', OTS.errorText(r.status, r.body));
        load();
      }
    }).catch(function () {
      $('revoke').disabled = false;
      OTS.setText('error', OTS.errorText(0, ''));
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var m = /^\/o\/([A-Za-z0-9_-]{22})$/.exec(location.pathname);
    token = location.hash.replace(/^#/, '');
    if (!m || !/^[A-Za-z0-9_-]{22}$/.test(token)) {
      OTS.setText('status', 'This owner link is incomplete or damaged.');
      return;
    }
    id = m[1];
    $('revoke').addEventListener('click', revoke);
    load();
  });
})();
