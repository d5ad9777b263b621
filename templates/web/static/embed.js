/* The rep workspace's script (vanilla, no framework, no CDN). Actions post to /embed/api with the page's embed
 * token; a post that fails for the network or the server stays in a queue kept in localStorage and is retried (with
 * backoff, when the browser is back online, on "Retry now" and on the next visit); a post the server refuses is
 * shown on its item. Nothing is dropped silently. */
(function () {
  'use strict';
  var app = document.getElementById('app');
  if (!app || !app.dataset.labels) return;
  var L = JSON.parse(app.dataset.labels);
  var token = new URLSearchParams(location.search).get('token') || '';
  var readOnly = app.dataset.readOnly === 'true';
  // the queue belongs to the rep, not to the token: a list reopened from the CRM (a new token) sends what is left
  var QUEUE_KEY = 'callplan.pending.' + repOf(token);
  var queue = load();
  var busy = false;
  var delay = 2000;
  var timer = null;
  var drawer = document.getElementById('drawer');
  var drawerBody = document.getElementById('drawer-body');
  var opener = null;

  function repOf(t) {
    try {
      var c = JSON.parse(atob((t.split('.')[0] || '').replace(/-/g, '+').replace(/_/g, '/')));
      return c.workspaceId + '.' + c.repId;
    } catch {
      return 'unknown';
    }
  }
  function load() {
    try {
      return JSON.parse(localStorage.getItem(QUEUE_KEY) || '[]');
    } catch {
      return [];
    }
  }
  function save() {
    try {
      localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
    } catch {
      /* storage full or disabled: the queue still lives in memory and the banner shows it */
    }
  }
  function itemEl(id) {
    return document.querySelector('.item[data-id="' + CSS.escape(id) + '"]');
  }
  function setStatus(id, text, error) {
    var el = itemEl(id);
    var s = el && el.querySelector('[data-role="status"]');
    if (!s) return;
    s.textContent = text;
    s.classList.toggle('error', !!error);
  }
  function setState(id, state, text) {
    var el = itemEl(id);
    if (!el) return;
    el.dataset.state = state;
    el.className = 'item state-' + state;
    el.querySelector('[data-role="state"]').textContent = text;
    el.querySelectorAll('button[data-action="reached"], button[data-action="no_answer"]').forEach(function (b) {
      b.disabled = state !== 'open';
    });
    progress();
  }
  function progress() {
    var items = Array.prototype.slice.call(document.querySelectorAll('.item'));
    var counted = items.filter(function (i) { return i.dataset.state !== 'reassigned'; });
    var done = counted.filter(function (i) { return i.dataset.state !== 'open'; }).length;
    var text = document.getElementById('progress-text');
    if (text) text.textContent = L.worked.replace('{done}', done).replace('{total}', counted.length);
    var bar = document.getElementById('progress');
    if (bar) bar.value = done;
  }
  function banner() {
    var el = document.getElementById('sync');
    if (!queue.length) {
      el.hidden = true;
      el.textContent = '';
      return;
    }
    el.hidden = false;
    el.className = 'sync error';
    el.textContent = L.offline + ' (' + queue.length + ') ';
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = L.retryNow;
    b.addEventListener('click', function () { delay = 2000; flush(); });
    el.appendChild(b);
  }

  function enqueue(itemId, path, body) {
    queue.push({ key: Date.now() + '-' + Math.random().toString(36).slice(2), itemId: itemId, path: path, body: body });
    save();
    setStatus(itemId, L.saving, false);
    flush();
  }

  function flush() {
    if (busy) return;
    clearTimeout(timer);
    var next = queue[0];
    if (!next) { banner(); return; }
    busy = true;
    fetch('/embed/api/items/' + encodeURIComponent(next.itemId) + '/' + next.path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
      body: JSON.stringify(next.body),
    })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (json) { return { res: res, json: json }; });
      })
      .then(function (r) {
        busy = false;
        var status = r.res.status;
        if (status === 401 || status === 429 || status >= 500) {
          // kept: a new link (reopened from the CRM, same rep) or the server's recovery sends it
          retryLater(status === 401 ? L.errorBody : L.offline);
          return;
        }
        queue.shift();
        save();
        if (r.res.ok) {
          if (r.json.state) setState(next.itemId, r.json.state, r.json.stateLabel + (r.json.outcomeLabel ? ' · ' + r.json.outcomeLabel : ''));
          setStatus(next.itemId, r.json.label || L.saved, false);
          if (next.path !== 'pin') closeDrawer();
        } else {
          var err = (r.json && r.json.error) || {};
          setStatus(next.itemId, L.failed + ': ' + (err.message || status), true);
        }
        delay = 2000;
        banner();
        flush();
      })
      .catch(function () {
        busy = false;
        retryLater(L.offline);
      });
  }
  function retryLater(text) {
    var next = queue[0];
    if (next) setStatus(next.itemId, text, true);
    banner();
    timer = setTimeout(flush, delay);
    delay = Math.min(delay * 2, 60000);
  }

  function openDrawer(id, button) {
    opener = button;
    drawerBody.textContent = L.loading;
    drawer.hidden = false;
    drawer.querySelector('[data-action="close"]').focus();
    fetch('/embed/api/items/' + encodeURIComponent(id), { headers: { authorization: 'Bearer ' + token } })
      .then(function (res) {
        return res.text().then(function (t) { return { ok: res.ok, text: t }; });
      })
      .then(function (r) {
        if (!r.ok) { drawerBody.textContent = L.failed; return; }
        drawerBody.innerHTML = r.text; // server-rendered, HTML-escaped by Handlebars
        drawerBody.dataset.id = id;
        var name = drawerBody.querySelector('[data-drawer-name]');
        document.getElementById('drawer-title').textContent = name ? name.dataset.drawerName : L.details;
        wireForms(id);
      })
      .catch(function () { drawerBody.textContent = L.offline; });
  }
  function closeDrawer() {
    if (drawer.hidden) return;
    drawer.hidden = true;
    drawerBody.innerHTML = '';
    if (opener) opener.focus();
  }
  function wireForms(id) {
    var outcome = drawerBody.querySelector('form[data-form="outcome"]');
    if (outcome) {
      var select = outcome.elements.outcome;
      var cb = outcome.querySelector('.callback');
      var sync = function () {
        var needs = select.value === 'callback_requested';
        cb.hidden = !needs;
        outcome.elements.callbackLocal.required = needs;
      };
      select.addEventListener('change', sync);
      sync();
    }
    drawerBody.querySelectorAll('form[data-form]').forEach(function (form) {
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var body = {};
        new FormData(form).forEach(function (v, k) { if (v !== '') body[k] = v; });
        if (form.dataset.form === 'outcome' && body.outcome !== 'callback_requested') delete body.callbackLocal;
        if (form.dataset.form === 'personality/questionnaire') body = { answers: body };
        enqueue(id, form.dataset.form, body);
      });
    });
  }

  document.addEventListener('click', function (ev) {
    var b = ev.target.closest('button[data-action]');
    if (!b) return;
    var action = b.dataset.action;
    if (action === 'close') return closeDrawer();
    var li = b.closest('.item');
    if (!li) return;
    if (action === 'open') return openDrawer(li.dataset.id, b);
    if (readOnly) return;
    if (action === 'reached' || action === 'no_answer') enqueue(li.dataset.id, 'outcome', { outcome: action });
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') closeDrawer();
  });
  window.addEventListener('online', function () { delay = 2000; flush(); });
  queue.forEach(function (q) { setStatus(q.itemId, L.saving, false); });
  banner();
  flush();
})();
