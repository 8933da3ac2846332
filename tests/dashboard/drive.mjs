// Opens reco's dashboard in Debian's headless Chromium (playwright-core drives the system browser:
// nothing is downloaded), waits until the page has finished `refreshes` refreshes (a deadline,
// never a fixed sleep), reads what it shows and saves a full-page screenshot.
//
//   [RECO_DASHBOARD_KEY=<api key>] node drive.mjs <url> <screenshot.png> [timeout-ms] [refreshes]
//
// With RECO_DASHBOARD_KEY, the key is typed into the page's "API key" field and the form
// submitted after the first refresh, as a person would (what the page showed before is in the
// report's before_key); `refreshes` then counts from there.
// Prints one JSON object on stdout: the page's state and status line, each section's error, the
// rows of its tables (the data-* attributes the page writes beside the text), each chart's
// series, point count, canvas size and number of painted pixels, the requests the page made
// (with the Authorization header of each API request, and any made to another host or that
// failed), and the console errors. Exit 0 when the page
// finished refreshing (whatever it shows: tests/integration/test_dashboard.py judges that), 1 when
// it did not within the deadline, 2 on bad usage. The browser: $RECO_CHROMIUM or /usr/bin/chromium.
import {chromium} from 'playwright-core';

const [url, shotPath, timeoutArg, refreshesArg] = process.argv.slice(2);
if (!url || !shotPath) {
  console.error('usage: node drive.mjs <url> <screenshot.png> [timeout-ms] [refreshes]');
  process.exit(2);
}
const timeout = Number(timeoutArg || 20000);
const refreshes = Number(refreshesArg || 1);
const origin = new URL(url).origin;

const args = ['--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'];
if (process.getuid && process.getuid() === 0) args.push('--no-sandbox'); // Chromium refuses root otherwise

const browser = await chromium.launch({executablePath: process.env.RECO_CHROMIUM || '/usr/bin/chromium', headless: true,
  args, timeout});
const report = {requests: [], api_auth: [], foreign_requests: [], failed_requests: [], console_errors: [], page_errors: []};
let code = 0;
try {
  const context = await browser.newContext({viewport: {width: 1400, height: 1000}, deviceScaleFactor: 1});
  const page = await context.newPage();
  page.on('request', (r) => {
    report.requests.push(r.method() + ' ' + r.url());
    if (r.url().startsWith(origin + '/v1/')) report.api_auth.push([r.url(), r.headers().authorization || null]);
    if (!r.url().startsWith(origin + '/') && !r.url().startsWith('data:')) report.foreign_requests.push(r.url());
  });
  page.on('requestfailed', (r) => report.failed_requests.push(r.url() + ': ' + (r.failure() || {}).errorText));
  page.on('console', (m) => { if (m.type() === 'error') report.console_errors.push(m.text()); });
  page.on('pageerror', (e) => report.page_errors.push(String(e)));

  await page.goto(url, {waitUntil: 'load', timeout});
  const refreshed = (n) => page.waitForFunction((k) => Number(document.body.dataset.refreshCount || 0) >= k, n,
    {timeout, polling: 50});
  try {
    let target = refreshes;
    if (process.env.RECO_DASHBOARD_KEY) {
      await refreshed(1);
      report.before_key = await page.evaluate(readPage);
      report.refreshes_before_key = report.before_key.refresh_count;
      await page.fill('#api-key', process.env.RECO_DASHBOARD_KEY);
      await page.click('#settings button[type=submit]');
      target = report.refreshes_before_key + refreshes;
    }
    await refreshed(target);
  } catch (e) {
    report.wait_error = String(e.message || e).split('\n')[0];
    code = 1;
  }
  Object.assign(report, await page.evaluate(readPage));
  await page.screenshot({path: shotPath, fullPage: true});
  report.screenshot = shotPath;
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report) + '\n');
process.exit(code);

// Runs in the page: everything it shows, as data.
function readPage() {
  const rows = (sel) => [...document.querySelectorAll(sel)].map((el) => ({...el.dataset, text: el.textContent.trim()}));
  // painted: pixels not transparent; by_series: pixels of each series' own colour (its line or
  // points: the numbers drawn, not just axes and grid)
  const chart = (id) => {
    const el = document.getElementById(id);
    const canvas = el.querySelector('canvas');
    const colors = JSON.parse(el.dataset.colors || '[]').map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
    const bySeries = colors.map(() => 0);
    let painted = 0;
    if (canvas && canvas.width && canvas.height) {
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] === 0) continue;
        painted++;
        if (px[i + 3] < 200) continue;
        colors.forEach((c, k) => {
          if (Math.abs(px[i] - c[0]) + Math.abs(px[i + 1] - c[1]) + Math.abs(px[i + 2] - c[2]) < 30) bySeries[k]++;
        });
      }
    }
    return {series: JSON.parse(el.dataset.series || '[]'), points: Number(el.dataset.points || 0),
      sums: JSON.parse(el.dataset.sums || '[]'),
      canvas: canvas ? {width: canvas.width, height: canvas.height} : null, painted, by_series: bySeries,
      legend: [...el.querySelectorAll('.u-legend .u-series .u-label')].map((l) => l.textContent.trim())};
  };
  const errors = {};
  for (const s of document.querySelectorAll('main section')) {
    const p = s.querySelector('.error');
    errors[s.id] = p && !p.hidden ? p.textContent : null;
  }
  return {
    state: document.body.dataset.state,
    refresh_count: Number(document.body.dataset.refreshCount || 0),
    status_line: document.getElementById('status-line').textContent,
    location: location.href,
    session_key: sessionStorage.getItem('reco.dashboard.apiKey'),
    tenant_input: document.getElementById('tenant').value,
    errors,
    events: rows('#events-table tbody tr'),
    ctr: rows('#ctr-table tbody tr'),
    models: rows('#models-table tbody tr'),
    top: rows('#top-items li'),
    charts: {events: chart('events-chart'), ctr: chart('ctr-chart')},
  };
}
