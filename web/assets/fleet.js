// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// hostlens fleet view: every host the agents wrote to DynamoDB, polled from
// /api/v1/fleet/hosts and /api/v1/fleet/routes at the server's refresh
// interval; a host's 5-minute rollups over 24 h from
// /api/v1/fleet/hosts/{source}/series. Same look, token handling and theme
// as the host dashboard (style.css, uPlot). Throttling, errors and a table
// without registry items are shown in a notice, never as a blank page.
'use strict';
(function () {
  const TOKEN_KEY = 'hostlens_token';
  let token = '';
  try { token = sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || ''; } catch (e) { /* asked again */ }
  const authHeaders = () => (token ? { Authorization: 'Bearer ' + token } : {});
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  const isNum = (v) => typeof v === 'number' && isFinite(v);

  function fmtNum(v, digits) {
    if (!isNum(v)) return '—';
    const d = digits === undefined ? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2) : digits;
    return v.toLocaleString(undefined, { maximumFractionDigits: d, minimumFractionDigits: 0 });
  }
  function fmtBytes(v) {
    if (!isNum(v)) return '—';
    const u = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (Math.abs(v) >= 1000 && i < u.length - 1) { v /= 1000; i++; }
    return fmtNum(v, i ? 1 : 0) + ' ' + u[i];
  }
  function fmtShort(v) {
    if (!isNum(v)) return '';
    const u = ['', 'k', 'M', 'G', 'T'];
    let i = 0;
    while (Math.abs(v) >= 1000 && i < u.length - 1) { v /= 1000; i++; }
    return (Math.round(v * 10) / 10) + u[i];
  }
  const fmtRate = (v) => isNum(v) ? fmtBytes(v) + '/s' : '—';
  const fmtPct = (v) => isNum(v) ? fmtNum(v, 1) + '%' : '—';
  const fmtMs = (v) => isNum(v) ? fmtNum(v) + ' ms' : '—';
  function fmtAge(s) {
    if (!isNum(s)) return 'never';
    if (s < 60) return Math.max(0, Math.round(s)) + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    return Math.floor(s / 3600) + ' h ' + Math.floor(s % 3600 / 60) + ' min ago';
  }
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  // --- reachability, token ---------------------------------------------------
  let online = null, wantToken = false, timer = null, refreshMs = 5000;
  function setOnline(on, why) {
    if (online === on && !why) return;
    online = on;
    $('banner').hidden = on;
    if (!on) $('banner-text').textContent = why || 'Retrying…';
    $('live').className = 'live ' + (on ? 'on' : 'off');
    $('live-text').textContent = on ? 'live' : 'offline';
  }
  function needToken() {
    if (wantToken) return;
    wantToken = true;
    stop();
    $('banner').hidden = true;
    $('live').className = 'live off';
    $('live-text').textContent = 'token needed';
    $('login-why').textContent = token ? 'The fleet view refused this token.' : 'This fleet view wants a bearer token (its read or admin token).';
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
    } catch (err) { /* kept in memory */ }
    wantToken = false;
    $('login').hidden = true;
    start();
  });
  async function api(path) {
    let r;
    try {
      r = await fetch(path, { headers: authHeaders(), cache: 'no-store' });
    } catch (e) {
      setOnline(false, 'The fleet view does not answer. Retrying…');
      throw e;
    }
    if (r.status === 401) { needToken(); throw new Error('401'); }
    if (!r.ok) throw new Error(path + ': ' + r.status);
    return r.json();
  }

  // --- the host chart --------------------------------------------------------
  const METRICS = [
    ['cpu_usage_pct', 'CPU %', fmtPct], ['memory_used_pct', 'Memory %', fmtPct],
    ['requests_per_s', 'Requests/s', (v) => fmtNum(v)], ['response_time_p95_ms', 'p95 latency', fmtMs],
    ['error_rate_pct', 'Error rate', fmtPct], ['active_users', 'Active users', (v) => fmtNum(v)],
    ['disk_read_bytes_per_s', 'Disk read', fmtRate], ['disk_write_bytes_per_s', 'Disk write', fmtRate],
    ['net_rx_bytes_per_s', 'Network receive', fmtRate], ['net_tx_bytes_per_s', 'Network transmit', fmtRate],
    ['load1', 'Load (1 min)', (v) => fmtNum(v)],
  ];
  $('metric').innerHTML = METRICS.map(([m, l]) => `<option value="${m}">${esc(l)}</option>`).join('');
  let selected = null, plot = null, chartData = [[], []], seriesKey = '';
  const chartHeight = () => (window.innerWidth <= 520 ? 160 : 200);
  function makePlot() {
    const el = $('ch-host');
    if (plot) { plot.destroy(); plot = null; }
    if (typeof uPlot !== 'function') { el.textContent = 'chart library missing'; return; }
    const m = METRICS.find((x) => x[0] === $('metric').value) || METRICS[0];
    const axis = { stroke: css('--muted'), grid: { stroke: css('--grid'), width: 1 }, ticks: { stroke: css('--grid') } };
    plot = new uPlot({
      width: Math.max(200, el.clientWidth), height: chartHeight(),
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] } },
      axes: [Object.assign({}, axis, { space: 70 }), Object.assign({}, axis, { size: 50, values: (u, vals) => vals.map(fmtShort) })],
      series: [{}, { label: m[1], stroke: css('--accent'), width: 2, fill: css('--accent') + '22', value: (u, v) => m[2](v) }],
    }, chartData, el);
  }
  async function loadSeries() {
    if (!selected) return;
    const metric = $('metric').value;
    const key = selected + ' ' + metric;
    let doc;
    try { doc = await api(`/api/v1/fleet/hosts/${encodeURIComponent(selected)}/series?metric=${metric}`); } catch (e) { return; }
    if (key !== selected + ' ' + $('metric').value) return;   // the choice moved on
    if (doc.loading) { setTimeout(loadSeries, 700); return; }
    seriesKey = key;
    chartData = [doc.points.map((p) => p[0] / 1000), doc.points.map((p) => p[1])];
    makePlot();
  }
  function select(source, address) {
    if (selected === source) return;
    selected = source;
    $('host-title').textContent = source;
    $('host-link').innerHTML = '';
    chartData = [[], []];
    makePlot();
    loadSeries();
    document.querySelectorAll('#t-hosts tbody tr').forEach((tr) => tr.classList.toggle('sel', tr.dataset.source === source));
    showLink(address);
  }
  function showLink(address) {
    $('host-link').innerHTML = address && /^https?:\/\//.test(address) ? `<a href="${esc(address)}" target="_blank" rel="noopener">agent dashboard ↗</a>` : '';
  }
  $('metric').addEventListener('change', () => { chartData = [[], []]; makePlot(); loadSeries(); });

  // --- tables and cards ------------------------------------------------------
  function fill(id, rows, cols, empty) {
    $(id).querySelector('tbody').innerHTML = rows.length ? rows.join('') :
      `<tr><td class="empty" colspan="${cols}">${esc(empty)}</td></tr>`;
  }
  function hostRow(h) {
    const vm = h.vm || {}, w = h.webapp || {};
    const name = h.address && /^https?:\/\//.test(h.address) ? `<a href="${esc(h.address)}" target="_blank" rel="noopener">${esc(h.source)}</a>` : esc(h.source);
    const alerts = (h.alerts || []).map((a) => `<span class="pill firing" title="${esc(a.message || '')}">${esc(a.rule)}</span>`).join(' ');
    return `<tr data-source="${esc(h.source)}" data-address="${esc(h.address || '')}" class="${h.stale ? 'stale' : ''}${h.source === selected ? ' sel' : ''}">` +
      `<td>${name}</td><td><span class="pill ${h.stale ? 'stale' : 'fresh'}">${h.stale ? 'stale' : 'ok'}</span></td>` +
      `<td class="n">${fmtPct(vm.cpu_usage_pct)}</td><td class="n">${fmtPct(vm.memory_used_pct)}</td>` +
      `<td class="n">${fmtRate(vm.disk_read_bytes_per_s)} / ${fmtRate(vm.disk_write_bytes_per_s)}</td>` +
      `<td class="n">${fmtRate(vm.net_rx_bytes_per_s)} / ${fmtRate(vm.net_tx_bytes_per_s)}</td>` +
      `<td class="n">${fmtNum(w.requests_per_s)}</td><td class="n">${fmtMs(w.response_time_p95_ms)}</td>` +
      `<td class="n">${fmtPct(w.error_rate_pct)}</td><td class="n">${fmtNum(w.active_users)}</td>` +
      `<td>${alerts}</td><td class="n">${fmtAge(h.age_s)}</td></tr>`;
  }
  function renderNotice(s, hosts) {
    const n = $('notice');
    let text = '', bad = false;
    if (s.state === 'throttled') {
      text = `DynamoDB is throttling reads (${s.message}). Backing off: next read in ${Math.max(0, Math.round((s.next_refresh_ms - s.now_ms) / 1000))} s; the values shown are from ${fmtAge((s.now_ms - s.last_ok_ms) / 1000)}.`;
    } else if (s.state === 'error') {
      bad = true;
      text = `Reading the table failed: ${s.message}. Retrying with backoff; the values shown are the last read.`;
    } else if (!s.registry && hosts.length === 0 && s.state === 'ok') {
      text = `No host registry items in table ${s.table}: agents older than the fleet view do not write them. Name their sources with --fleet-sources (docs/fleet.md).`;
    } else if (s.read_units && s.read_units.deferred) {
      text = `The read budget (${s.read_units.budget_per_s} read units/s) was spent before every host was read: the rest are read at the next refreshes.`;
    }
    if (s.limits && s.limits.hosts_dropped > 0) text += ` ${s.limits.hosts_dropped} hosts over --fleet-max-hosts ${s.limits.max_hosts} are not shown.`;
    n.hidden = !text;
    n.className = 'notice glass' + (bad ? ' bad' : '');
    n.textContent = text;
  }
  function renderStatus(s) {
    const kv = [
      ['Table', s.table], ['State', s.state], ['Refresh', s.refresh_s + ' s'],
      ['Stale after', Math.round(s.stale_after_s / 60) + ' min'], ['Window', Math.round(s.window_s / 60) + ' min'],
      ['Read units', `${fmtNum(s.read_units.per_s)}/s of ${s.read_units.budget_per_s}/s (total ${fmtNum(s.read_units.total, 1)})`],
      ['Throttled calls', s.throttling.throttled_total], ['Errors', s.throttling.errors_total],
      ['Deferred refreshes', s.read_units.deferred_total],
      ['Hosts cap', `${s.limits.max_hosts} (${s.limits.hosts_dropped_total} left out so far)`],
      ['Series cache', `${s.limits.series_kept} of ${s.limits.max_series} (${s.limits.series_evicted_total} evicted)`],
    ];
    $('status').innerHTML = kv.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('');
  }
  function render(doc) {
    const s = doc.status || {}, t = doc.totals || {}, hosts = doc.hosts || [];
    if (isNum(s.refresh_s)) refreshMs = Math.max(1000, s.refresh_s * 1000);
    $('fleet-line').textContent = `table ${s.table || '?'} · ${hosts.length} hosts · refresh ${s.refresh_s || '?'} s`;
    $('c-hosts').textContent = fmtNum(t.hosts);
    $('c-hosts-d').textContent = `${t.fresh || 0} ok · ${t.stale || 0} stale`;
    $('c-rps').textContent = fmtNum(t.requests_per_s);
    $('c-err').textContent = fmtPct(t.error_rate_pct);
    $('c-cpu').textContent = fmtPct(t.cpu_usage_pct_avg);
    $('c-users').textContent = fmtNum(t.active_users);
    $('c-alerts').textContent = fmtNum(t.alerts_firing);
    if (s.read_units) {
      $('c-rcu').textContent = fmtNum(s.read_units.per_s);
      $('c-rcu-d').textContent = `budget ${s.read_units.budget_per_s}/s`;
    }
    $('c-last').textContent = s.last_ok_ms ? fmtAge((s.now_ms - s.last_ok_ms) / 1000) : '—';
    $('c-last-d').textContent = s.state || '';
    fill('t-hosts', hosts.map(hostRow), 12, 'No hosts seen in the window yet');
    renderNotice(s, hosts);
    if (s.read_units) renderStatus(s);
    if (!selected && hosts.length) select(hosts[0].source, hosts[0].address);
    else if (selected) showLink((hosts.find((h) => h.source === selected) || {}).address);
  }
  $('t-hosts').addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-source]');
    if (tr && !e.target.closest('a')) select(tr.dataset.source, tr.dataset.address);
  });
  function renderRoutes(doc) {
    fill('t-routes', (doc.routes || []).map((r) => `<tr><td>${esc(r.source)}</td><td>${esc(r.comm || '')}</td>` +
      `<td>${esc((r.method || '') + ' ' + (r.route || ''))}</td><td class="n">${fmtNum(r.requests_per_s)}</td>` +
      `<td class="n">${fmtPct(r.error_rate_pct)}</td><td class="n">${fmtNum(r.latency_p95_ms)}</td></tr>`), 6, 'No routes reported');
  }

  let polls = 0;
  async function poll() {
    timer = null;
    try {
      render(await api('/api/v1/fleet/hosts'));
      renderRoutes(await api('/api/v1/fleet/routes'));
      setOnline(true);
      polls++;
      if (polls % 12 === 0 && seriesKey) loadSeries();   // the rollups move every 5 min
    } catch (e) {
      if (wantToken) return;
    }
    if (!wantToken && !document.hidden) timer = setTimeout(poll, refreshMs);
  }
  function start() { if (!timer) poll(); }
  function stop() { if (timer) { clearTimeout(timer); timer = null; } }
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) { stop(); $('live').className = 'live'; $('live-text').textContent = 'paused'; return; }
    if (!wantToken) start();
  });

  function applyTheme(t) {
    document.documentElement.dataset.theme = t;
    $('theme').textContent = t === 'dark' ? 'Light' : 'Dark';
    makePlot();
  }
  $('theme').addEventListener('click', () => {
    const t = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    try { localStorage.setItem('hostlens_theme', t); } catch (e) { /* not remembered */ }
    applyTheme(t);
  });
  let theme = 'dark';
  try { theme = localStorage.getItem('hostlens_theme') || 'dark'; } catch (e) { /* default */ }
  applyTheme(theme);
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(() => {
      const el = $('ch-host');
      if (plot && Math.abs(plot.width - el.clientWidth) > 2) plot.setSize({ width: Math.max(200, el.clientWidth), height: chartHeight() });
    }).observe($('ch-host'));
  }
  start();

  // For tests: what the page shows.
  window.hostlensFleet = {
    rows: () => document.querySelectorAll('#t-hosts tbody tr[data-source]').length,
    selected: () => selected,
    chartPoints: () => chartData[0].length,
    chartValues: () => chartData[1].slice(),
  };
})();
