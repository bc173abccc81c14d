// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// hostlens dashboard: cards and charts from the live stream (/api/v1/stream),
// tables polled from /api/v1 every 2 s. Pauses while the tab is hidden and
// shows a banner while the agent cannot be reached; both recover by themselves.
// A token, when the agent wants one, is asked for on the page and sent only
// in the Authorization header (the stream is read with fetch, not
// EventSource, for that reason): never in a URL.
'use strict';
(function () {
  const WINDOW_S = 300;          // seconds of history on the charts
  const POLL_MS = 2000;
  const MAX_FEED = 200;

  // --- auth: a bearer token kept in this tab (sessionStorage), or in this
  // browser (localStorage) when asked to remember it ------------------------
  const TOKEN_KEY = 'hostlens_token';
  let token = '';
  try { token = sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || ''; } catch (e) { /* storage disabled: asked again */ }
  if (new URLSearchParams(location.search).has('access_token')) {
    // Old links carried the token in the URL; the agent no longer reads it
    // there. Take it out of the address bar and history; it is not used.
    const u = new URL(location.href);
    u.searchParams.delete('access_token');
    history.replaceState(null, '', u.pathname + u.search + u.hash);
  }
  const authHeaders = () => (token ? { Authorization: 'Bearer ' + token } : {});

  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  const isNum = (v) => typeof v === 'number' && isFinite(v);

  // --- formatting ----------------------------------------------------------
  function fmtNum(v, digits) {
    if (!isNum(v)) return '—';
    const d = digits === undefined ? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2) : digits;
    return v.toLocaleString(undefined, { maximumFractionDigits: d, minimumFractionDigits: 0 });
  }
  function fmtBytes(v) {
    if (!isNum(v)) return '—';
    const u = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
    let i = 0;
    while (Math.abs(v) >= 1000 && i < u.length - 1) { v /= 1000; i++; }
    return fmtNum(v, i ? 1 : 0) + ' ' + u[i];
  }
  function fmtShort(v) {   // axis ticks: 1.5k, 20M
    if (!isNum(v)) return '';
    const u = ['', 'k', 'M', 'G', 'T'];
    let i = 0;
    while (Math.abs(v) >= 1000 && i < u.length - 1) { v /= 1000; i++; }
    return (Math.round(v * 10) / 10) + u[i];
  }
  const fmtRate = (v) => isNum(v) ? fmtBytes(v) + '/s' : '—';
  const fmtPct = (v) => isNum(v) ? fmtNum(v, 1) + '%' : '—';
  const fmtMs = (v) => isNum(v) ? fmtNum(v) + ' ms' : '—';
  function fmtDur(s) {
    if (!isNum(s)) return '—';
    const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (s < 1) return `${Math.round(s * 1000)} ms`;
    if (s < 10) return `${(Math.round(s * 10) / 10)} s`;
    return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m ${Math.floor(s % 60)}s` : `${Math.floor(s)}s`;
  }
  const fmtClock = (s) => new Date(s * 1000).toLocaleTimeString(undefined, { hour12: false });
  function fmtTime(ms) {
    if (!isNum(ms)) return '—';
    return new Date(ms).toLocaleTimeString(undefined, { hour12: false });
  }

  // --- connection state and the banner -------------------------------------
  let online = null;
  function setOnline(on, why) {
    if (online === on && !why) return;
    online = on;
    $('banner').hidden = on;
    if (!on) $('banner-text').textContent = why || 'Retrying every few seconds…';
    const live = $('live');
    live.className = 'live ' + (on ? 'on' : 'off');
    $('live-text').textContent = on ? 'live' : 'offline';
  }

  // The agent answered 401: stop asking and show the token form.
  let wantToken = false;
  function needToken() {
    if (wantToken) return;
    wantToken = true;
    stop();
    online = false;   // reachable, but locked: the form says so, not the outage banner
    $('banner').hidden = true;
    $('live').className = 'live off';
    $('live-text').textContent = 'token needed';
    $('login-why').textContent = token ? 'The agent refused this token.' : 'This agent wants a bearer token (its read or admin token).';
    $('login').hidden = false;
    $('login-token').focus();
  }
  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('login-token').value.trim();
    $('login-token').value = '';
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
      if ($('login-remember').checked) localStorage.setItem(TOKEN_KEY, token);
      else localStorage.removeItem(TOKEN_KEY);
    } catch (err) { /* kept in memory for this page only */ }
    wantToken = false;
    $('login').hidden = true;
    $('live-text').textContent = 'connecting';
    load();
  });

  async function api(path) {
    let r;
    try {
      r = await fetch(path, { headers: authHeaders(), cache: 'no-store' });
    } catch (e) {
      setOnline(false, 'The agent does not answer. Retrying…');
      throw e;
    }
    if (r.status === 401) {
      needToken();
      throw new Error('401');
    }
    if (!r.ok) throw new Error(path + ': ' + r.status);   // 503: not published yet
    return r.json();
  }

  // --- charts --------------------------------------------------------------
  const chartDefs = [
    { id: 'ch-cpu', metrics: ['cpu_pct', 'mem_used_pct'], labels: ['CPU', 'Memory'], fmt: fmtPct, tick: (v) => v + '%', range: [0, 100] },
    { id: 'ch-disk', metrics: ['disk_read_bytes_per_s', 'disk_write_bytes_per_s'], labels: ['Read', 'Write'], fmt: fmtRate, tick: fmtShort },
    { id: 'ch-net', metrics: ['net_rx_bytes_per_s', 'net_tx_bytes_per_s'], labels: ['Receive', 'Transmit'], fmt: fmtRate, tick: fmtShort },
    { id: 'ch-http', metrics: ['http_requests_per_s', 'http_p95_ms'], labels: ['Requests/s', 'p95 ms'], fmt: (v) => fmtNum(v), tick: fmtShort },
  ];
  const charts = chartDefs.map((d) => ({ def: d, data: [[], [], []], plot: null }));

  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const chartHeight = () => (window.innerWidth <= 520 ? 140 : 170);

  function makePlot(c) {
    const el = $(c.def.id);
    if (c.plot) { c.plot.destroy(); c.plot = null; }
    if (typeof uPlot !== 'function') { el.textContent = 'chart library missing'; return; }
    const axis = { stroke: css('--muted'), grid: { stroke: css('--grid'), width: 1 }, ticks: { stroke: css('--grid') } };
    const colors = [css('--accent'), css('--accent2')];
    const opts = {
      width: Math.max(200, el.clientWidth),
      height: chartHeight(),
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: (u, min, max) => {
        if (!isNum(max)) { const n = Date.now() / 1000; return [n - 60, n]; }
        return [max - Math.min(WINDOW_S, Math.max(60, max - min)), max];
      } }, y: c.def.range ? { range: c.def.range } : { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] } },
      axes: [Object.assign({}, axis, { space: 70, values: (u, vals) => vals.map((v) => fmtClock(v)) }), Object.assign({}, axis, { size: 50, values: (u, vals) => vals.map((v) => c.def.tick(v)) })],
      series: [{}].concat(c.def.labels.map((label, i) => ({
        label, stroke: colors[i], width: 2, spanGaps: false,
        fill: i === 0 ? colors[0] + '22' : undefined,
        value: (u, v) => c.def.fmt(v),
      }))),
    };
    c.plot = new uPlot(opts, c.data, el);
  }

  function trim(c, nowS) {
    const xs = c.data[0];
    let k = 0;
    while (k < xs.length && xs[k] < nowS - WINDOW_S) k++;
    if (k) c.data = c.data.map((a) => a.slice(k));
  }

  function pushSummary(s) {
    if (!s || !isNum(s.ts)) return;
    const x = s.ts / 1000;
    for (const c of charts) {
      const xs = c.data[0];
      if (xs.length && xs[xs.length - 1] >= x) continue;
      xs.push(x);
      c.def.metrics.forEach((m, i) => c.data[i + 1].push(isNum(s[m]) ? s[m] : null));
      trim(c, x);
      if (c.plot) c.plot.setData(c.data);
    }
  }

  async function backfill() {
    const since = Date.now() - WINDOW_S * 1000;
    const known = new Set((await api('/api/v1/series')).metrics || []);
    await Promise.all(charts.map(async (c) => {
      const byTs = new Map();
      await Promise.all(c.def.metrics.map(async (m, i) => {
        let doc;
        if (!known.has(m)) return;   // not measured on this host
        try { doc = await api(`/api/v1/series?metric=${m}&since=${since}`); } catch (e) { return; }
        for (const [ts, v] of doc.points || []) {
          if (!byTs.has(ts)) byTs.set(ts, new Array(c.def.metrics.length).fill(null));
          byTs.get(ts)[i] = v;
        }
      }));
      const keys = [...byTs.keys()].sort((a, b) => a - b);
      // Merge with what the stream already delivered.
      const have = new Map(c.data[0].map((x, k) => [Math.round(x * 1000), c.data.slice(1).map((a) => a[k])]));
      for (const k of keys) if (!have.has(k)) have.set(k, byTs.get(k));
      const all = [...have.keys()].sort((a, b) => a - b);
      c.data = [all.map((k) => k / 1000)].concat(c.def.metrics.map((m, i) => all.map((k) => have.get(k)[i])));
      trim(c, Date.now() / 1000);
      if (c.plot) c.plot.setData(c.data);
    }));
  }

  // --- cards ---------------------------------------------------------------
  function card(id, value, detail) {
    const v = $(id);
    v.textContent = value;
    v.classList.toggle('na', value === '—');
    $(id + '-d').textContent = detail || (value === '—' ? 'not measured yet' : '\u00a0');
  }
  let lastSummary = null;
  function renderCards(s) {
    lastSummary = s;
    card('c-cpu', fmtPct(s.cpu_pct), hostInfo ? `${hostInfo.cpus} CPUs` : '');
    card('c-mem', fmtPct(s.mem_used_pct), isNum(s.mem_used_bytes) ? `${fmtBytes(s.mem_used_bytes)} of ${fmtBytes(s.mem_total_bytes)}` : '');
    const disk = isNum(s.disk_read_bytes_per_s) ? s.disk_read_bytes_per_s + (s.disk_write_bytes_per_s || 0) : null;
    card('c-disk', fmtRate(disk), isNum(disk) ? `R ${fmtRate(s.disk_read_bytes_per_s)} · W ${fmtRate(s.disk_write_bytes_per_s)}` : '');
    const net = isNum(s.net_rx_bytes_per_s) ? s.net_rx_bytes_per_s + (s.net_tx_bytes_per_s || 0) : null;
    card('c-net', fmtRate(net), isNum(net) ? `↓ ${fmtRate(s.net_rx_bytes_per_s)} · ↑ ${fmtRate(s.net_tx_bytes_per_s)}` : '');
    card('c-rps', fmtNum(s.http_requests_per_s), isNum(s.events_per_s) ? `${fmtNum(s.events_per_s)} kernel events/s` : '');
    card('c-p95', fmtMs(s.http_p95_ms), isNum(s.http_p95_ms) ? '' : 'no requests in the last 10 s');
    card('c-err', fmtPct(s.http_error_rate_pct), '');
    card('c-users', fmtNum(s.active_users, 0), '');
  }

  // --- tables --------------------------------------------------------------
  function fill(tableId, rows, cols, empty) {
    const tb = $(tableId).tBodies[0];
    if (!rows || !rows.length) {
      tb.innerHTML = `<tr><td class="empty" colspan="${cols}">${esc(empty)}</td></tr>`;
      return;
    }
    tb.innerHTML = rows.join('');
  }
  const td = (v, cls) => `<td${cls ? ` class="${cls}"` : ''}>${esc(v)}</td>`;
  const pair = (a, b, f) => (isNum(a) || isNum(b)) ? `${f(a)} / ${f(b)}` : '—';
  const trio = (a, b, c) => (isNum(a) || isNum(b) || isNum(c)) ? `${fmtNum(a)} / ${fmtNum(b)} / ${fmtNum(c)}` : '—';
  const proc = (r) => r.comm ? `${r.comm} (${r.pid})` : (r.pid ? String(r.pid) : '—');

  function renderProcs(list) {
    $('procs-n').textContent = list.length ? `${list.length} by CPU` : '';
    const where = (p) => p.pod ? `${p.namespace}/${p.pod}` : p.container_id ? p.container_id.slice(0, 12) : '';
    fill('t-procs', list.map((p) => '<tr>' + td(p.pid, 'n') + td(p.comm) + td(where(p)) + td(fmtNum(p.cpu_pct, 1), 'n') +
      td(isNum(p.oncpu_ms) ? fmtDur(p.oncpu_ms / 1000) : '—', 'n') +
      td(pair(p.disk_read_bytes, p.disk_write_bytes, fmtBytes), 'n') +
      td(pair(p.net_tx_bytes, p.net_rx_bytes, fmtBytes), 'n') + '</tr>'), 7, 'no process data yet');
  }
  function renderDisks(list) {
    fill('t-disks', list.map((d) => '<tr>' + td(d.device) + td(fmtNum(d.reads_per_s), 'n') + td(fmtNum(d.writes_per_s), 'n') +
      td(fmtRate(d.read_bytes_per_s), 'n') + td(fmtRate(d.write_bytes_per_s), 'n') +
      td(trio(d.latency_p50_ms, d.latency_p95_ms, d.latency_p99_ms), 'n') + '</tr>'), 6, 'no disks seen');
  }
  function renderRoutes(list) {
    fill('t-routes', list.map((r) => '<tr>' + td(proc(r)) + td(r.direction || '—') + td(`${r.method || ''} ${r.route || ''}`, 'path') +
      td(fmtNum(r.requests_per_s), 'n') + td(fmtPct(r.error_rate_pct), 'n') +
      td(trio(r.latency_p50_ms, r.latency_p95_ms, r.latency_p99_ms), 'n') + '</tr>'), 6, 'no HTTP traffic captured yet');
  }
  function renderAlerts(doc) {
    const rows = [];
    const one = (a, state) => '<tr>' + `<td><span class="pill ${state}">${esc(state)}</span></td>` +
      td(a.rule || a.name || a.metric || '—') + td(a.severity || '—') + td(fmtNum(a.value), 'n') +
      td(fmtTime(a.since || a.timestamp)) + '</tr>';
    for (const a of (doc && doc.active) || []) rows.push(one(a, 'firing'));
    for (const a of ((doc && doc.recent) || []).slice(0, 20)) rows.push(one(a, a.state === 'firing' ? 'firing' : 'resolved'));
    fill('t-alerts', rows, 5, 'no alerts: every rule is quiet');
  }
  // Notification counters per channel (stats topic), beside the Alerts heading.
  function renderNotify(n) {
    const h2 = $('t-alerts') && $('t-alerts').closest('.panel').querySelector('h2');
    if (!h2) return;
    let el = $('alert-channels');
    if (!el) { el = document.createElement('small'); el.id = 'alert-channels'; h2.appendChild(el); }
    const parts = Object.entries(n || {}).map(([ch, c]) => `${ch} ` +
      ['sent', 'failed', 'retries', 'dropped'].map((k) => `${fmtNum(c[k], 0)} ${k}`).join(' · '));
    el.textContent = parts.length ? 'notifications: ' + parts.join(' | ') : 'no notification channel';
  }
  function renderConns(doc) {
    const list = (doc && doc.recent) || [];
    const parts = [];
    if (doc && isNum(doc.retransmits_total)) parts.push(`${fmtNum(doc.retransmits_total, 0)} retransmits`);
    if (doc && isNum(doc.resets_total)) parts.push(`${fmtNum(doc.resets_total, 0)} resets`);
    $('conn-sum').textContent = parts.join(' · ');
    fill('t-conns', list.slice(0, 100).map((c) => '<tr>' + td(proc(c)) + td(c.role || '—') +
      td(`${c.saddr || ''}:${c.sport || ''}`) + td(`${c.daddr || ''}:${c.dport || ''}`) +
      td(fmtMs(c.duration_ms), 'n') + td(pair(c.tx_bytes, c.rx_bytes, fmtBytes), 'n') + '</tr>'), 6, 'no connections recorded yet');
  }

  // --- databases (topic "databases") ---------------------------------------
  function renderDb(doc) {
    const servers = (doc && doc.servers) || [], ops = ((doc && doc.operations) || []).slice();
    const st = (doc && doc.stats) || {};
    const parts = [];
    if (doc && isNum(doc.connections_active)) parts.push(`${fmtNum(doc.connections_active, 0)} open`);
    if (isNum(st.pipelined_total) && st.pipelined_total) parts.push(`${fmtNum(st.pipelined_total, 0)} pipelined`);
    if (isNum(st.unparsed_total) && st.unparsed_total) parts.push(`${fmtNum(st.unparsed_total, 0)} unparsed`);
    $('db-sum').textContent = parts.join(' · ');
    const where = (r) => `${r.server_address || '?'}:${r.server_port || '?'}`;
    fill('t-db-servers', servers.map((v) => '<tr>' + td(v.db_system || '—') + td(where(v)) +
      td(fmtNum(v.connections_active, 0), 'n') + td(fmtNum(v.rate_per_s), 'n') + td(fmtNum(v.errors, 0), 'n') +
      td(fmtNum(v.latency_p95_ms), 'n') + '</tr>'), 6, 'no database connections seen');
    ops.sort((a, b) => (b.count || 0) - (a.count || 0));
    fill('t-db-ops', ops.slice(0, 100).map((o) => '<tr>' + td(proc(o)) + td(o.role || '—') +
      td(`${o.db_system || ''} ${where(o)}`) + td(o.operation || '—') + td(fmtNum(o.count, 0), 'n') +
      td(fmtNum(o.rate_per_s), 'n') + td(fmtNum(o.errors, 0), 'n') +
      td(trio(o.latency_p50_ms, o.latency_p95_ms, o.latency_p99_ms), 'n') + '</tr>'), 8, 'no database calls captured yet');
  }

  // --- latency breakdown (topic "breakdown") --------------------------------
  const BD_PARTS = [
    ['cpu_ms', 'CPU', 'bd-cpu'], ['runq_ms', 'run queue', 'bd-runq'], ['io_ms', 'disk I/O', 'bd-io'],
    ['downstream_ms', 'downstream', 'bd-down'], ['other_ms', 'other (locks, sleeps, network)', 'bd-other'],
    ['unattributed_ms', 'unattributed', 'bd-gap'],
  ];
  // one stacked bar: each part's share of the parts' sum, labelled in ms
  function bdBar(parts) {
    if (!parts) return '<span class="bd-none">—</span>';
    const total = BD_PARTS.reduce((a, [k]) => a + (isNum(parts[k]) ? parts[k] : 0), 0);
    if (!(total > 0)) return '<span class="bd-none">—</span>';
    const segs = BD_PARTS.filter(([k]) => parts[k] > 0).map(([k, name, cls]) =>
      `<i class="${cls}" style="width:${(100 * parts[k] / total).toFixed(2)}%" title="${esc(name)}: ${esc(fmtMs(parts[k]))}"></i>`);
    return `<div class="bd-bar" title="${esc(BD_PARTS.filter(([k]) => parts[k] > 0).map(([k, n]) => `${n} ${fmtMs(parts[k])}`).join(', '))}">${segs.join('')}</div>` +
      `<span class="bd-total">${esc(fmtMs(total))}</span>`;
  }
  function bdText(b) {
    if (!b) return '—';
    const main = BD_PARTS.filter(([k]) => b[k] > 0.05 * (BD_PARTS.reduce((a, [x]) => a + (b[x] || 0), 0)))
      .map(([k, n]) => `${n} ${fmtMs(b[k])}`).join(' · ');
    return main + (b.approximate ? ` (${b.reason})` : '');
  }
  function renderBreakdown(doc) {
    const routes = (doc && doc.routes) || [];
    const slow = (doc && doc.slowest) || [];
    $('bd-legend').innerHTML = BD_PARTS.map(([, n, cls]) => `<span><i class="${cls}"></i>${esc(n)}</span>`).join('');
    const off = doc && doc.enabled === false ? 'breakdown off (--http-breakdown false or no cpu signal)' : 'no served requests with a breakdown yet';
    fill('t-bd-routes', routes.slice(0, 50).map((r) => '<tr>' +
      `<td class="path" title="${esc(proc(r))}">${esc(`${r.method || ''} ${r.route || ''}`)}${r.approximate_pct > 0 ? ` <span class="pill approx" title="${esc(fmtPct(r.approximate_pct))} of requests on a shared or handed-off thread">≈</span>` : ''}</td>` +
      td(fmtNum(r.requests_total, 0), 'n') + `<td class="bd">${bdBar(r.p50)}</td><td class="bd">${bdBar(r.p99)}</td></tr>`), 4, off);
    $('bd-slow-n').textContent = slow.length ? `${slow.length} recent` : '';
    fill('t-bd-slow', slow.map((r) => '<tr>' + td(fmtTime(r.ts)) + td(proc(r)) +
      `<td class="path" title="${esc(r.path || '')}">${esc(`${r.method || ''} ${r.path || r.route || ''}`)}</td>` +
      td(fmtMs(r.latency_ms), 'n') + `<td class="bd" title="${esc(bdText(r.breakdown))}">${bdBar(r.breakdown)}${r.breakdown && r.breakdown.approximate ? ` <span class="pill approx">${esc(r.breakdown.reason)}</span>` : ''}</td></tr>`), 5, off);
  }

  let feed = [];
  function reqRow(r) {
    const st = isNum(r.status) ? r.status : null;
    return '<tr>' + td(fmtTime(r.ts)) + td(proc(r)) + td((r.direction || '—') + (r.tls ? ' 🔒' : '')) + td(r.method || '—') +
      `<td class="path" title="${esc(r.path || '')}">${esc(r.path || r.route || '—')}</td>` +
      td(st === null ? '—' : st, 'n s' + (st ? Math.floor(st / 100) : '')) + td(fmtMs(r.latency_ms), 'n') +
      td(pair(r.bytes_in, r.bytes_out, fmtBytes), 'n') + td(r.peer || '—') + '</tr>';
  }
  function renderFeed() {
    $('req-n').textContent = feed.length ? `last ${feed.length}` : '';
    fill('t-reqs', feed.map(reqRow), 9, 'no requests captured yet');
  }
  function addRequests(list, replace) {
    if (!Array.isArray(list)) return;
    const sorted = list.slice().sort((a, b) => (b.ts || 0) - (a.ts || 0));
    feed = replace ? sorted.slice(0, MAX_FEED) : sorted.concat(feed).slice(0, MAX_FEED);
    renderFeed();
  }

  let hostInfo = null;
  function renderHost(h) {
    hostInfo = h;
    $('host-line').textContent = [h.hostname, h.os, h.kernel, h.arch].filter(Boolean).join(' · ');
    document.title = `hostlens · ${h.hostname}`;
  }
  function renderStats(s) {
    const kv = [];
    const add = (k, v) => kv.push(`<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`);
    add('version', s.version || '—');
    add('uptime', fmtDur(s.uptime_s));
    add('events', `${fmtNum(s.events_total, 0)} total · ${fmtNum(s.events_per_s)}/s`);
    const per = Array.isArray(s.kernel_drops_per_cpu) && s.kernel_drops_per_cpu.length
      ? ' (per CPU: ' + s.kernel_drops_per_cpu.join(', ') + ')' : '';
    add('kernel drops', fmtNum(s.kernel_drops_total, 0) + per);
    const full = Object.entries(s.map_full || {}).filter(([, n]) => n > 0);
    add('BPF maps full', full.length ? full.map(([m, n]) => `${m}: ${fmtNum(n, 0)}`).join(' · ') : 'none');
    if (s.thread_storage_misses_total) add('thread storage misses', fmtNum(s.thread_storage_misses_total, 0));
    if (s.log) add('event log', `${fmtBytes(s.log.size_bytes)} · ${fmtNum(s.log.shards, 0)} shards · ${fmtNum(s.log.overwritten_total, 0)} overwritten`);
    if (s.memory) add('memory', `${fmtBytes(s.memory.rss_bytes)} resident · ${fmtBytes(s.memory.heap_bytes)} heap · live updates ${fmtBytes(s.memory.live_updates_bytes)} (${fmtNum(s.memory.live_updates, 0)})`);
    for (const [k, v] of Object.entries(s.signals || {})) add(`signal ${k}`, v);
    $('agent').innerHTML = kv.join('');
    renderNotify(s.notifications);
    const sinks = Array.isArray(s.sinks) ? s.sinks : [];
    fill('t-sinks', sinks.map((k) => {
      const name = k.name || k.sink || '?';
      const rest = Object.entries(k).filter(([key]) => key !== 'name' && key !== 'sink')
        .map(([key, v]) => `${key}: ${isNum(v) ? fmtNum(v, 0) : (v === null ? '—' : typeof v === 'object' ? JSON.stringify(v) : v)}`).join(' · ');
      return '<tr>' + td(name) + `<td style="white-space:normal">${esc(rest)}</td></tr>`;
    }), 2, 'no sinks reported');
  }

  // --- polling and the live stream -----------------------------------------
  let pollTimer = null, stream = null, lastId = '', updates = 0;

  async function poll() {
    const jobs = [
      ['processes', renderProcs], ['disks', renderDisks], ['routes', renderRoutes],
      ['alerts', renderAlerts], ['connections', renderConns], ['stats', renderStats],
      ['breakdown', renderBreakdown], ['databases', renderDb],
    ];
    if (!hostInfo || !hostInfo.hostname) jobs.push(['host', renderHost]);
    if (!lastSummary) jobs.push(['summary', renderCards]);
    let reached = false;
    await Promise.all(jobs.map(async ([topic, fn]) => {
      try { fn(await api('/api/v1/' + topic)); reached = true; } catch (e) {
        if (!(e instanceof TypeError)) reached = true;   // HTTP answered, topic not ready
      }
    }));
    if (reached && stream && stream.open) setOnline(true);
  }

  function onUpdate(u) {
    updates++;
    if (u.summary) { renderCards(u.summary); pushSummary(u.summary); }
    if (Array.isArray(u.requests) && u.requests.length) addRequests(u.requests, false);
    if (Array.isArray(u.alerts) && u.alerts.length) poll();
  }

  // Server-Sent Events over fetch: the request can carry the Authorization
  // header, which EventSource cannot. Parses the text/event-stream framing
  // (id:, data:, retry:, comments) and reconnects with Last-Event-ID.
  function connect() {
    if (stream || wantToken) return;
    const me = stream = { ctl: new AbortController(), open: false };
    const headers = Object.assign({ Accept: 'text/event-stream' }, authHeaders());
    if (lastId) headers['Last-Event-ID'] = lastId;
    let retry = 3000;
    (async () => {
      try {
        const r = await fetch('/api/v1/stream', { headers, cache: 'no-store', signal: me.ctl.signal });
        if (r.status === 401) { stream = null; needToken(); return; }
        if (!r.ok || !r.body) throw new Error('stream: ' + r.status);
        me.open = true;
        setOnline(true);
        const reader = r.body.getReader();
        const dec = new TextDecoder();
        let buf = '', id = null, data = [];
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).replace(/\r$/, '');
            buf = buf.slice(nl + 1);
            if (line === '') {   // end of an event
              if (id !== null) lastId = id;
              if (data.length) {
                setOnline(true);
                try { onUpdate(JSON.parse(data.join('\n'))); } catch (err) { /* a torn event: the next one replaces it */ }
              }
              id = null; data = [];
              continue;
            }
            if (line[0] === ':') continue;   // keep-alive comment
            const c = line.indexOf(':');
            const field = c < 0 ? line : line.slice(0, c);
            const val = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
            if (field === 'data') data.push(val);
            else if (field === 'id') id = val;
            else if (field === 'retry' && /^\d+$/.test(val)) retry = Number(val);
          }
        }
      } catch (e) {
        if (me.ctl.signal.aborted) return;   // stopped on purpose
      }
      if (stream !== me) return;
      stream = null;
      setOnline(false);
      setTimeout(() => { if (!document.hidden && !stream) connect(); }, retry);
    })();
  }

  function start() {
    connect();
    poll();
    if (!pollTimer) pollTimer = setInterval(poll, POLL_MS);
  }
  function stop() {
    if (stream) { const s = stream; stream = null; s.ctl.abort(); }
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) { stop(); $('live').className = 'live'; $('live-text').textContent = 'paused'; return; }
    if (wantToken) return;
    backfill().catch(() => {});
    start();
  });

  // --- theme ---------------------------------------------------------------
  function applyTheme(t) {
    document.documentElement.dataset.theme = t;
    $('theme').textContent = t === 'dark' ? 'Light' : 'Dark';
    charts.forEach(makePlot);
  }
  $('theme').addEventListener('click', () => {
    const t = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    try { localStorage.setItem('hostlens_theme', t); } catch (e) { /* not remembered */ }
    applyTheme(t);
  });
  let theme = 'dark';   // the house style; light only when asked for
  try { theme = localStorage.getItem('hostlens_theme') || 'dark'; } catch (e) { /* default */ }
  applyTheme(theme);

  if (typeof ResizeObserver === 'function') {
    const ro = new ResizeObserver(() => charts.forEach((c) => {
      const el = $(c.def.id);
      if (c.plot && Math.abs(c.plot.width - el.clientWidth) > 2) c.plot.setSize({ width: Math.max(200, el.clientWidth), height: chartHeight() });
    }));
    charts.forEach((c) => ro.observe($(c.def.id)));
  }

  function load() {
    api('/api/v1/requests').then((l) => addRequests(l, true)).catch(() => renderFeed());
    backfill().catch(() => {});
    if (!document.hidden) start();
  }
  load();

  // For tests and curious users: what the page has seen.
  window.hostlens = {
    updates: () => updates,
    lastX: () => charts[0].data[0].length ? charts[0].data[0][charts[0].data[0].length - 1] : 0,
    points: () => charts[0].data[0].length,
  };
})();
