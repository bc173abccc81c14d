// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// The dashboard's Databases panel in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core) against a running agent that
// saw redis-benchmark: the servers table shows the redis server with its
// open connections, the calls table redis-benchmark's GET and SET counts
// as the API has them, and the page logs no error. A screenshot of the panel.
// Usage: node db_dashboard.js AGENT_PORT REDIS_PORT BENCH_PID N OUTDIR PROFILE_DIR
'use strict';
const path = require('path');
const { chromium } = require(path.join(process.env.TOP, 'tests/js/node_modules/playwright-core'));

const [port, rport, bench, n, outdir, profile] = process.argv.slice(2);
let failed = 0;
const ok = (name) => console.log(`ok ${name}`);
const fail = (name, why) => { console.log(`FAIL ${name}: ${why}`); failed = 1; };

(async () => {
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load' });
  const want = Number(n).toLocaleString();
  const rows = async (id) => page.evaluate((t) => [...document.querySelectorAll(`#${t} tbody tr`)]
    .map((r) => [...r.cells].map((c) => c.textContent)), id);
  let ops = [], servers = [];
  try {
    await page.waitForFunction(([b, w]) => [...document.querySelectorAll('#t-db-ops tbody tr')]
      .filter((r) => r.cells.length > 4 && r.cells[0].textContent.includes(`(${b})`) &&
        ['GET', 'SET'].includes(r.cells[3].textContent) && r.cells[4].textContent === w).length === 2,
    [bench, want], { timeout: 8000, polling: 200 });
  } catch (e) { /* reported below */ }
  ops = await rows('t-db-ops');
  servers = await rows('t-db-servers');
  const mine = ops.filter((r) => r[0].includes(`(${bench})`) && r[1] === 'client');
  const get = mine.find((r) => r[3] === 'GET'), set = mine.find((r) => r[3] === 'SET');
  if (get && set && get[4] === want && set[4] === want && get[2] === `redis 127.0.0.1:${rport}`)
    ok('db_dashboard_calls_table');
  else fail('db_dashboard_calls_table', `expected redis-benchmark (${bench}) GET and SET rows of ${want} to redis 127.0.0.1:${rport}, got ${JSON.stringify(mine)}`);
  const srv = servers.find((r) => r[1] === `127.0.0.1:${rport}`);
  if (srv && srv[0] === 'redis' && Number(srv[2]) >= 1 && /\d/.test(srv[5]))
    ok('db_dashboard_servers_table');
  else fail('db_dashboard_servers_table', `expected a redis row for 127.0.0.1:${rport} with open connections and a p95, got ${JSON.stringify(servers)}`);
  if (!errors.length) ok('db_dashboard_no_console_errors');
  else fail('db_dashboard_no_console_errors', errors.slice(0, 3).join(' | '));
  await page.locator('#databases').screenshot({ path: path.join(outdir, 'dashboard-databases.png') });
  await ctx.close();
  process.exit(failed);
})().catch((e) => { console.log(`FAIL db_dashboard: ${e}`); process.exit(1); });
