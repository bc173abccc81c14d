// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// Records of one host for the fleet tests, one JSON object a line, with
// values that follow from the host's number N so a test knows what the
// fleet view must show: the newest vm-metrics has cpu_usage_pct 10N+1.5,
// memory_used_pct 20N+0.25; the newest webapp-metrics requests_per_s
// 100N+0.5, response_time_p95_ms 12.5N, error_rate_pct 0.5N, active_users
// 7N and a slowest route GET /api/h<N> at p95 50N+0.5 ms. An older record
// of each (cpu 99) must not show. With "alerts": cpu_high firing,
// disk_full fired then resolved. With "rollups": six vm-metrics rollups
// (cpu_usage_pct avg 10+k for the slot k*5 min back) and webapp ones.
//   node fixtures.js SOURCE N NOW_MS [alerts] [rollups]
'use strict';
const [source, nStr, nowStr, ...extra] = process.argv.slice(2);
const n = Number(nStr), now = Number(nowStr);
let seq = 0;
const rec = (type, ts, fields) => console.log(JSON.stringify(Object.assign({
  id: `${source}-${seq++}-${now}`.slice(0, 39),
  timestamp: ts, type, source }, fields)));
const vm = (cpu) => ({ window_s: 10, cpu_usage_pct: cpu, memory_used_pct: 20 * n + 0.25,
  memory_total_bytes: 8e9, cpu_count: 4, load1: n / 4, disk_read_bytes_per_s: 1000 * n,
  disk_write_bytes_per_s: 2000 * n, net_rx_bytes_per_s: 3000 * n, net_tx_bytes_per_s: 4000 * n,
  hostname: source, platform: 'Linux-test', cpu_cores: [{ cpu: 0, usage_pct: cpu }] });
const web = (rps) => ({ window_s: 10, requests_per_s: rps, response_time_p95_ms: 12.5 * n,
  error_rate_pct: 0.5 * n, active_users: 7 * n, requests_total: rps * 10,
  routes: [
    { pid: 10, comm: 'app', direction: 'inbound', method: 'GET', route: `/api/h${n}`,
      requests_per_s: n, error_rate_pct: 0, latency_p95_ms: 50 * n + 0.5 },
    { pid: 10, comm: 'app', direction: 'inbound', method: 'GET', route: '/fast',
      requests_per_s: 1, error_rate_pct: 0, latency_p95_ms: 1.5 },
    { pid: 10, comm: 'app', direction: 'outbound', method: 'GET', route: '/upstream',
      requests_per_s: 1, error_rate_pct: 0, latency_p95_ms: 9999 },
  ] });
rec('vm-metrics', now - 20000, vm(99));
rec('webapp-metrics', now - 20000, web(9999));
rec('vm-metrics', now - 10000, vm(10 * n + 1.5));
rec('webapp-metrics', now - 10000, web(100 * n + 0.5));
if (extra.includes('alerts')) {
  const a = (rule, state, ts) => rec('alert', ts, { rule, metric: 'cpu_usage_pct', value: 93.5,
    threshold: 80, comparator: '>', state, severity: 'warning', started_at: now - 60000,
    for_s: 0, message: `${rule}: ${state}` });
  a('disk_full', 'firing', now - 50000);
  a('cpu_high', 'firing', now - 15000);
  a('disk_full', 'resolved', now - 12000);
}
if (extra.includes('rollups')) {
  for (let k = 1; k <= 6; k++) {
    const slot = Math.floor((now - k * 300000) / 300000) * 300000;
    const f = (v) => ({ min: v - 1, avg: v, max: v + 1, last: v, p95: v + 0.5 });
    rec('rollup-5m', slot + 300000, { of: 'vm-metrics', slot_start: slot, slot_end: slot + 300000,
      window_start: slot, window_end: slot + 300000, partial: false, samples: 30,
      fields: { cpu_usage_pct: f(10 + k), memory_used_pct: f(50) } });
    rec('rollup-5m', slot + 300000, { of: 'webapp-metrics', slot_start: slot,
      slot_end: slot + 300000, window_start: slot, window_end: slot + 300000, partial: false,
      samples: 30, fields: { requests_per_s: f(200 + k) } });
  }
}
