// Opens reco's dashboard in Debian's headless Chromium (playwright-core drives the system browser:
// nothing is downloaded) for one or more visits, in one browser (each visit in a fresh context:
// its own sessionStorage), waits until the page has finished the visit's refreshes (a deadline,
// never a fixed sleep), reads what it shows and, when asked, saves a full-page screenshot.
//
//   node drive.mjs '<spec as JSON>'
//   spec: {"timeout_ms": 20000, "visits": [{"url": ..., "refreshes": 1, "key": null, "screenshot": null}]}
//
// With a key, the key is typed into the page's "API key" field and the form submitted after the
// first refresh, as a person would (what the page showed before is the visit's before_key);
// `refreshes` then counts from there.
//
// Prints one JSON object on stdout: {launch_ms, visits: [report...]}; a report holds the page's
// state and status line, each section's error, the rows of its tables (the data-* attributes the
// page writes beside the text), each chart's series, the sums it was given, point count, canvas
// size, painted pixels and each series' own pixels, the requests the page made (with the
// Authorization header of each API request, and any made to another host or that failed), the
// console errors and timings. Exit 0 when every visit finished refreshing (whatever the page
// shows: tests/integration/test_dashboard.py judges that), 1 when one did not within the
// deadline, 2 on bad usage. The browser: $RECO_CHROMIUM or /usr/bin/chromium.
import {chromium} from 'playwright-core';

let spec;
try {
  spec = JSON.parse(process.argv[2] || '');
  if (!Array.isArray(spec.visits) || !spec.visits.length) throw new Error('no visits');
} catch (e) {
  console.error('usage: node drive.mjs \'{"timeout_ms": 20000, "visits": [{"url": ..., "refreshes": 1, ' +
    '"key": null, "screenshot": null}]}\' (' + e.message + ')');
  process.exit(2);
}
const timeout = Number(spec.timeout_ms || 20000);

const args = ['--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'];
if (process.getuid && process.getuid() === 0) args.push('--no-sandbox'); // Chromium refuses root otherwise

const started = Date.now();
const browser = await chromium.launch({executablePath: process.env.RECO_CHROMIUM || '/usr/bin/chromium', headless: true,
  args, timeout});
const out = {launch_ms: Date.now() - started, visits: []};
let code = 0;
try {
  for (const visit of spec.visits) {
    const report = await drive(visit);
    if (report.wait_error) code = 1;
    out.visits.push(report);
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(code);

async function drive(visit) {
  const t0 = Date.now();
  const origin = new URL(visit.url).origin;
  const refreshes = Number(visit.refreshes || 1);
  const report = {url: visit.url, timing_ms: {}, requests: [], api_auth: [], foreign_requests: [], failed_requests: [],
    console_errors: [], page_errors: []};
  const context = await browser.newContext({viewport: {width: 1400, height: 1000}, deviceScaleFactor: 1});
  try {
    const page = await context.newPage();
    page.on('request', (r) => {
      report.requests.push(r.method() + ' ' + r.url());
      if (r.url().startsWith(origin + '/v1/')) report.api_auth.push([r.url(), r.headers().authorization || null]);
      if (!r.url().startsWith(origin + '/') && !r.url().startsWith('data:')) report.foreign_requests.push(r.url());
    });
    page.on('requestfailed', (r) => report.failed_requests.push(r.url() + ': ' + (r.failure() || {}).errorText));
    page.on('console', (m) => { if (m.type() === 'error') report.console_errors.push(m.text()); });
    page.on('pageerror', (e) => report.page_errors.push(String(e)));

    await page.goto(visit.url, {waitUntil: 'load', timeout});
    report.timing_ms.load = Date.now() - t0;
    const refreshed = (n) => page.waitForFunction((k) => Number(document.body.dataset.refreshCount || 0) >= k, n,
      {timeout, polling: 50});
    try {
      let target = refreshes;
      if (visit.key) {
        await refreshed(1);
        report.before_key = await page.evaluate(readPage);
        await page.fill('#api-key', visit.key);
        await page.click('#settings button[type=submit]');
        target = report.before_key.refresh_count + refreshes;
      }
      await refreshed(target);
    } catch (e) {
      report.wait_error = String(e.message || e).split('\n')[0];
    }
    report.timing_ms.refreshed = Date.now() - t0;
    Object.assign(report, await page.evaluate(readPage));
    if (visit.screenshot) {
      await page.screenshot({path: visit.screenshot, fullPage: true});
      report.screenshot = visit.screenshot;
      report.timing_ms.screenshot = Date.now() - t0;
    }
  } finally {
    await context.close();
  }
  return report;
}

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
