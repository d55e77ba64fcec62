import { createHash } from 'node:crypto';

/**
 * The live dashboard: one HTML page with its style and script inline, kept
 * in a module so that it is found the same way from src/ (tsx) and dist/
 * (tsc), with no build step. The page itself holds no data; it asks for the
 * admin token once, keeps it in sessionStorage (this tab only), and polls
 * /v1/admin/stats with it as a bearer header every second. Its
 * Content-Security-Policy allows exactly this style and this script (by
 * hash) and requests to its own origin: nothing else loads or runs.
 */

const STYLE = String.raw`
:root { color-scheme: dark; --bg: #0d1117; --card: #161b22; --line: #262d36; --text: #e6edf3;
  --muted: #8b949e; --ok: #3fb950; --warn: #d29922; --bad: #f85149; --accent: #58a6ff; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
header { display: flex; justify-content: space-between; align-items: center; padding: 14px 24px;
  border-bottom: 1px solid var(--line); }
.brand { font-weight: 600; font-size: 16px; letter-spacing: .2px; }
.brand .muted, .muted { color: var(--muted); font-weight: 400; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; background: var(--muted);
  margin-right: 8px; vertical-align: 1px; }
.dot.live { background: var(--ok); box-shadow: 0 0 0 3px rgba(63,185,80,.18); }
.dot.down { background: var(--bad); }
.meta { color: var(--muted); font-size: 13px; display: flex; gap: 14px; align-items: center; }
button { background: #21262d; color: var(--text); border: 1px solid #363b42; border-radius: 6px;
  padding: 6px 12px; font: inherit; cursor: pointer; }
button:hover { border-color: var(--muted); }
main { padding: 20px 24px 32px; max-width: 1360px; margin: 0 auto; }
.login { display: flex; justify-content: center; padding-top: 12vh; }
.login form { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 28px; width: 380px; }
.login h1 { font-size: 20px; margin: 0 0 8px; }
.login p { color: var(--muted); margin: 0 0 16px; }
.login input { width: 100%; padding: 9px 10px; margin-bottom: 12px; background: var(--bg);
  color: var(--text); border: 1px solid #363b42; border-radius: 6px; font: inherit; }
.login button { width: 100%; background: #238636; border-color: #2ea043; font-weight: 600; }
.error { color: var(--bad); min-height: 1.4em; margin: 12px 0 0; }
.tiles { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 14px; margin-bottom: 14px; }
.tile, .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
.tile { padding: 14px 16px 8px; }
.tile.alerting { border-color: var(--bad); box-shadow: inset 0 0 0 1px var(--bad); }
.tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .6px; }
.tile .value { font-size: 28px; font-weight: 600; margin: 4px 0 0; font-variant-numeric: tabular-nums; }
.tile .sub { color: var(--muted); font-size: 12px; min-height: 1.4em; font-variant-numeric: tabular-nums; }
.tile svg { width: 100%; height: 36px; display: block; margin-top: 6px; }
.charts { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 14px; }
.card { padding: 14px 16px; grid-column: span 2; min-width: 0; }
.card.wide { grid-column: span 3; }
.card h2 { font-size: 14px; font-weight: 600; margin: 0 0 2px; display: flex; justify-content: space-between; }
.card h2 span { color: var(--muted); font-weight: 400; font-variant-numeric: tabular-nums; }
.card svg { width: 100%; height: auto; display: block; }
.legend { display: flex; gap: 14px; color: var(--muted); font-size: 12px; margin: 2px 0 6px; }
.legend i { display: inline-block; width: 10px; height: 3px; border-radius: 2px; margin-right: 5px; vertical-align: 3px; }
.legend .p50 { background: #56d4c1; } .legend .p95 { background: #e3b341; } .legend .p99 { background: #f47067; }
.legend .rate { background: #58a6ff; } .legend .errors { background: #f47067; }
#alerts { list-style: none; margin: 6px 0 0; padding: 0; }
#alerts li { display: grid; grid-template-columns: 72px 1fr auto; gap: 10px; align-items: center;
  padding: 8px 0; border-top: 1px solid var(--line); }
#alerts li:first-child { border-top: 0; }
.badge { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .5px;
  text-align: center; border-radius: 999px; padding: 3px 0; }
.badge.ok { color: var(--ok); background: rgba(63,185,80,.12); }
.badge.pending { color: var(--warn); background: rgba(210,153,34,.14); }
.badge.firing { color: #fff; background: var(--bad); }
#alerts .name { font-weight: 600; }
#alerts .summary { color: var(--muted); font-size: 12px; }
#alerts .figure { font-variant-numeric: tabular-nums; color: var(--muted); font-size: 12px; text-align: right; }
@media (max-width: 1100px) { .tiles { grid-template-columns: repeat(3, 1fr); }
  .card, .card.wide { grid-column: span 6; } }
`;

