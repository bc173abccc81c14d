// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// The fleet page in headless Chromium (see browser.sh): rows, values, the
// rollup chart, the agent link, the throttling notice, phone width.
// Usage: node browser.js FLEET_PORT PROXY_PORT OUTDIR PROFILE_DIR
'use strict';
const path = require('path');
const { chromium } = require(path.join(process.env.TOP, 'tests/js/node_modules/playwright-core'));

const [port, proxy, outdir, profile] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
let failed = 0;
const ok = (n) => console.log(`ok ${n}`);
const fail = (n, why) => { console.log(`FAIL ${n}: ${why}`); failed = 1; };
const check = (n, cond, why) => (cond ? ok(n) : fail(n, why));
async function waitFor(page, fn, arg, ms) {
  try { await page.waitForFunction(fn, arg, { timeout: ms, polling: 100 }); return true; } catch (e) { return false; }
}

(async () => {
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(base + '/');
    check('fleet_page_three_host_rows', await waitFor(page, () => window.hostlensFleet && window.hostlensFleet.rows() === 3, null, 15000),
      'rows: ' + await page.evaluate(() => window.hostlensFleet ? window.hostlensFleet.rows() : 'no page'));
    const cells = await page.evaluate(() => [...document.querySelectorAll('#t-hosts tbody tr')].map((tr) =>
      [...tr.children].map((td) => td.textContent.trim())));
    const w2 = cells.find((c) => c[0] === 'web-2') || [];
    check('fleet_page_values', w2[2] === '21.5%' && w2[6] === '201' && w2[7] === '25 ms' && w2[10] === 'cpu_high',
      JSON.stringify(w2));
    check('fleet_page_agent_link', await page.evaluate(() => {
      const a = document.querySelector('#t-hosts tr[data-source="web-1"] a');
      return !!a && a.href === 'http://web-1.example:9090/';
    }), 'no link to http://web-1.example:9090/');
    const drawn = await waitFor(page, () => window.hostlensFleet.chartPoints() === 6, null, 10000);
    const vals = await page.evaluate(() => window.hostlensFleet.chartValues().join(','));
    const canvas = await page.evaluate(() => {
      const c = document.querySelector('#ch-host canvas');
      if (!c) return 'no canvas';
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]) painted++;
      return `${c.width}x${c.height} painted ${painted}`;
    });
    check('fleet_page_rollup_chart_drawn', drawn && vals === '16,15,14,13,12,11' && /painted [1-9]/.test(canvas),
      `selected ${await page.evaluate(() => window.hostlensFleet.selected())}, values ${vals}, canvas ${canvas}`);
    check('fleet_page_no_errors', errors.length === 0, errors.slice(0, 3).join(' | '));
    await page.screenshot({ path: path.join(outdir, 'fleet-desktop.png'), fullPage: true });

    // Throttling: the notice comes, then goes once reads succeed again.
    await fetch(`http://127.0.0.1:${proxy}/__fault`, { method: 'POST', body: JSON.stringify({
      status: 400, type: 'ProvisionedThroughputExceededException', status_requests: 3, status_target: 'Query' }) });
    const shown = await waitFor(page, () => !document.getElementById('notice').hidden &&
      /throttling/.test(document.getElementById('notice').textContent), null, 10000);
    const rowsWhile = await page.evaluate(() => window.hostlensFleet.rows());
    check('fleet_page_throttle_notice', shown && rowsWhile === 3,
      `notice ${await page.evaluate(() => document.getElementById('notice').textContent)}, rows ${rowsWhile}`);
    await page.screenshot({ path: path.join(outdir, 'fleet-throttled.png'), fullPage: false });
    check('fleet_page_throttle_recovers', await waitFor(page, () => document.getElementById('notice').hidden, null, 25000),
      await page.evaluate(() => document.getElementById('notice').textContent));

    // Phone width: one column, nothing wider than the screen but the table's own scroller.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check('fleet_page_phone_width', over <= 0 && await page.evaluate(() => window.hostlensFleet.rows()) === 3,
      `page ${over}px wider than the screen`);
    await page.screenshot({ path: path.join(outdir, 'fleet-phone.png'), fullPage: true });
  } catch (e) {
    fail('fleet_browser', String(e));
  }
  await ctx.close();
  process.exit(failed);
})();
