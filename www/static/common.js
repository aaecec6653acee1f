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

  return { $: $, setText: setText, bytes: bytes, when: when, duration: duration,
    errorText: errorText, errorCode: errorCode, copy: copy };
})();