const SCRIPT = String.raw`
(function () {
  'use strict';
  var KEY = 'astral-admin-token';
  var POLL_MS = 1000;
  var SVG = 'http://www.w3.org/2000/svg';
  var TOKEN_SHAPE = /^[A-Za-z0-9._~+\/-]+=*$/;
  var COLOR = { p50: '#56d4c1', p95: '#e3b341', p99: '#f47067', rate: '#58a6ff', errors: '#f47067',
    l1: '#56d4c1', l2: '#bc8cff', db: '#e3b341', grid: '#262d36', axis: '#8b949e' };
  var timer = null;

  function $(id) { return document.getElementById(id); }

  function show(view) {
    $('login').hidden = view !== 'login';
    $('board').hidden = view !== 'board';
    $('signout').hidden = view !== 'board';
    if (view === 'login') $('token').focus();
  }

  function start() {
    if (sessionStorage.getItem(KEY)) { show('board'); poll(); } else { show('login'); }
  }

  $('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var token = $('token').value.trim();
    $('token').value = '';
    if (!TOKEN_SHAPE.test(token)) { $('refused').textContent = 'That is not a token.'; return; }
    sessionStorage.setItem(KEY, token);
    $('refused').textContent = '';
    show('board');
    poll();
  });

  $('signout').addEventListener('click', function () {
    sessionStorage.removeItem(KEY);
    clearTimeout(timer);
    live(null);
    show('login');
  });

  function poll() {
    clearTimeout(timer);
    var headers = { authorization: 'Bearer ' + sessionStorage.getItem(KEY) };
    fetch('/v1/admin/stats', { headers: headers, cache: 'no-store' })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) return response.json().then(refuse);
        if (!response.ok) throw new Error('status ' + response.status);
        return response.json().then(function (stats) {
          render(stats);
          live(true);
          timer = setTimeout(poll, POLL_MS);
        });
      })
      .catch(function () { live(false); timer = setTimeout(poll, POLL_MS * 2); });
  }

  function refuse(body) {
    sessionStorage.removeItem(KEY);
    live(null);
    show('login');
    var error = body && body.error;
    $('refused').textContent = 'Refused: ' + (error ? error.message + ' (' + error.code + ')' : 'not an admin');
  }

  function live(up) {
    $('live').className = 'dot' + (up === true ? ' live' : up === false ? ' down' : '');
  }

  function render(s) {
    var firing = {};
    s.alerts.forEach(function (a) { firing[a.name] = a.state === 'firing'; });
    var api = s.latency.api, query = s.latency.query;
    tile('rate', rate(s.requestRate), api.count.toLocaleString('en-US') + ' API requests in ' + s.windowSeconds + ' s', s.series.requestRate, COLOR.rate, false);
    tile('errors', pct(s.errorRate), '5xx share of API requests', s.series.errorRate, COLOR.errors, firing.error_rate);
    tile('api', ms(api.p95), 'p50 ' + ms(api.p50) + ' · p99 ' + ms(api.p99), s.series.api.p95, COLOR.p95, firing.api_latency);
    tile('query', ms(query.p95), 'p50 ' + ms(query.p50) + ' · p99 ' + ms(query.p99), s.series.query.p95, COLOR.p95, firing.query_time);
    tile('cache', pct(s.cache.hitRatio), tierLine(s.cache.tiers), s.series.cacheHitRatio, COLOR.l1, firing.cache_hit_ratio);
    tile('pool', pct(s.pool.use), s.pool.inUse + ' of ' + s.pool.max + ' in use · ' + s.pool.waiting + ' waiting', s.series.poolUse, COLOR.rate, firing.pool_use);
    latencyChart('login', s.latency.login, s.series.login, s.series.at, s.windowSeconds);
    latencyChart('session', s.latency.session, s.series.session, s.series.at, s.windowSeconds);
    lineChart($('chart-rate'), s.series.at, s.windowSeconds, [{ color: COLOR.rate, values: s.series.requestRate, fill: true }], rate, 1);
    $('rate-now').textContent = rate(s.requestRate) + ' now · ' + pct(s.errorRate) + ' errors';
    cacheBars($('chart-cache'), s.cache.tiers);
    alerts(s.alerts);
    $('sampled').textContent = s.sampledAt ? 'sampled ' + new Date(s.sampledAt).toLocaleTimeString() + ' · window ' + s.windowSeconds + ' s' : 'waiting for the first sample';
  }

  function tile(id, value, sub, series, color, alerting) {
    var element = $('tile-' + id);
    element.querySelector('.value').textContent = value;
    element.querySelector('.sub').textContent = sub;
    element.classList.toggle('alerting', !!alerting);
    var svg = element.querySelector('svg');
    if (svg && series) spark(svg, series, color);
  }

  function latencyChart(id, now, series, at, window) {
    $(id + '-now').textContent = 'p50 ' + ms(now.p50) + ' · p95 ' + ms(now.p95) + ' · p99 ' + ms(now.p99);
    lineChart($('chart-' + id), at, window, [
      { color: COLOR.p50, values: series.p50 },
      { color: COLOR.p95, values: series.p95 },
      { color: COLOR.p99, values: series.p99 }
    ], ms, 0.1);
  }

  function node(name, attributes, parent) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    if (parent) parent.appendChild(element);
    return element;
  }

  function text(parent, x, y, content, anchor, color) {
    var label = node('text', { x: x, y: y, 'text-anchor': anchor || 'start', fill: color || COLOR.axis, 'font-size': 11 }, parent);
    label.textContent = content;
  }

  // The top of a scale and its gridlines: at most five steps of 1, 2, 2.5 or 5 times a power of ten.
  function scale(values, floor) {
    var max = floor;
    values.forEach(function (v) { if (v !== null && v > max) max = v; });
    var power = Math.pow(10, Math.floor(Math.log10(max / 5)));
    var step = [1, 2, 2.5, 5, 10].map(function (f) { return f * power; }).filter(function (c) { return max / c <= 5; })[0];
    var steps = Math.max(1, Math.ceil(max / step - 1e-9));
    return { top: step * steps, steps: steps };
  }

  function path(values, x, y) {
    var d = '', pen = false;
    values.forEach(function (v, i) {
      if (v === null || v === undefined) { pen = false; return; }
      d += (pen ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(v).toFixed(1);
      pen = true;
    });
    return d;
  }

  // Charts are drawn at the size they are shown, so their text stays 11 px whatever the card width.
  function widthOf(svg) {
    return Math.max(280, Math.round(svg.parentNode.clientWidth - 32));
  }

  function lineChart(svg, at, window, lines, format, floor) {
    var W = widthOf(svg), H = 210, L = 56, R = 10, T = 10, B = 24;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.replaceChildren();
    var all = [];
    lines.forEach(function (line) { all = all.concat(line.values); });
    var grid = scale(all, floor), top = grid.top;
    var end = at.length ? at[at.length - 1] : 0, span = window * 1000;
    var x = function (i) { return L + (W - L - R) * (1 - (end - at[i]) / span); };
    var y = function (v) { return T + (H - T - B) * (1 - v / top); };
    for (var g = 0; g <= grid.steps; g++) {
      var gy = T + (H - T - B) * g / grid.steps;
      node('line', { x1: L, x2: W - R, y1: gy, y2: gy, stroke: COLOR.grid, 'stroke-width': 1 }, svg);
      text(svg, L - 8, gy + 4, format(top * (1 - g / grid.steps)), 'end');
    }
    text(svg, L, H - 6, '−' + window + ' s');
    text(svg, (L + W - R) / 2, H - 6, '−' + Math.round(window / 2) + ' s', 'middle');
    text(svg, W - R, H - 6, 'now', 'end');
    if (!all.some(function (v) { return v !== null; })) {
      text(svg, (L + W - R) / 2, H / 2, 'no data in the window yet', 'middle');
      return;
    }
    lines.forEach(function (line) {
      var d = path(line.values, x, y);
      if (line.fill && d) {
        var first = line.values.findIndex(function (v) { return v !== null; });
        node('path', { d: d + 'L' + x(line.values.length - 1).toFixed(1) + ' ' + y(0) + 'L' + x(first).toFixed(1) + ' ' + y(0) + 'Z', fill: line.color, 'fill-opacity': 0.15 }, svg);
      }
      node('path', { d: d, fill: 'none', stroke: line.color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'stroke-linecap': 'round' }, svg);
    });
  }

  function spark(svg, values, color) {
    var W = 200, H = 36;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.replaceChildren();
    var top = scale(values, 1e-9).top;
    var n = Math.max(values.length - 1, 1);
    var d = path(values, function (i) { return W * i / n; }, function (v) { return H - 2 - (H - 4) * v / top; });
    if (d) node('path', { d: d, fill: 'none', stroke: color, 'stroke-width': 1.5, 'vector-effect': 'non-scaling-stroke' }, svg);
  }

  function cacheBars(svg, tiers) {
    var W = widthOf(svg), H = 150, L = 40, R = 10, rowH = 46;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.replaceChildren();
    ['l1', 'l2', 'db'].forEach(function (tier, row) {
      var t = tiers[tier], y = 8 + row * rowH, width = W - L - R;
      text(svg, 0, y + 15, tier.toUpperCase(), 'start', '#e6edf3');
      node('rect', { x: L, y: y + 4, width: width, height: 14, rx: 4, fill: COLOR.grid }, svg);
      if (t.ratio !== null) node('rect', { x: L, y: y + 4, width: Math.max(2, width * t.ratio), height: 14, rx: 4, fill: COLOR[tier] }, svg);
      var detail = t.hits + t.misses === 0 ? 'no lookups in the window' : pct(t.ratio) + ' · ' + t.hits.toLocaleString('en-US') + ' hits, ' + t.misses.toLocaleString('en-US') + ' misses';
      text(svg, L, y + 34, detail);
    });
  }

  function alerts(list) {
    var order = { firing: 0, pending: 1, ok: 2 };
    var items = list.slice().sort(function (a, b) { return order[a.state] - order[b.state]; }).map(function (a) {
      var li = document.createElement('li');
      li.dataset.alert = a.name;
      li.dataset.state = a.state;
      var badge = document.createElement('span');
      badge.className = 'badge ' + a.state;
      badge.textContent = a.state;
      var what = document.createElement('div');
      var name = document.createElement('div');
      name.className = 'name';
      name.textContent = a.name;
      var summary = document.createElement('div');
      summary.className = 'summary';
      summary.textContent = a.summary;
      what.append(name, summary);
      var figure = document.createElement('div');
      figure.className = 'figure';
      var show = a.unit === 'ms' ? ms : pct;
      figure.textContent = (a.value === null ? '—' : show(a.value)) + ' / ' + show(a.threshold);
      li.append(badge, what, figure);
      return li;
    });
    $('alerts').replaceChildren.apply($('alerts'), items);
    var count = list.filter(function (a) { return a.state === 'firing'; }).length;
    $('alerts-now').textContent = count === 0 ? 'none firing' : count + ' firing';
  }

  function tierLine(tiers) {
    return ['l1', 'l2', 'db'].map(function (t) { return t.toUpperCase() + ' ' + pct(tiers[t].ratio); }).join(' · ');
  }

  function ms(v) {
    if (v === null || v === undefined) return '—';
    if (v === 0) return '0 ms';
    if (v < 1) return v.toFixed(2) + ' ms';
    if (v < 10) return v.toFixed(1) + ' ms';
    return Math.round(v) + ' ms';
  }

  function pct(v) {
    if (v === null || v === undefined) return '—';
    var p = v * 100;
    return String(Number(p.toFixed(p >= 10 ? 1 : 2))) + ' %';
  }

  function rate(v) {
    return (v >= 100 || v === 0 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1)) + '/s';
  }

  start();
})();
`;

