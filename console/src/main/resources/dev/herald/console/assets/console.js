// Herald console. Every value from the server is put into the page as text (append of a string,
// textContent) inside <bdi>, never parsed as markup: recipient ids, keys and provider errors are
// whatever the host and the push services sent.
'use strict';
(function () {
  const page = document.body.dataset.page;
  const main = document.getElementById('main');
  const params = new URLSearchParams(location.search);
  let session = { actionsEnabled: false, csrfToken: null, engineAttached: false };

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : String(c)); // a string is appended as a text node
    }
    return e;
  }

  function text(v) {
    return v === null || v === undefined || v === '' ? el('span', { class: 'muted' }, '—') : el('bdi', { class: 'data' }, String(v));
  }

  function link(href, v) {
    return el('a', { href: href }, text(v));
  }

  function recipientLink(id) {
    return id === null || id === undefined ? text(null) : link('recipient?id=' + encodeURIComponent(id), id);
  }

  function pad(n) { return String(n).padStart(2, '0'); }

  function fmtTime(iso) {
    const d = new Date(iso);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':'
      + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  function time(iso) {
    return iso ? el('time', { datetime: iso, title: iso }, fmtTime(iso)) : text(null);
  }

  function age(ms) {
    if (!ms) return '0 s';
    if (ms < 1000) return ms + ' ms';
    const s = Math.floor(ms / 1000);
    if (s < 120) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 120) return m + ' min';
    const h = Math.floor(m / 60);
    return h < 48 ? h + ' h ' + (m % 60) + ' min' : Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
  }

  function num(n) { return el('td', { class: 'num' }, Number(n).toLocaleString('en-US')); }
  function state(s) { return el('span', { class: 'state ' + s }, s); }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function banner(cls, msg) { return el('div', { class: cls, role: cls === 'error' ? 'alert' : 'status' }, msg); }

  function table(headers, rows, attrs) {
    return el('table', attrs || {},
      el('thead', {}, el('tr', {}, headers.map(h => el('th', { class: h.endsWith('#') ? 'num' : null }, h.replace(/#$/, ''))))),
      el('tbody', {}, rows));
  }

  // ------------------------------------------------------------------ API

  class ApiError extends Error {
    constructor(message, status) { super(message); this.status = status; }
  }

  async function api(path, options) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), 15000);
    try {
      const r = await fetch(path, Object.assign({ credentials: 'same-origin', signal: ctl.signal }, options || {}));
      let body;
      try { body = await r.json(); } catch (e) { body = {}; }
      if (!r.ok) throw new ApiError(body.error || ('the console answered HTTP ' + r.status), r.status);
      return body;
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw new ApiError(e.name === 'AbortError' ? 'the console did not answer within 15 s' : 'the console cannot be reached', 0);
    } finally {
      clearTimeout(timer);
    }
  }

  function post(path, form) {
    return api(path, { method: 'POST', headers: { 'X-Herald-Csrf': session.csrfToken || '' }, body: new URLSearchParams(form) });
  }

  // ------------------------------------------------------------------ shared views

  function deliveriesTable(deliveries, full) {
    const headers = ['Delivery', 'Channel', 'Device', 'State', 'Attempts#', 'Last error (provider code and reason)', 'Next at', 'Finished'];
    if (full) headers.push('Provider id', 'Lease owner', 'Re-queued');
    return table(headers, deliveries.map(d => {
      const cells = [el('td', { class: 'mono' }, String(d.id)), el('td', {}, text(d.channel)), el('td', { class: 'mono' }, text(d.target)),
        el('td', {}, state(d.state)), num(d.attempts), el('td', {}, text(d.lastError)), el('td', {}, time(d.nextAt)),
        el('td', {}, time(d.finishedAt))];
      if (full) cells.push(el('td', { class: 'mono' }, text(d.providerId)), el('td', { class: 'mono' }, text(d.leaseOwner)), el('td', {}, time(d.requeuedAt)));
      return el('tr', { 'data-delivery': d.id }, cells);
    }), { class: 'deliveries' });
  }

  function notificationCard(n) {
    return el('div', { class: 'card notification', 'data-notification': n.id },
      el('div', { class: 'head' },
        link('notification?id=' + encodeURIComponent(n.id), n.key), state(n.state),
        n.title ? el('span', {}, '“', text(n.title), '”') : null),
      el('div', { class: 'meta' }, 'enqueued ', time(n.enqueuedAt), ' · due ', time(n.dueAt),
        n.expiresAt ? [' · expires ', time(n.expiresAt)] : null, n.finishedAt ? [' · finished ', time(n.finishedAt)] : null),
      n.reason ? el('div', { class: 'reason' }, 'Reason: ', text(n.reason)) : null,
      n.deliveries.length ? deliveriesTable(n.deliveries, false)
        : el('div', { class: 'muted' }, n.state === 'PENDING' ? 'Not expanded yet: deliveries are created for the recipient\'s active devices when it falls due.' : 'No deliveries.'),
      n.deliveryCount > n.deliveries.length ? el('div', { class: 'muted' }, 'First ' + n.deliveries.length + ' of ' + n.deliveryCount + ' deliveries shown.') : null);
  }

  // ------------------------------------------------------------------ overview

  let overviewTimer = null;

  async function overview() {
    const h1 = el('h1', {}, 'Overview');
    const sub = el('div', { class: 'sub' }, 'loading…');
    const body = el('div', { id: 'overview' });
    main.append(h1, sub, body);
    async function refresh() {
      try {
        const o = await api('api/overview');
        clear(body);
        clear(sub);
        sub.append('As of ', time(o.at), ' (database clock) · refreshes every 5 s · ',
          o.engineAttached ? 'engine status from this process' : 'no engine reports to this console: pauses are not shown');
        renderOverview(body, o);
      } catch (e) {
        clear(body);
        body.append(banner('error', e.message));
      }
    }
    // The next refresh is scheduled when this one has answered: a slow database never piles up requests.
    const loop = async () => {
      if (document.visibilityState === 'visible') await refresh();
      overviewTimer = setTimeout(loop, 5000);
    };
    await refresh();
    overviewTimer = setTimeout(loop, 5000);
  }

  function engineCell(o, c) {
    if (!c.engine) return el('td', {}, o.engineAttached ? state('running') : el('span', { class: 'muted' }, 'unknown'));
    if (!c.engine.paused) return el('td', {}, state('running'));
    // Pauses are per scope (a push service and its credential): name each paused scope when the channel has several.
    const scopes = c.engine.pausedScopes || [];
    if (scopes.some(p => p.scope)) {
      return el('td', {}, state('paused'), scopes.map(p => el('div', { 'data-scope': p.scope },
        el('b', {}, text(p.scope || c.channel)), ': ', p.valveTripped ? 'target-gone safety valve: check the sender\'s credentials. ' : '',
        text(p.reason), el('span', { class: 'muted' }, ' next probe ', time(p.nextProbe)))));
    }
    return el('td', {}, state('paused'), ' ', c.engine.valveTripped ? 'target-gone safety valve: check the sender\'s credentials. ' : '',
      text(c.engine.reason), el('div', { class: 'muted' }, 'next probe ', time(c.engine.nextProbe)));
  }

  function renderOverview(body, o) {
    const rows = o.channels.map(c => el('tr', { 'data-channel': c.channel },
      el('td', {}, el('b', {}, text(c.channel))), num(c.pending), num(c.dueNow), num(c.retrying), num(c.inFlight),
      el('td', { class: 'num' }, link('dead?channel=' + encodeURIComponent(c.channel), Number(c.dead).toLocaleString('en-US'))),
      num(c.deliveredLastHour), num(c.deadLastHour), num(c.goneLastHour), el('td', { class: 'num' }, age(c.oldestDueAgeMs)),
      engineCell(o, c)));
    if (o.partial) {
      body.append(banner('notice', 'Some counts reached ' + Number(o.countCap).toLocaleString('en-US')
        + ' rows and stopped there: they are lower bounds. Oldest due ages are exact.'));
    }
    body.append(o.channels.length
      ? table(['Channel', 'Pending#', 'Due now#', 'Retrying#', 'In flight#', 'Dead#', 'Delivered 1 h#', 'Dead 1 h#', 'Gone 1 h#', 'Oldest due#', 'Engine'], rows, { class: 'channels' })
      : banner('notice', 'The outbox is empty: nothing open, dead or finished in the last hour.'));
    body.append(el('div', { class: 'expansion' }, 'Recipient notifications awaiting expansion: ',
      el('b', {}, Number(o.awaitingExpansion).toLocaleString('en-US')),
      o.awaitingExpansion ? [' · oldest due for ', age(o.oldestExpansionDueMs)] : null));
    body.append(el('h2', {}, 'Finished per minute, last ' + o.throughputMinutes + ' minutes'), chart(o));
  }

  function chart(o) {
    const NS = 'http://www.w3.org/2000/svg';
    const minutes = o.throughputMinutes;
    const end = Math.floor(Date.parse(o.at) / 60000);
    const slots = [];
    for (let i = minutes - 1; i >= 0; i--) slots.push({ minute: end - i, delivered: 0, failed: 0 });
    for (const m of o.throughput) {
      const s = slots.find(x => x.minute === Math.floor(Date.parse(m.minute) / 60000));
      if (s) { s.delivered += m.delivered; s.failed += m.failed; }
    }
    const max = Math.max(1, ...slots.map(s => s.delivered + s.failed));
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + (minutes * 20) + ' 100');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    slots.forEach((s, i) => {
      let y = 100;
      for (const kind of ['delivered', 'failed']) {
        const h = s[kind] / max * 95;
        if (h <= 0) continue;
        y -= h;
        const r = document.createElementNS(NS, 'rect');
        r.setAttribute('x', String(i * 20 + 2));
        r.setAttribute('y', String(y));
        r.setAttribute('width', '16');
        r.setAttribute('height', String(h));
        r.setAttribute('class', kind);
        const t = document.createElementNS(NS, 'title');
        t.textContent = fmtTime(new Date(s.minute * 60000).toISOString()) + ': ' + s.delivered + ' delivered, ' + s.failed + ' failed';
        r.append(t);
        svg.append(r);
      }
    });
    const total = slots.reduce((a, s) => a + s.delivered + s.failed, 0);
    return el('div', { class: 'chart', 'data-total': total }, svg,
      el('div', { class: 'legend' }, 'peak ' + max.toLocaleString('en-US') + ' per minute',
        el('span', { class: 'swatch delivered' }), 'delivered', el('span', { class: 'swatch failed' }), 'dead or gone'));
  }

  // ------------------------------------------------------------------ recipient timeline

  async function recipient() {
    const id = params.get('id') || '';
    main.append(el('h1', {}, 'Recipient'),
      el('form', { class: 'filters', method: 'get', action: 'recipient' },
        el('label', {}, 'Recipient id', el('input', { name: 'id', id: 'recipient-id', value: id, size: 40, maxlength: 255, required: true })),
        el('button', { class: 'primary', type: 'submit' }, 'Show timeline')));
    if (!id) {
      main.append(el('p', { class: 'muted' }, 'Every notification for a recipient id with its deliveries, and the recipient\'s devices: the answer to "why did X get nothing?".'));
      return;
    }
    const out = el('div', { id: 'timeline' });
    main.append(out);
    try {
      const t = await api('api/recipient?id=' + encodeURIComponent(id));
      out.append(el('h2', {}, 'Devices of ', el('span', { id: 'recipient-title' }, text(t.recipientId))));
      if (!t.devices.length) {
        out.append(banner('notice', 'No devices registered: notifications for this recipient end as target gone ("recipient has no active devices").'));
      } else {
        out.append(table(['Channel', 'Kind', 'Device', 'Status', 'Registered', 'Last seen', 'Invalidated', 'Reason'],
          t.devices.map(d => el('tr', { 'data-status': d.status },
            el('td', {}, text(d.channel)), el('td', {}, text(d.kind)), el('td', { class: 'mono' }, text(d.target)), el('td', {}, state(d.status)),
            el('td', {}, time(d.registeredAt)), el('td', {}, time(d.lastSeenAt)), el('td', {}, time(d.invalidatedAt)), el('td', {}, text(d.invalidReason)))),
          { class: 'devices' }));
        if (t.moreDevices) out.append(el('div', { class: 'muted' }, 'More devices than shown.'));
      }
      out.append(el('h2', {}, 'Notifications, newest first'));
      const list = el('div', { id: 'notifications' });
      out.append(list);
      let next = t.nextBefore;
      const more = el('button', { id: 'older', type: 'button' }, 'Older notifications');
      const render = (notes) => notes.forEach(n => list.append(notificationCard(n)));
      render(t.notifications);
      if (!t.notifications.length) list.append(el('p', { class: 'muted' }, 'No notifications for this recipient (finished ones are purged after the retention period).'));
      more.addEventListener('click', async () => {
        more.disabled = true;
        try {
          const p = await api('api/recipient?id=' + encodeURIComponent(id) + '&before=' + encodeURIComponent(next));
          render(p.notifications);
          next = p.nextBefore;
        } catch (e) {
          out.append(banner('error', e.message));
        }
        more.disabled = false;
        more.hidden = next === null;
      });
      more.hidden = next === null;
      out.append(more);
    } catch (e) {
      out.append(banner('error', e.message));
    }
  }

  // ------------------------------------------------------------------ notification

  async function notification() {
    const key = params.get('key') || '';
    const id = params.get('id') || '';
    main.append(el('h1', {}, 'Notification'),
      el('form', { class: 'filters', method: 'get', action: 'notification' },
        el('label', {}, 'Idempotency key', el('input', { name: 'key', id: 'key', value: key, size: 40, maxlength: 255 })),
        el('button', { class: 'primary', type: 'submit' }, 'Find by key')),
      el('form', { class: 'filters', method: 'get', action: 'notification' },
        el('label', {}, 'Notification id', el('input', { name: 'id', id: 'notification-id', value: id, size: 14, inputmode: 'numeric' })),
        el('button', { type: 'submit' }, 'Find by id')));
    if (!key && !id) return;
    const out = el('div', { id: 'detail' });
    main.append(out);
    try {
      const r = await api('api/notification?' + (key ? 'key=' + encodeURIComponent(key) : 'id=' + encodeURIComponent(id)));
      const n = r.notification;
      out.append(el('h2', {}, 'Notification ' + n.id + ' ', state(n.state)),
        el('dl', { class: 'fields' },
          el('dt', {}, 'Key'), el('dd', { id: 'detail-key' }, text(n.key)),
          el('dt', {}, 'Recipient'), el('dd', {}, n.recipientId === null ? 'an explicit device' : recipientLink(n.recipientId)),
          el('dt', {}, 'Title'), el('dd', {}, text(n.title)),
          el('dt', {}, 'Reason'), el('dd', {}, text(n.reason)),
          el('dt', {}, 'Enqueued'), el('dd', {}, time(n.enqueuedAt)),
          el('dt', {}, 'Due'), el('dd', {}, time(n.dueAt)),
          el('dt', {}, 'Expires'), el('dd', {}, time(n.expiresAt)),
          el('dt', {}, 'Finished'), el('dd', {}, time(n.finishedAt))),
        el('h2', {}, 'Deliveries'),
        n.deliveries.length ? deliveriesTable(n.deliveries, true) : el('p', { class: 'muted' }, 'No deliveries yet.'),
        n.deliveryCount > n.deliveries.length ? el('div', { class: 'muted' }, 'First ' + n.deliveries.length + ' of ' + n.deliveryCount + ' shown.') : null,
        n.deliveries.some(d => d.state === 'DEAD') ? el('p', {}, link('dead?key=' + encodeURIComponent(n.key), 'Dead letters of this notification')) : null);
    } catch (e) {
      out.append(banner(e.status === 404 ? 'notice' : 'error', e.message));
    }
  }

  // ------------------------------------------------------------------ dead letters

  // datetime-local inputs give local wall-clock time; the API takes instants.
  function toInstant(v) {
    if (!v) return '';
    const d = new Date(v);
    return isNaN(d.getTime()) ? v : d.toISOString();
  }

  async function dead() {
    const f = { key: params.get('key') || '', recipient: params.get('recipient') || '', channel: params.get('channel') || '',
      from: params.get('from') || '', before: params.get('before') || '' };
    const filter = {};
    for (const k of ['key', 'recipient', 'channel']) if (f[k]) filter[k] = f[k];
    if (f.from) filter.from = toInstant(f.from);
    if (f.before) filter.before = toInstant(f.before);
    main.append(el('h1', {}, 'Dead letters'),
      el('form', { class: 'filters', method: 'get', action: 'dead', id: 'dead-filters' },
        el('label', {}, 'Key', el('input', { name: 'key', value: f.key, size: 24, maxlength: 255 })),
        el('label', {}, 'Recipient id', el('input', { name: 'recipient', value: f.recipient, size: 24, maxlength: 255 })),
        el('label', {}, 'Channel', el('input', { name: 'channel', value: f.channel, size: 10, maxlength: 32 })),
        el('label', {}, 'Died from', el('input', { name: 'from', type: 'datetime-local', step: 1, value: f.from })),
        el('label', {}, 'Died before', el('input', { name: 'before', type: 'datetime-local', step: 1, value: f.before })),
        el('button', { class: 'primary', type: 'submit' }, 'Filter'),
        el('a', { href: 'dead' }, 'clear')));
    const msg = el('div', { id: 'dead-message' });
    const bar = el('div', { class: 'actions' });
    const confirmBox = el('div', { id: 'confirm' });
    const tbody = el('tbody', {});
    const list = el('table', { class: 'dead' }, el('thead', {}, el('tr', {},
      el('th', {}, session.actionsEnabled ? el('input', { type: 'checkbox', id: 'select-all', title: 'select all shown' }) : ''),
      el('th', {}, 'Died'), el('th', {}, 'Key'), el('th', {}, 'Recipient'), el('th', {}, 'Channel'), el('th', { class: 'num' }, 'Attempts'),
      el('th', {}, 'Last error (provider code and reason)'))), tbody);
    const more = el('button', { type: 'button', id: 'more' }, 'More');
    more.hidden = true;
    main.append(msg, bar, confirmBox, list, more);

    const selected = new Set();
    const selectedButton = el('button', { type: 'button', id: 'requeue-selected', disabled: true }, 'Re-queue selected');
    const matchingButton = el('button', { type: 'button', id: 'requeue-matching' }, 'Re-queue all matching…');
    const updateSelected = () => {
      selectedButton.disabled = selected.size === 0;
      selectedButton.textContent = 'Re-queue selected (' + selected.size + ')';
    };
    if (session.actionsEnabled) {
      bar.append(selectedButton, matchingButton);
    } else {
      bar.append(el('span', { class: 'muted' }, 'Read-only: the host has not enabled actions on this console.'));
    }

    let next = null;
    async function load(append) {
      const q = new URLSearchParams(filter);
      if (append && next) { q.set('afterAt', next.afterAt); q.set('afterId', String(next.afterId)); }
      try {
        const r = await api('api/dead?' + q.toString());
        if (!append) { clear(tbody); selected.clear(); updateSelected(); }
        for (const d of r.deadLetters) {
          const box = session.actionsEnabled ? el('input', { type: 'checkbox', class: 'pick', 'data-id': d.deliveryId }) : null;
          if (box) box.addEventListener('change', () => { if (box.checked) selected.add(d.deliveryId); else selected.delete(d.deliveryId); updateSelected(); });
          tbody.append(el('tr', { 'data-delivery': d.deliveryId },
            el('td', {}, box), el('td', {}, time(d.diedAt)), el('td', {}, link('notification?id=' + encodeURIComponent(d.notificationId), d.key)),
            el('td', {}, recipientLink(d.recipientId)), el('td', {}, text(d.channel)), num(d.attempts), el('td', {}, text(d.lastError))));
        }
        if (!append && !r.deadLetters.length) {
          tbody.append(el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'No dead letters match.')));
        }
        next = r.next;
        more.hidden = !next;
      } catch (e) {
        clear(msg);
        msg.append(banner('error', e.message));
      }
    }
    more.addEventListener('click', () => load(true));
    const all = document.getElementById('select-all');
    if (all) all.addEventListener('change', () => {
      for (const b of tbody.querySelectorAll('input.pick')) {
        b.checked = all.checked;
        const id = Number(b.dataset.id);
        if (all.checked) selected.add(id); else selected.delete(id);
      }
      updateSelected();
    });

    function ask(question, form) {
      clear(confirmBox);
      const yes = el('button', { class: 'danger', type: 'button', id: 'confirm-yes' }, 'Re-queue');
      const no = el('button', { type: 'button', id: 'confirm-no' }, 'Cancel');
      const box = el('div', { class: 'confirm', role: 'alertdialog' }, el('span', { id: 'confirm-text' }, question), yes, no);
      confirmBox.append(box);
      no.addEventListener('click', () => clear(confirmBox));
      yes.addEventListener('click', async () => {
        yes.disabled = true;
        no.disabled = true;
        clear(msg);
        try {
          const r = await post('api/dead/requeue', form);
          msg.append(banner('notice', 'Re-queued ' + r.requeued + ' dead letter' + (r.requeued === 1 ? '' : 's') + '; they are pending and due now.'));
        } catch (e) {
          msg.append(banner('error', e.message));
        }
        clear(confirmBox);
        await load(false);
      });
    }
    selectedButton.addEventListener('click', () => {
      const ids = Array.from(selected);
      ask('Re-queue ' + ids.length + ' selected dead letter' + (ids.length === 1 ? '' : 's') + '? Each gets a fresh budget of attempts.', { ids: ids.join(',') });
    });
    matchingButton.addEventListener('click', async () => {
      clear(msg);
      try {
        const c = await api('api/dead/count?' + new URLSearchParams(filter).toString());
        const described = Object.entries(filter).map(([k, v]) => k + ' = ' + v).join(', ') || 'no filter: every dead letter';
        if (c.count === 0) { msg.append(banner('notice', 'No dead letters match.')); return; }
        ask('Re-queue ' + (c.capped ? 'the first ' : '') + Number(c.count).toLocaleString('en-US') + ' dead letter' + (c.count === 1 ? '' : 's')
          + ' matching ' + described + '? Letters that die after ' + fmtTime(c.at) + ' are left alone.',
          Object.assign({ match: '1', asOf: c.at }, filter));
      } catch (e) {
        msg.append(banner('error', e.message));
      }
    });
    await load(false);
  }

  // ------------------------------------------------------------------ start

  async function start() {
    for (const a of document.querySelectorAll('header nav a')) {
      if (a.dataset.nav === page) a.classList.add('active');
    }
    try {
      session = await api('api/session');
    } catch (e) {
      main.append(banner('error', e.message));
    }
    document.getElementById('mode').textContent = session.actionsEnabled ? 'actions enabled' : 'read-only';
    const pages = { overview, recipient, notification, dead };
    await (pages[page] || overview)();
    document.body.dataset.ready = 'true';
  }

  start();
})();
