/* reco dashboard — one tenant's events, CTR per scenario and variant, models and top items.
 *
 * Every number comes from this gateway's API, fetched again every N seconds:
 *   GET /v1/{tenant}/status                       events per type and per minute, models
 *   GET /v1/{tenant}/stats                        impressions, clicks, CTR, ... per day, scenario, variant
 *   GET /v1/{tenant}/recommend?model=popular      top items
 * Charts are drawn with uPlot (copied next to this file by the build); the same numbers are in the
 * tables beside them, as text and as data-* attributes (tests/dashboard/ reads them). An API error
 * is shown in the section that needed the answer, with its status, code and message. With auth
 * on, the API key typed in is kept in sessionStorage (never in the URL) and sent as
 * Authorization: Bearer. */
'use strict';

(function () {
  const KEY_STORAGE = 'reco.dashboard.apiKey';
  const COLORS = ['#2f6fde', '#e0692b', '#1f9d55', '#c2255c', '#7048e8', '#0b9aa8', '#b08900', '#5c677d',
    '#d6336c', '#37b24d'];
  const TOP_LIMIT = 10;

  const charts = {}; // section id -> uPlot instance
  const state = {tenant: '', refreshS: 10, timer: null, generation: 0, count: 0};

  const $ = (sel, root) => (root || document).querySelector(sel);

  class ApiError extends Error {
    constructor(path, status, code, message) {
      super(message);
      this.path = path;
      this.status = status;
      this.code = code;
    }
    toString() {
      return 'GET ' + this.path + ' → ' + (this.status ? this.status + ' ' : '') + this.code + ': ' + this.message;
    }
  }

  async function api(path) {
    const headers = {Accept: 'application/json'};
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) headers.Authorization = 'Bearer ' + key;
    let resp;
    try {
      resp = await fetch(path, {headers, cache: 'no-store'});
    } catch (e) {
      throw new ApiError(path, 0, 'network_error', String(e.message || e));
    }
    const text = await resp.text();
    let body = null;
    try {
      body = JSON.parse(text);
    } catch (e) {
      body = null;
    }
    if (!resp.ok) {
      const err = (body && body.error) || {};
      throw new ApiError(path, resp.status, err.code || 'http_' + resp.status, err.message || text.slice(0, 300));
    }
    if (body === null || typeof body !== 'object') throw new ApiError(path, resp.status, 'invalid_json', 'not a JSON object');
    return body;
  }

  // ---- formatting -----------------------------------------------------------------------------
  const fmtInt = (n) => Number(n || 0).toLocaleString('en-US');
  const fmtPct = (x) => (100 * x).toFixed(2) + ' %';
  const fmtMoney = (x) => Number(x || 0).toFixed(2);
  function fmtAge(s) {
    if (s == null) return '';
    if (s < 120) return Math.round(s) + ' s';
    if (s < 7200) return Math.round(s / 60) + ' min';
    if (s < 172800) return (s / 3600).toFixed(1) + ' h';
    return (s / 86400).toFixed(1) + ' d';
  }
  function fmtMs(ms) {
    if (ms == null) return '';
    return ms < 1000 ? Math.round(ms) + ' ms' : (ms / 1000).toFixed(2) + ' s';
  }
  const fmtTime = (ms) => (ms ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '') : '');

  function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }
  function swatch(color) {
    const s = document.createElement('span');
    s.className = 'swatch';
    s.style.background = color;
    return s;
  }

  function showError(section, err) {
    const p = $('#' + section + ' .error');
    p.hidden = !err;
    p.textContent = err ? String(err) : '';
    $('#' + section).dataset.error = err ? (err.code || 'error') : '';
  }
  // An answer that failed leaves nothing of an earlier one behind (it may be another tenant's).
  function clearSection(section) {
    if (charts[section]) {
      charts[section].destroy();
      delete charts[section];
    }
    for (const el of document.querySelectorAll('#' + section + ' tbody, #' + section + ' ol, #' + section + ' .chart')) {
      el.textContent = '';
      delete el.dataset.series;
      delete el.dataset.points;
      delete el.dataset.colors;
      delete el.dataset.sums;
    }
    showEmpty(section, false);
  }
  function showEmpty(section, empty) {
    const p = $('#' + section + ' .empty');
    if (p) p.hidden = !empty;
  }

  // ---- charts ---------------------------------------------------------------------------------
  function drawChart(section, el, opts, data) {
    if (charts[section]) {
      charts[section].destroy();
      delete charts[section];
    }
    el.textContent = '';
    const points = data[0].length;
    el.dataset.series = JSON.stringify(opts.series.slice(1).map((s) => s.label));
    el.dataset.colors = JSON.stringify(opts.series.slice(1).map((s) => s.stroke));
    el.dataset.points = String(points);
    delete el.dataset.sums;
    if (!points || opts.series.length < 2) return;
    opts.width = Math.max(300, el.clientWidth || 600);
    opts.tzDate = (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); // axes in UTC, as the API's minutes and days
    charts[section] = new uPlot(opts, data, el);
    // what the chart was given, per series (the browser test compares it with the API)
    el.dataset.sums = JSON.stringify(charts[section].data.slice(1).map((a) => a.reduce((s, v) => s + (v || 0), 0)));
  }

  function resizeCharts() {
    for (const [section, chart] of Object.entries(charts)) {
      const el = chart.root.parentNode;
      chart.setSize({width: Math.max(300, el.clientWidth || 600), height: chart.height});
    }
  }

  // ---- events ---------------------------------------------------------------------------------
  function renderEvents(status) {
    const perMinute = Array.isArray(status.events_per_minute) ? status.events_per_minute : [];
    const totals = status.events || {};
    const types = new Set(Object.keys(totals));
    for (const m of perMinute) Object.keys(m.counts || {}).forEach((t) => types.add(t));
    const sorted = [...types].sort();
    const xs = perMinute.map((m) => m.minute * 60);
    const series = sorted.map((t) => perMinute.map((m) => (m.counts && m.counts[t]) || 0));
    const color = (i) => COLORS[i % COLORS.length];

    drawChart('events', $('#events-chart'), {
      height: 220,
      scales: {x: {time: true}},
      series: [{}].concat(sorted.map((t, i) => ({label: t, stroke: color(i), width: 2, points: {show: xs.length < 3}}))),
      axes: [{}, {label: 'events / minute', size: 60}],
    }, [xs].concat(series));
    showEmpty('events', sorted.length === 0);

    const tbody = $('#events-table tbody');
    tbody.textContent = '';
    sorted.forEach((t, i) => {
      const recent = series[i].reduce((a, b) => a + b, 0);
      const tr = document.createElement('tr');
      tr.dataset.type = t;
      tr.dataset.recent = String(recent);
      tr.dataset.total = String(totals[t] || 0);
      const name = cell(t);
      name.prepend(swatch(color(i)));
      tr.append(name, cell(fmtInt(recent), 'num'), cell(fmtInt(totals[t] || 0), 'num'));
      tbody.append(tr);
    });
  }

  // ---- models ---------------------------------------------------------------------------------
  function renderModels(status) {
    const models = Array.isArray(status.models) ? status.models : [];
    const tbody = $('#models-table tbody');
    tbody.textContent = '';
    for (const m of models) {
      const tr = document.createElement('tr');
      tr.dataset.model = m.model;
      tr.dataset.version = String(m.version);
      tr.dataset.builtAt = String(m.built_at);
      tr.dataset.ageS = String(m.age_s);
      tr.dataset.durationMs = String(m.duration_ms);
      tr.dataset.keys = String(m.keys);
      tr.append(cell(m.model), cell(String(m.version), 'num'), cell(fmtTime(m.built_at)), cell(fmtAge(m.age_s), 'num'),
        cell(fmtMs(m.duration_ms), 'num'), cell(fmtInt(m.keys), 'num'));
      tbody.append(tr);
    }
    showEmpty('models', models.length === 0);
  }

  // ---- CTR ------------------------------------------------------------------------------------
  // Rows are per day, scenario, variant and model (a variant's fallbacks are models too): the
  // table and the chart sum a variant's models, per period and per day.
  function renderStats(body) {
    const rows = Array.isArray(body.stats) ? body.stats : [];
    $('#ctr-period').textContent = body.from && body.to ? '(' + body.from + ' to ' + body.to + ', per day)' : '';
    const groups = new Map(); // "scenario\u0000variant" -> totals and per-day CTR
    const days = [...new Set(rows.map((r) => r.day))].sort();
    for (const r of rows) {
      const k = r.scenario + '\u0000' + r.variant;
      if (!groups.has(k)) {
        groups.set(k, {scenario: r.scenario, variant: r.variant, impressions: 0, clicks: 0, conversions: 0, revenue: 0,
          byDay: new Map()});
      }
      const g = groups.get(k);
      g.impressions += r.impressions || 0;
      g.clicks += r.clicks || 0;
      g.conversions += r.conversions || 0;
      g.revenue += r.revenue || 0;
      const d = g.byDay.get(r.day) || {impressions: 0, clicks: 0};
      d.impressions += r.impressions || 0;
      d.clicks += r.clicks || 0;
      g.byDay.set(r.day, d);
    }
    const dayCtr = (d) => (d && d.impressions ? (100 * d.clicks) / d.impressions : null);
    const list = [...groups.values()].sort((a, b) => (a.scenario + '\u0000' + a.variant).localeCompare(b.scenario +
      '\u0000' + b.variant));
    const color = (i) => COLORS[i % COLORS.length];
    const xs = days.map((d) => Date.parse(d + 'T00:00:00Z') / 1000);
    // the x axis spans the period asked (a day either side), however few days have data
    const from = Date.parse(body.from + 'T00:00:00Z') / 1000;
    const to = Date.parse(body.to + 'T00:00:00Z') / 1000;
    const period = Number.isFinite(from) && Number.isFinite(to) ? [from - 43200, to + 43200] : null;

    drawChart('ctr', $('#ctr-chart'), {
      height: 220,
      scales: {x: {time: true, range: (u, min, max) => period || [min - 86400, max + 86400]},
        y: {range: (u, min, max) => [0, Math.max(1, Math.ceil(max * 1.1))]}},
      series: [{}].concat(list.map((g, i) => ({label: g.scenario + ' / ' + g.variant, stroke: color(i), width: 2,
        points: {show: true, size: 9}, spanGaps: true, value: (u, v) => (v == null ? '–' : v.toFixed(2) + ' %')}))),
      axes: [{}, {label: 'CTR %', size: 60}],
    }, [xs].concat(list.map((g) => days.map((d) => dayCtr(g.byDay.get(d))))));
    showEmpty('ctr', list.length === 0);

    const tbody = $('#ctr-table tbody');
    tbody.textContent = '';
    list.forEach((g, i) => {
      const ctr = g.impressions ? g.clicks / g.impressions : 0;
      const tr = document.createElement('tr');
      Object.assign(tr.dataset, {scenario: g.scenario, variant: g.variant, impressions: String(g.impressions),
        clicks: String(g.clicks), ctr: String(ctr), conversions: String(g.conversions), revenue: String(g.revenue)});
      const name = cell(g.scenario);
      name.prepend(swatch(color(i)));
      tr.append(name, cell(g.variant), cell(fmtInt(g.impressions), 'num'), cell(fmtInt(g.clicks), 'num'),
        cell(fmtPct(ctr), 'num'), cell(fmtInt(g.conversions), 'num'), cell(fmtMoney(g.revenue), 'num'));
      tbody.append(tr);
    });
  }

  // ---- top items ------------------------------------------------------------------------------
  function renderTop(body) {
    const ol = $('#top-items');
    ol.textContent = '';
    for (const r of body.recommendations || []) {
      const li = document.createElement('li');
      li.dataset.item = r.item;
      li.dataset.score = String(r.score);
      li.textContent = r.item;
      const score = document.createElement('span');
      score.className = 'score';
      score.textContent = typeof r.score === 'number' ? r.score.toLocaleString('en-US', {maximumFractionDigits: 4}) : '';
      li.append(score);
      ol.append(li);
    }
    $('#top').dataset.version = String(body.version || '');
    showEmpty('top', !ol.children.length);
  }

  // ---- refresh loop ---------------------------------------------------------------------------
  function setStatus(text, stateName) {
    $('#status-line').textContent = text;
    document.body.dataset.state = stateName;
  }

  async function refresh() {
    const generation = ++state.generation;
    clearTimeout(state.timer);
    if (!state.tenant) {
      setStatus('Enter a tenant.', 'idle');
      return;
    }
    setStatus('Loading tenant ' + state.tenant + '…', 'loading');
    const t = encodeURIComponent(state.tenant);
    const [status, stats, top] = await Promise.allSettled([api('/v1/' + t + '/status'), api('/v1/' + t + '/stats'),
      api('/v1/' + t + '/recommend?model=popular&limit=' + TOP_LIMIT)]);
    if (generation !== state.generation) return; // a newer refresh started meanwhile
    const failed = [];
    const apply = (result, sections, render) => {
      for (const s of sections) showError(s, result.status === 'rejected' ? result.reason : null);
      if (result.status === 'rejected') {
        sections.forEach(clearSection);
        failed.push(result.reason);
        return;
      }
      try {
        render(result.value);
      } catch (e) { // an answer of an unexpected shape: said, not swallowed
        failed.push(e);
        for (const s of sections) showError(s, 'cannot show the answer: ' + e.message);
      }
    };
    apply(status, ['events', 'models'], (v) => {
      renderEvents(v);
      renderModels(v);
    });
    apply(stats, ['ctr'], renderStats);
    apply(top, ['top'], renderTop);
    state.count += 1;
    document.body.dataset.refreshCount = String(state.count);
    document.body.dataset.refreshedAt = String(Date.now());
    const when = new Date().toISOString().slice(11, 19) + ' UTC';
    if (failed.length) {
      setStatus('Tenant ' + state.tenant + ': ' + failed.length + ' of 3 requests failed at ' + when + ' (see below); ' +
        'retrying in ' + state.refreshS + ' s.', 'error');
    } else {
      setStatus('Tenant ' + state.tenant + ': refreshed at ' + when + '; next in ' + state.refreshS + ' s.', 'ready');
    }
    state.timer = setTimeout(refresh, state.refreshS * 1000);
  }

  function readSettings() {
    state.tenant = $('#tenant').value.trim();
    const r = parseInt($('#refresh').value, 10);
    state.refreshS = Number.isFinite(r) ? Math.min(3600, Math.max(2, r)) : 10;
    $('#refresh').value = String(state.refreshS);
    const key = $('#api-key').value;
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
    const params = new URLSearchParams(location.search);
    if (state.tenant) params.set('tenant', state.tenant);
    else params.delete('tenant');
    params.set('refresh', String(state.refreshS));
    history.replaceState(null, '', '?' + params.toString());
  }

  function start() {
    if (typeof uPlot !== 'function') {
      setStatus('The charting library (uPlot.iife.min.js) did not load: rebuild the gateway (meson compile).', 'error');
      return;
    }
    const params = new URLSearchParams(location.search);
    $('#tenant').value = params.get('tenant') || '';
    if (params.get('refresh')) $('#refresh').value = params.get('refresh');
    $('#api-key').value = sessionStorage.getItem(KEY_STORAGE) || '';
    $('#settings').addEventListener('submit', (ev) => {
      ev.preventDefault();
      readSettings();
      refresh();
    });
    let resizeTimer = null;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(resizeCharts, 150);
    });
    readSettings();
    refresh();
  }

  start();
})();