const BODY = String.raw`
<header>
  <div class="brand"><span id="live" class="dot"></span>astral-auth <span class="muted">· live</span></div>
  <div class="meta"><span id="sampled"></span><button id="signout" type="button" hidden>Sign out</button></div>
</header>
<main>
  <section id="login" class="login" hidden>
    <form id="token-form" autocomplete="off">
      <h1>Operations dashboard</h1>
      <p>Enter the admin token (ASTRAL_ADMIN_TOKEN). It is kept in this tab only and sent as a header.</p>
      <input id="token" type="password" placeholder="admin token" aria-label="admin token" spellcheck="false" required>
      <button type="submit">Open dashboard</button>
      <p id="refused" class="error" role="alert"></p>
    </form>
  </section>
  <section id="board" hidden>
    <div class="tiles">
      <div class="tile" id="tile-rate"><div class="label">Requests</div><div class="value">—</div><div class="sub"></div><svg></svg></div>
      <div class="tile" id="tile-errors"><div class="label">Error rate</div><div class="value">—</div><div class="sub"></div><svg></svg></div>
      <div class="tile" id="tile-api"><div class="label">API latency p95</div><div class="value">—</div><div class="sub"></div><svg></svg></div>
      <div class="tile" id="tile-query"><div class="label">Query time p95</div><div class="value">—</div><div class="sub"></div><svg></svg></div>
      <div class="tile" id="tile-cache"><div class="label">Cache hit ratio</div><div class="value">—</div><div class="sub"></div><svg></svg></div>
      <div class="tile" id="tile-pool"><div class="label">Pool in use</div><div class="value">—</div><div class="sub"></div><svg></svg></div>
    </div>
    <div class="charts">
      <article class="card wide"><h2>Login <span id="login-now"></span></h2>
        <div class="legend"><span><i class="p50"></i>p50</span><span><i class="p95"></i>p95</span><span><i class="p99"></i>p99</span></div>
        <svg id="chart-login" role="img" aria-label="login latency"></svg></article>
      <article class="card wide"><h2>Session validation <span id="session-now"></span></h2>
        <div class="legend"><span><i class="p50"></i>p50</span><span><i class="p95"></i>p95</span><span><i class="p99"></i>p99</span></div>
        <svg id="chart-session" role="img" aria-label="session validation latency"></svg></article>
      <article class="card"><h2>Request rate <span id="rate-now"></span></h2>
        <div class="legend"><span><i class="rate"></i>API requests per second</span></div>
        <svg id="chart-rate" role="img" aria-label="request rate"></svg></article>
      <article class="card"><h2>Cache hit ratio by tier</h2>
        <div class="legend"><span>share of lookups each tier answered</span></div>
        <svg id="chart-cache" role="img" aria-label="cache hit ratio by tier"></svg></article>
      <article class="card"><h2>Alerts <span id="alerts-now"></span></h2><ul id="alerts"></ul></article>
    </div>
  </section>
</main>
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>astral-auth · dashboard</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>${BODY}<script>${SCRIPT}</script>
</body>
</html>
`;

/** Only this page's own style and script, and requests back to the service. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
