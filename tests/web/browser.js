// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// against the real server fed by webdemo's /proc measurements: cards fill,
// a chart moves, no console errors, pause while hidden, the outage banner
// comes and goes, screenshots at desktop and phone width. Then with a read
// token: the page asks for it, sends it only in the Authorization header (the
// live stream too: fetch, not EventSource) and never puts it in a URL.
// Usage: node browser.js WEBDEMO PORT OUTDIR PROFILE_DIR
'use strict';
const path = require('path');
const { spawn } = require('child_process');
const { chromium } = require(path.join(process.env.TOP, 'tests/js/node_modules/playwright-core'));

const [demo, port, outdir, profile] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
let failed = 0;
const ok = (n) => console.log(`ok ${n}`);
const fail = (n, why) => { console.log(`FAIL ${n}: ${why}`); failed = 1; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let server = null;
async function startServer(extra = []) {
  server = spawn(demo, ['--listen', `127.0.0.1:${port}`, ...extra], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    try { const r = await fetch(`${base}/readyz`); if (r.ok) return; } catch (e) { /* not yet */ }
    await sleep(100);
  }
  throw new Error('webdemo not ready after 10 s');
}
async function stopServer() {
  if (!server) return;
  const s = server; server = null;
  const gone = new Promise((r) => s.on('exit', r));
  s.kill('SIGTERM');
  await gone;
}

async function waitFor(page, fn, arg, ms) {
  try { await page.waitForFunction(fn, arg, { timeout: ms, polling: 100 }); return true; } catch (e) { return false; }
}

(async () => {
  await startServer();
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  let watchErrors = true;
  page.on('console', (m) => { if (watchErrors && m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => { if (watchErrors) errors.push(String(e)); });

  await page.goto(base + '/', { waitUntil: 'load' });
  const filled = await waitFor(page, () => ['c-cpu', 'c-mem', 'c-disk', 'c-net']
    .every((id) => /\d/.test(document.getElementById(id).textContent)), null, 5000);
  if (filled) {
    const cards = await page.evaluate(() => ({ cpu: document.getElementById('c-cpu').textContent, mem: document.getElementById('c-mem').textContent, memd: document.getElementById('c-mem-d').textContent }));
    // The memory card must agree with /proc/meminfo within a few points.
    const mi = require('fs').readFileSync('/proc/meminfo', 'utf8');
    const kb = (k) => Number(mi.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))[1]);
    const truth = 100 * (kb('MemTotal') - kb('MemAvailable')) / kb('MemTotal');
    const shown = parseFloat(cards.mem);
    if (Math.abs(shown - truth) < 5) ok('browser-cards-fill-with-real-values');
    else fail('browser-cards-fill-with-real-values', `memory card ${cards.mem} vs /proc/meminfo ${truth.toFixed(1)}%`);
  } else {
    fail('browser-cards-fill-with-real-values', 'CPU/memory/disk/network cards still empty after 5 s');
  }
  // No request in the window (webdemo publishes http_p95_ms null): no data, not "0 ms".
  const p95 = await page.evaluate(() => [document.getElementById('c-p95').textContent, document.getElementById('c-p95-d').textContent]);
  if (p95[0] === '—' && p95[1] === 'no requests in the last 10 s') ok('browser-p95-card-no-requests');
  else fail('browser-p95-card-no-requests', `p95 card '${p95[0]}' / '${p95[1]}', want '—' / 'no requests in the last 10 s'`);
  const host = await waitFor(page, () => /\S+ · /.test(document.getElementById('host-line').textContent), null, 3000);
  if (host) ok('browser-host-line'); else fail('browser-host-line', 'host line never filled');

  const x0 = await page.evaluate(() => window.hostlens.lastX());
  const moved = await waitFor(page, (x) => window.hostlens.lastX() > x, x0, 3000);
  if (moved) ok('browser-chart-updates-within-3s'); else fail('browser-chart-updates-within-3s', `chart's last x stayed ${x0}`);
  const pts = await page.evaluate(() => window.hostlens.points());
  const canvases = await page.evaluate(() => document.querySelectorAll('.chart canvas').length);
  if (canvases === 4 && pts >= 2) ok('browser-four-charts-drawn'); else fail('browser-four-charts-drawn', `${canvases} canvases, ${pts} points`);

  const procs = await waitFor(page, () => {
    const r = document.querySelectorAll('#t-procs tbody tr td');
    return r.length > 1 && /^\d+$/.test(r[0].textContent);
  }, null, 5000);
  if (procs) ok('browser-process-table'); else fail('browser-process-table', 'no process rows');
  const disks = await page.evaluate(() => [...document.querySelectorAll('#t-disks tbody tr')].map((tr) => tr.cells[0].textContent));
  const fs = require('fs');
  const real = fs.readdirSync('/sys/block').filter((d) => !/^(loop|ram)/.test(d));
  const agent = await page.evaluate(() => document.getElementById('agent').textContent);
  if (/kernel drops/.test(agent)) ok('browser-agent-panel'); else fail('browser-agent-panel', `agent panel: ${agent.slice(0, 80)}`);
  if (real.length && real.every((d) => disks.includes(d))) ok('browser-disk-table-matches-sys-block');
  else fail('browser-disk-table-matches-sys-block', `table ${disks.join(',')} vs /sys/block ${real.join(',')}`);

  await sleep(1200);
  await page.screenshot({ path: path.join(outdir, 'dashboard-desktop.png'), fullPage: true });
  ok('browser-screenshot-desktop');

  // Light theme toggle, remembered.
  await page.click('#theme');
  const light = await page.evaluate(() => document.documentElement.dataset.theme);
  if (light === 'light') ok('browser-light-theme'); else fail('browser-light-theme', `theme ${light}`);
  await sleep(300);
  await page.screenshot({ path: path.join(outdir, 'dashboard-desktop-light.png'), fullPage: false });
  await page.click('#theme');

  // Phone width: no sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload({ waitUntil: 'load' });
  await waitFor(page, () => /\d/.test(document.getElementById('c-cpu').textContent), null, 5000);
  await waitFor(page, () => window.hostlens.points() >= 2, null, 4000);
  await sleep(800);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow <= 1) ok('browser-phone-width-no-overflow'); else fail('browser-phone-width-no-overflow', `page is ${overflow}px wider than the screen`);
  await page.screenshot({ path: path.join(outdir, 'dashboard-phone.png'), fullPage: true });
  ok('browser-screenshot-phone');
  await page.setViewportSize({ width: 1440, height: 900 });

  // Hidden tab: the stream closes and no update arrives; visible again: resumes.
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const u0 = await page.evaluate(() => window.hostlens.updates());
  await sleep(2500);
  const u1 = await page.evaluate(() => window.hostlens.updates());
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const resumed = await waitFor(page, (u) => window.hostlens.updates() > u, u1, 4000);
  if (u1 === u0 && resumed) ok('browser-pauses-when-hidden');
  else fail('browser-pauses-when-hidden', `updates while hidden ${u1 - u0}, resumed ${resumed}`);

  if (errors.length === 0) ok('browser-no-console-errors');
  else fail('browser-no-console-errors', errors.slice(0, 3).join(' | '));

  // Outage: the banner shows, then clears by itself when the agent is back.
  watchErrors = false;
  await stopServer();
  const shown = await waitFor(page, () => !document.getElementById('banner').hidden, null, 8000);
  if (shown) ok('browser-banner-when-unreachable'); else fail('browser-banner-when-unreachable', 'no banner 8 s after the agent stopped');
  await page.screenshot({ path: path.join(outdir, 'dashboard-unreachable.png'), fullPage: false });
  await startServer();
  const cleared = await waitFor(page, () => document.getElementById('banner').hidden, null, 12000);
  const after = await page.evaluate(() => window.hostlens.updates());
  const flowing = await waitFor(page, (u) => window.hostlens.updates() > u, after, 4000);
  if (cleared && flowing) ok('browser-banner-clears-on-recovery');
  else fail('browser-banner-clears-on-recovery', `banner hidden ${cleared}, updates flowing ${flowing}`);

  await ctx.close();
  await stopServer();

  // --- with a read token ---------------------------------------------------
  const TOKEN = `br0wser-t0ken-${process.pid}`;
  await startServer(['--auth-token', TOKEN]);
  const ctx2 = await chromium.launchPersistentContext(profile + '-token', {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
  });
  const p2 = ctx2.pages()[0] || await ctx2.newPage();
  const urls = [];
  const errors2 = [];
  p2.on('request', (r) => urls.push(r.url()));
  p2.on('pageerror', (e) => errors2.push(String(e)));
  // An old link with the token in the query: taken out of the address bar, unused.
  await p2.goto(base + '/?access_token=stale-link', { waitUntil: 'load' });
  const scrubbed = await waitFor(p2, () => !location.search.includes('access_token'), null, 3000);
  if (scrubbed) ok('browser-token-old-query-link-scrubbed'); else fail('browser-token-old-query-link-scrubbed', `address bar ${p2.url()}`);
  const asked = await waitFor(p2, () => !document.getElementById('login').hidden, null, 5000);
  if (asked) ok('browser-token-form-shown-on-401'); else fail('browser-token-form-shown-on-401', 'no token form 5 s after the 401s');
  await p2.screenshot({ path: path.join(outdir, 'dashboard-token-form.png'), fullPage: false });
  await p2.fill('#login-token', TOKEN);
  await p2.click('#login button[type=submit]');
  const filled2 = await waitFor(p2, () => ['c-cpu', 'c-mem'].every((id) => /\d/.test(document.getElementById(id).textContent)), null, 6000);
  if (filled2) ok('browser-token-cards-fill'); else fail('browser-token-cards-fill', 'cards empty 6 s after the token was given');
  // The stream needs the token and takes it only from the header: updates
  // arriving prove the fetch-based reader sends it.
  const u2 = await p2.evaluate(() => window.hostlens.updates());
  const streaming = await waitFor(p2, (u) => window.hostlens.updates() >= u + 2, u2, 5000);
  if (streaming) ok('browser-token-live-stream-with-header'); else fail('browser-token-live-stream-with-header', `updates stayed at ${u2}`);
  const live = await p2.evaluate(() => document.getElementById('live-text').textContent);
  if (live === 'live') ok('browser-token-live-badge'); else fail('browser-token-live-badge', `badge '${live}'`);
  // Reloaded, the tab remembers it (sessionStorage): no form, data flows.
  await p2.reload({ waitUntil: 'load' });
  const again = await waitFor(p2, () => /\d/.test(document.getElementById('c-cpu').textContent) &&
    document.getElementById('login').hidden, null, 6000);
  if (again) ok('browser-token-remembered-in-tab'); else fail('browser-token-remembered-in-tab', 'asked again or no data after a reload');
  const leaked = urls.filter((u) => u.includes(TOKEN) || /access_token=(?!stale-link)/.test(u));
  if (leaked.length === 0 && urls.some((u) => u.endsWith('/api/v1/stream'))) ok('browser-token-never-in-a-url');
  else fail('browser-token-never-in-a-url', `${leaked.length} URLs carry it: ${leaked.slice(0, 2).join(' ')}`);
  if (errors2.length === 0) ok('browser-token-no-page-errors'); else fail('browser-token-no-page-errors', errors2.slice(0, 3).join(' | '));
  await ctx2.close();
  await stopServer();
  process.exit(failed);
})().catch(async (e) => {
  console.log(`FAIL browser-run: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' ') : e}`);
  try { await stopServer(); } catch (e2) { /* already gone */ }
  process.exit(1);
});
