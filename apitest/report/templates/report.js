/* apitest HTML report: draws the tabs from the JSON in <script id="data">.
 * Only what is on screen is drawn: the Overview at once, Coverage and Cases when first opened,
 * one page of cases at a time, at most DATA.maxBars timeline bars. Nothing is fetched. */
(function () {
  "use strict";
  var errors = [];
  window.__reportErrors = errors; /* read by the browser test: any JS error fails it */
  window.addEventListener("error", function (e) { errors.push(String(e.message || e)); });
  window.addEventListener("unhandledrejection", function (e) {
    errors.push("unhandled rejection: " + String(e.reason));
  });

  const DATA = JSON.parse(document.getElementById("data").textContent);
  const S = DATA.strings;
  const RUN = DATA.run;
  const str = (i) => (i === null || i === undefined ? null : S[i]);
  const pairs = (flat) => {
    const out = [];
    for (let i = 0; i < flat.length; i += 2) out.push([S[flat[i]], S[flat[i + 1]]]);
    return out;
  };
  /* Field order: html.py `_case_row` and `_call_row`. */
  const CASES = DATA.cases.map((r, i) => ({
    i: i, id: S[r[0]], chain: S[r[1]], n: r[2], resource: S[r[3]], operation: S[r[4]],
    text: S[r[5]], stepKind: S[r[6]], kind: S[r[7]], status: S[r[8]], message: S[r[9]],
    details: r[10], notes: r[11], method: str(r[12]) || "", url: str(r[13]) || "", http: r[14],
    started: r[15], dur: r[16], waited: r[17], throttle: r[18], attempts: r[19],
    eventually: r[20], file: str(r[21]), line: r[22], errorResponse: r[23], calls: r[24],
    logs: r[25] || [], repro: r[26] || null, shard: r[27] || 0,
  }));
  const BY_ID = new Map(CASES.map((c) => [c.id, c]));
  const STATUS_LABEL = { passed: "\u2713 PASS", failed: "\u2717 FAIL", error: "! ERROR", skipped: "\u2013 SKIP" };
  const STATUS_RANK = { failed: 0, error: 1, skipped: 2, passed: 3 };
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function esc(value) {
    return String(value).replace(/[&<>"']/g, (ch) => (
      { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch]));
  }
  function num(n) { return Number(n).toLocaleString("en-US"); }
  function ms(value) {
    if (value === null || value === undefined) return "\u2013";
    if (value < 1000) return (value < 10 ? value.toFixed(1) : value.toFixed(0)) + " ms";
    return (value / 1000).toFixed(2) + " s";
  }
  function badge(status) { return '<span class="badge ' + esc(status) + '">' + (STATUS_LABEL[status] || esc(status)) + "</span>"; }
  function el(id) { return document.getElementById(id); }

  /* ---------- tabs ---------- */
  const TABS = ["overview", "coverage", "cases"];
  const drawn = {};
  const DRAW = { overview: drawOverview, coverage: drawCoverage, cases: drawCases };
  function selectTab(name, focus) {
    for (const tab of TABS) {
      const on = tab === name;
      const button = el("tab-" + tab);
      button.setAttribute("aria-selected", on ? "true" : "false");
      button.tabIndex = on ? 0 : -1;
      el("panel-" + tab).hidden = !on;
    }
    if (!drawn[name]) { drawn[name] = true; DRAW[name](); }
    if (focus) el("tab-" + name).focus();
  }
  function setHash(hash) {
    try { history.replaceState(null, "", hash); } catch (e) { /* some viewers forbid it */ }
  }
  document.querySelector('[role="tablist"]').addEventListener("click", (e) => {
    const button = e.target.closest('[role="tab"]');
    if (!button) return;
    const name = button.id.slice(4);
    selectTab(name, false);
    setHash("#" + name);
  });
  document.querySelector('[role="tablist"]').addEventListener("keydown", (e) => {
    const current = TABS.findIndex((t) => el("tab-" + t).getAttribute("aria-selected") === "true");
    const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: TABS.length - 1 };
    if (!(e.key in moves)) return;
    e.preventDefault();
    const name = TABS[(moves[e.key] + TABS.length) % TABS.length];
    selectTab(name, true);
    setHash("#" + name);
  });

  /* ---------- overview ---------- */
  function stat(label, value, cls) {
    return '<div class="stat ' + (cls || "") + '"><div class="label">' + esc(label) +
      '</div><div class="value">' + esc(value) + "</div></div>";
  }
  function drawOverview() {
    const c = RUN.counts;
    const nz = (k) => k + (c[k] ? " nonzero" : "");
    let html = '<div class="stats" id="totals">' +
      stat("Cases", num(RUN.total)) + stat("Passed", num(c.passed), "passed") +
      stat("Failed", num(c.failed), nz("failed")) + stat("Error", num(c.error), nz("error")) +
      stat("Skipped", num(c.skipped), "skipped") +
      stat("Pass rate", RUN.passRate === null ? "\u2013" : RUN.passRate + "%") +
      stat("Duration", RUN.durationS.toFixed(2) + " s") +
      stat("Critical path (est.)", RUN.estimateS.toFixed(2) + " s") +
      stat("Token refreshes", num(RUN.tokenRefreshes)) + "</div>";
    html += '<div class="cols"><div class="card"><h2>Run</h2><dl class="facts">' +
      "<dt>Target</dt><dd><code>" + esc(RUN.target) + "</code></dd>" +
      "<dt>Started</dt><dd>" + esc(RUN.startedAt) + "</dd>" +
      "<dt>Seed</dt><dd><code>" + esc(RUN.seed) + '</code> <span class="muted">(--seed ' + esc(RUN.seed) + " reproduces the data)</span></dd>" +
      "<dt>Result</dt><dd>" + (RUN.passed ? '<span class="badge passed">\u2713 PASSED</span>' : '<span class="badge failed">\u2717 FAILED</span>') +
      (RUN.interrupted ? ' <span class="flag">interrupted</span>' : "") + "</dd>" +
      "<dt>Pass rate</dt><dd>" + (RUN.passRate === null ? "no case ran" : RUN.passRate + "% of " + num(RUN.total - c.skipped) + " cases run (skipped ones excluded)") + "</dd>" +
      "<dt>Chains</dt><dd>" + num(RUN.chainOrder.length) + "</dd>" +
      "<dt>Report by</dt><dd>" + esc(RUN.tool) + "</dd></dl></div>" + resourceTable() + "</div>";
    html += problemsCard();
    html += timelineCards();
    if ((RUN.logs || []).length) {
      html += '<div class="card"><h2>Hook log (before and after the run)</h2><ul class="plain mono" id="run-logs">'
        + RUN.logs.map((l) => "<li>" + esc(l) + "</li>").join("") + "</ul></div>";
    }
    const swept = RUN.cleanupCounts;
    html += '<div class="card"><h2>Cleanup</h2>' + (RUN.cleanup.length ? '<p id="cleanup-counts"' +
      (swept.not_deleted ? ' class="message failed"' : ' class="muted"') + ">Records the run left behind (not cases: counted apart): " +
      num(swept.deleted) + " deleted, " + num(swept.not_deleted) + " not deleted.</p>" : "") + (RUN.cleanup.length
      ? '<ul class="plain mono" id="cleanup">' + RUN.cleanup.map((l) => "<li>" + esc(l) + "</li>").join("") + "</ul>"
      : '<p class="muted" id="cleanup">The final sweep had nothing to do: no record was left behind.</p>') + "</div>";
    const panel = el("panel-overview");
    panel.innerHTML = html;
    drawTimelines();
    panel.addEventListener("click", (e) => {
      const target = e.target.closest("[data-open]");
      if (target) openCase(target.getAttribute("data-open"));
    });
  }
  function resourceTable() {
    const by = RUN.byResource; /* html.py: each chain's steps under the chain's resource */
    const names = Object.keys(by).sort(collator.compare);
    const rows = names.map((name) => {
      const r = by[name];
      return "<tr><td>" + esc(name) + '</td><td class="num">' + num(r.passed) + '</td><td class="num">' + num(r.failed) +
        '</td><td class="num">' + num(r.error) + '</td><td class="num">' + num(r.skipped) + '</td><td class="num">' +
        num(r.passed + r.failed + r.error + r.skipped) + "</td></tr>";
    }).join("");
    return '<div class="card"><h2>By resource</h2><div class="scroll-box"><table><thead><tr><th>Resource</th><th class="num">Passed</th>' +
      '<th class="num">Failed</th><th class="num">Error</th><th class="num">Skipped</th><th class="num">Total</th></tr></thead><tbody>' +
      (rows || '<tr><td colspan="6" class="empty">No cases in this run.</td></tr>') + "</tbody></table></div></div>";
  }
  function problemsCard() {
    const bad = CASES.filter((c) => c.status === "failed" || c.status === "error");
    if (!bad.length) return "";
    const shown = bad.slice(0, 15).map((c) => '<li><button type="button" class="btn" data-open="' + esc(c.id) + '">' +
      badge(c.status) + " " + esc(c.operation + " / " + c.text) + "</button> <span class=\"muted\">" +
      esc(c.message) + "</span></li>").join("");
    return '<div class="card"><h2>Failures and errors (' + num(bad.length) + ')</h2><ul class="plain" style="list-style:none;padding:0;display:grid;gap:0.3rem">' +
      shown + "</ul>" + (bad.length > 15 ? '<p class="muted">' + num(bad.length - 15) + " more in the Cases tab.</p>" : "") + "</div>";
  }

  /* ---------- timeline ---------- */
  /* A merged run (apitest merge) gets one timeline per shard, each against its own shard's
   * start: the shards ran on different machines, so their seconds share no clock. */
  const SHARDS = RUN.shards || [];
  function timelineCards() {
    if (!SHARDS.length) return '<div class="card"><h2>Timeline</h2><div id="timeline"></div></div>';
    return SHARDS.map((sh) => '<div class="card timeline-shard" data-shard="' + sh.index + '"><h2>Timeline of shard ' +
      sh.index + "/" + sh.total + '</h2><p class="muted">Started ' + esc(sh.startedAt) + ", took " + sh.durationS.toFixed(2) +
      " s; times count from this shard's own start.</p>" + '<div id="timeline-shard-' + sh.index + '"></div></div>').join("");
  }
  function drawTimelines() {
    if (!SHARDS.length) { drawTimeline(el("timeline"), CASES, RUN.durationS, DATA.maxBars, "the run"); return; }
    const bars = Math.max(100, Math.floor(DATA.maxBars / SHARDS.length));
    for (const sh of SHARDS) {
      drawTimeline(el("timeline-shard-" + sh.index), CASES.filter((c) => c.shard === sh.index), sh.durationS, bars,
        "shard " + sh.index + "/" + sh.total);
    }
  }
  function chainGroup(chain, members, resources) {
    const cut = chain.lastIndexOf(".");
    const prefix = cut > 0 ? chain.slice(0, cut) : chain;
    return resources.has(prefix) ? prefix : members[0].resource;
  }
  function niceStep(span) {
    const raw = span / 8, p = Math.pow(10, Math.floor(Math.log10(raw || 1)));
    for (const m of [1, 2, 5, 10]) if (raw <= m * p) return m * p;
    return 10 * p;
  }
  function drawTimeline(box, cases, durationS, maxBars, whose) {
    const timed = cases.filter((c) => c.calls.length || c.dur > 0);
    if (!timed.length) { box.innerHTML = '<p class="muted">No calls were made.</p>'; return; }
    let shown = timed;
    if (timed.length > maxBars) {
      const rank = (c) => (c.status === "failed" || c.status === "error" ? 1e12 : 0) + c.dur + c.waited + c.throttle;
      shown = timed.slice().sort((a, b) => rank(b) - rank(a)).slice(0, maxBars);
    }
    const resources = new Set(cases.map((c) => c.resource));
    const chains = new Map();
    for (const c of shown) { if (!chains.has(c.chain)) chains.set(c.chain, []); chains.get(c.chain).push(c); }
    const groups = new Map();
    for (const [chain, members] of chains) {
      const g = chainGroup(chain, members, resources);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(chain);
    }
    let t0 = Infinity, t1 = durationS || 0;
    for (const c of shown) {
      t0 = Math.min(t0, c.started - c.waited / 1000);
      t1 = Math.max(t1, c.started + (c.throttle + c.dur) / 1000);
    }
    t0 = Math.min(0, t0);
    const width = Math.max(box.clientWidth || 900, 600), labelW = 130, axisH = 22, rowH = 15, groupH = 20;
    const scale = (width - labelW - 12) / Math.max(t1 - t0, 1e-6);
    const x = (t) => labelW + (t - t0) * scale;
    const parts = [];
    let y = axisH;
    const MAX_SUBLANES = 6;
    for (const g of Array.from(groups.keys()).sort(collator.compare)) {
      parts.push('<text class="group" x="4" y="' + (y + 14) + '">' + esc(g) + "</text>");
      y += groupH;
      for (const chain of groups.get(g).sort(collator.compare)) {
        const members = chains.get(chain).slice().sort((a, b) => (a.started - a.waited / 1000) - (b.started - b.waited / 1000));
        const ends = [];
        const placed = members.map((c) => {
          const begin = c.started - c.waited / 1000, end = c.started + (c.throttle + c.dur) / 1000;
          let lane = ends.findIndex((e) => e <= begin + 0.001); /* rounding: a ms of overlap is none */
          if (lane < 0 && ends.length < MAX_SUBLANES) { lane = ends.length; ends.push(end); }
          else if (lane < 0) { lane = ends.indexOf(Math.min.apply(null, ends)); ends[lane] = Math.max(ends[lane], end); }
          else ends[lane] = end;
          return [c, lane];
        });
        parts.push('<text x="12" y="' + (y + 11) + '">' + esc(chain) + "</text>");
        for (const [c, lane] of placed) parts.push(bar(c, x, y + lane * rowH + 2, rowH - 4));
        y += Math.max(1, ends.length) * rowH + 4;
      }
    }
    const height = y + 6;
    const step = niceStep(t1 - t0), ticks = [];
    for (let t = Math.ceil(t0 / step) * step; t <= t1 + 1e-9; t += step) {
      ticks.push('<line class="grid" x1="' + x(t) + '" x2="' + x(t) + '" y1="' + (axisH - 4) + '" y2="' + height + '"/>' +
        '<text x="' + x(t) + '" y="12" text-anchor="middle">' + esc(+t.toFixed(3)) + " s</text>");
    }
    const left = timed.length - shown.length;
    box.innerHTML = '<p class="legend"><span><i class="sw passed"></i>passed</span><span><i class="sw failed"></i>failed</span>' +
      '<span><i class="sw error"></i>error</span><span><i class="sw wait"></i>wait before the call (delay, validation delay)</span>' +
      '<span><i class="sw throttle"></i>throttle (rate limit, Retry-After)</span></p>' +
      '<p class="muted" id="' + box.id + '-note">' + (left
        ? "Showing " + num(shown.length) + " of " + num(timed.length) + " calls (every failure and error, then the slowest); " + num(left) + " left out."
        : num(shown.length) + " calls, one lane per chain (overlapping calls of a chain stack), grouped by resource. Click a bar for its case.") + "</p>" +
      '<div class="timeline-box"><svg class="timeline" role="img" aria-label="Timeline of ' + esc(whose) + '\'s calls" width="' + width +
      '" height="' + height + '" viewBox="0 0 ' + width + " " + height + '">' + ticks.join("") + parts.join("") + "</svg></div>";
    box.querySelector("svg").addEventListener("click", (e) => {
      const target = e.target.closest("[data-id]");
      if (target) openCase(target.getAttribute("data-id"));
    });
  }
  function bar(c, x, y, h) {
    const begin = c.started - c.waited / 1000, callAt = c.started + c.throttle / 1000;
    const tip = c.id + " " + c.operation + " / " + c.text + " \u2014 " + c.status.toUpperCase() +
      (c.http !== null ? " (" + c.http + ")" : "") + "\ncall " + ms(c.dur) + " at " + c.started.toFixed(3) + " s" +
      (c.waited ? ", waited " + ms(c.waited) : "") + (c.throttle ? ", throttled " + ms(c.throttle) : "");
    let out = '<g class="bar ' + esc(c.status) + '" data-id="' + esc(c.id) + '"><title>' + esc(tip) + "</title>";
    if (c.waited > 0) out += '<rect class="wait" x="' + x(begin) + '" y="' + y + '" width="' + Math.max(x(c.started) - x(begin), 1) + '" height="' + h + '"/>';
    if (c.throttle > 0) out += '<rect class="throttle" x="' + x(c.started) + '" y="' + y + '" width="' + Math.max(x(callAt) - x(c.started), 1) + '" height="' + h + '"/>';
    out += '<rect x="' + x(callAt) + '" y="' + y + '" width="' + Math.max(c.dur / 1000 * (x(1) - x(0)), c.status === "passed" ? 2 : 5) + '" height="' + h + '" rx="1"/>';
    return out + "</g>";
  }

  /* ---------- coverage ---------- */
  function drawCoverage() {
    const cov = DATA.coverage, kinds = cov.kinds, ops = cov.ops;
    const called = ops.filter((o) => o.called).length;
    let declared = 0, seen = 0, conditions = 0, exercised = 0;
    for (const o of ops) {
      for (const s of o.statuses) if (s[2]) { declared += 1; if (s[1]) seen += 1; }
      if (o.errorCondition) { conditions += 1; if (o.errorExercised) exercised += 1; }
    }
    let html = '<div class="card"><h2>Coverage</h2><p>' + num(called) + " of " + num(ops.length) + " operations called; " +
      num(seen) + " of " + num(declared) + " declared response statuses seen; " + num(exercised) + " of " + num(conditions) +
      ' error conditions exercised.</p><p class="legend"><span class="chip seen">200 \u2713 seen</span>' +
      '<span class="chip unseen">404 not seen</span><span class="chip extra">500 undeclared</span>' +
      '<span>cells: cases passed / cases run; <b style="color:var(--fail)">red</b> when any did not pass</span></p>';
    html += '<div class="table-wrap"><table class="coverage" id="coverage-table"><thead><tr><th>Operation</th>' +
      kinds.map((k) => '<th class="kind" scope="col">' + esc(k) + "</th>").join("") +
      "<th>Declared statuses</th><th>Error condition</th></tr></thead><tbody>";
    let group = null;
    for (const o of ops) {
      if (o.resource !== group) {
        group = o.resource;
        html += '<tr class="group-row"><th colspan="' + (kinds.length + 3) + '">' + esc(group) + "</th></tr>";
      }
      const gap = !o.called || o.statuses.some((s) => s[2] && !s[1]) || (o.errorCondition && !o.errorExercised);
      html += "<tr" + (gap ? ' class="gap-row"' : "") + "><td><b>" + esc(o.name) + "</b>" +
        (o.called ? "" : ' <span class="flag">never called</span>') +
        (o.declared ? "" : ' <span class="flag">not in the specs</span>') +
        '<div class="muted mono">' + esc(o.url) + (o.where ? " \u00b7 " + esc(o.where) : "") + "</div></td>";
      for (const k of kinds) {
        const cell = o.cells[k];
        if (!cell) { html += '<td class="cell none" aria-label="no ' + esc(k) + ' cases">\u2013</td>'; continue; }
        const all = cell[0] === cell[1];
        html += '<td class="cell ' + (all ? "all" : "some") + '" title="' + esc(k) + ": " + cell[0] + " of " + cell[1] + ' passed">' +
          (all ? "" : "\u2717 ") + cell[0] + "/" + cell[1] + "</td>";
      }
      html += "<td>" + (o.statuses.map((s) => s[2]
        ? '<span class="chip ' + (s[1] ? "seen" : "unseen") + '">' + s[0] + (s[1] ? " \u2713" : " not seen") + "</span>"
        : '<span class="chip extra">' + s[0] + " undeclared</span>").join("") || '<span class="muted">none declared</span>') + "</td>";
      html += "<td>" + (o.errorCondition
        ? (o.errorExercised ? '<span class="ok">\u2713 exercised</span>' : '<span class="flag">not exercised</span>') +
          '<div class="muted mono">' + esc(o.errorCondition) + "</div>"
        : '<span class="muted">none declared</span>') + "</td></tr>";
    }
    if (!ops.length) html += '<tr><td colspan="' + (kinds.length + 3) + '" class="empty">No operations.</td></tr>';
    el("panel-coverage").innerHTML = html + "</tbody></table></div></div>";
  }

  /* ---------- cases ---------- */
  /* A merged run (apitest merge) names each case's shard in a column of its own, and can be
   * filtered by shard: a failure is read next to the machine that ran it. */
  const COLUMNS = [
    ["id", "Id", "11.5%"], ["text", "Case", "18%"], ["kind", "Kind", "9%"], ["status", "Status", "7%"],
    ["resource", "Resource", "8.5%"], ["operation", "Operation", "11%"], ["method", "Method", "5.5%"],
    ["url", "URL", SHARDS.length ? "13%" : "18%"], ["http", "HTTP", "5%"], ["dur", "Duration", "6.5%"],
  ];
  if (SHARDS.length) COLUMNS.splice(4, 0, ["shard", "Shard", "5%"]);
  const shardText = (c) => c.shard + "/" + SHARDS[0].total;
  const SORTERS = {
    id: (a, b) => collator.compare(a.chain, b.chain) || a.n - b.n || a.i - b.i,
    status: (a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status],
    shard: (a, b) => a.shard - b.shard,
    http: (a, b) => (a.http === null ? -1 : a.http) - (b.http === null ? -1 : b.http),
    dur: (a, b) => a.dur - b.dur,
  };
  const state = { q: "", status: "all", kind: "", resource: "", shard: "", sort: "id", dir: 1, page: 0, open: null };
  let view = CASES;
  function haystack(c) {
    if (c.hay === undefined) c.hay = (c.id + " " + c.operation + " / " + c.text + " " + c.kind + " " + c.url + " " + c.message).toLowerCase();
    return c.hay;
  }
  function compute() {
    const q = state.q.trim().toLowerCase();
    view = CASES.filter((c) => (state.status === "all" || (state.status === "problems"
      ? c.status === "failed" || c.status === "error" : c.status === state.status)) &&
      (!state.kind || c.kind === state.kind) && (!state.resource || c.resource === state.resource) &&
      (!state.shard || String(c.shard) === state.shard) &&
      (!q || haystack(c).includes(q)));
    const cmp = SORTERS[state.sort] || ((a, b) => collator.compare(String(a[state.sort]), String(b[state.sort])));
    view.sort((a, b) => state.dir * cmp(a, b) || a.i - b.i);
  }
  function options(values, all) {
    return '<option value="">' + esc(all) + "</option>" + values.map((v) => '<option value="' + esc(v) + '">' + esc(v) + "</option>").join("");
  }
  function drawCases() {
    const panel = el("panel-cases");
    const problems = RUN.counts.failed + RUN.counts.error;
    panel.innerHTML = '<div class="card"><div class="filters" role="search">' +
      '<label>Search <input type="search" id="f-q" placeholder="id, case, URL, message\u2026" autocomplete="off"></label>' +
      '<label>Status <select id="f-status"><option value="all">All</option><option value="problems">Failed + error</option>' +
      '<option value="passed">Passed</option><option value="failed">Failed</option><option value="error">Error</option>' +
      '<option value="skipped">Skipped</option></select></label>' +
      '<button type="button" class="btn" id="f-problems" aria-pressed="false">Only failures and errors (' + num(problems) + ")</button>" +
      '<label>Kind <select id="f-kind">' + options(DATA.coverage.kinds, "All kinds") + "</select></label>" +
      '<label>Resource <select id="f-resource">' + options(Array.from(new Set(CASES.map((c) => c.resource))).sort(collator.compare), "All resources") + "</select></label>" +
      (SHARDS.length ? '<label>Shard <select id="f-shard"><option value="">All shards</option>' +
        SHARDS.map((sh) => '<option value="' + sh.index + '">' + sh.index + "/" + sh.total + "</option>").join("") + "</select></label>" : "") +
      '<button type="button" class="btn" id="f-clear">Clear filters</button></div>' +
      '<div class="pager" id="pager-top"></div><table class="cases" id="cases-table"><colgroup>' +
      COLUMNS.map((c) => '<col style="width:' + c[2] + '">').join("") + "</colgroup><thead><tr>" +
      COLUMNS.map((c) => '<th scope="col" data-key="' + c[0] + '"' + (c[0] === "http" || c[0] === "dur" ? ' class="num"' : "") +
        '><button type="button">' + c[1] + "</button></th>").join("") +
      '</tr></thead><tbody id="cases-body"></tbody></table><div class="pager" id="pager-bottom"></div></div>';
    let timer = null;
    el("f-q").addEventListener("input", (e) => {
      clearTimeout(timer);
      timer = setTimeout(() => { state.q = e.target.value; state.page = 0; refresh(); }, 120);
    });
    el("f-status").addEventListener("change", (e) => { state.status = e.target.value; state.page = 0; refresh(); });
    el("f-problems").addEventListener("click", () => {
      state.status = state.status === "problems" ? "all" : "problems"; state.page = 0; refresh();
    });
    el("f-kind").addEventListener("change", (e) => { state.kind = e.target.value; state.page = 0; refresh(); });
    el("f-resource").addEventListener("change", (e) => { state.resource = e.target.value; state.page = 0; refresh(); });
    if (SHARDS.length) el("f-shard").addEventListener("change", (e) => { state.shard = e.target.value; state.page = 0; refresh(); });
    el("f-clear").addEventListener("click", () => { clearFilters(); refresh(); });
    panel.querySelector("thead").addEventListener("click", (e) => {
      const th = e.target.closest("th[data-key]");
      if (!th) return;
      const key = th.getAttribute("data-key");
      state.dir = state.sort === key ? -state.dir : 1;
      state.sort = key; state.page = 0; refresh();
    });
    panel.addEventListener("click", (e) => {
      const pageButton = e.target.closest("[data-page]");
      if (pageButton) { state.page = Number(pageButton.getAttribute("data-page")); drawPage(); return; }
      const copy = e.target.closest(".copy");
      if (copy) { copyText(copy); return; }
      const row = e.target.closest("tr.row");
      if (row && !e.target.closest("a")) toggle(row.getAttribute("data-id"));
    });
    panel.addEventListener("keydown", (e) => {
      const row = e.target.closest && e.target.closest("tr.row");
      if (row && e.target === row && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); toggle(row.getAttribute("data-id")); }
    });
    refresh();
  }
  function clearFilters() {
    Object.assign(state, { q: "", status: "all", kind: "", resource: "", shard: "", page: 0 });
  }
  function refresh() {
    el("f-q").value = state.q; el("f-status").value = state.status;
    el("f-kind").value = state.kind; el("f-resource").value = state.resource;
    if (SHARDS.length) el("f-shard").value = state.shard;
    el("f-problems").setAttribute("aria-pressed", state.status === "problems" ? "true" : "false");
    for (const th of document.querySelectorAll("#cases-table th[data-key]")) {
      const key = th.getAttribute("data-key");
      if (key === state.sort) th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
    compute();
    drawPage();
  }
  function drawPage() {
    const size = DATA.pageSize, pages = Math.max(1, Math.ceil(view.length / size));
    state.page = Math.min(Math.max(0, state.page), pages - 1);
    const start = state.page * size, rows = view.slice(start, start + size);
    let html = "";
    for (const c of rows) {
      const open = c.id === state.open;
      html += '<tr class="row st-' + esc(c.status) + (open ? " open" : "") + '" tabindex="0" aria-expanded="' + open + '" data-id="' + esc(c.id) + '">' +
        '<td class="wrap mono small">' + esc(c.id) + '</td><td class="wrap">' + esc(c.text) +
        '</td><td class="wrap">' + esc(c.kind) + "</td><td>" + badge(c.status) +
        (SHARDS.length ? '</td><td class="shard">' + esc(shardText(c)) : "") + '</td><td class="wrap">' + esc(c.resource) +
        '</td><td class="wrap">' + esc(c.operation) + '</td><td class="mono">' + esc(c.method) + '</td><td class="wrap mono small" title="' + esc(c.url) + '">' + esc(shortUrl(c.url)) +
        '</td><td class="num">' + (c.http === null ? "\u2013" : c.http) + '</td><td class="num">' + ms(c.dur) + "</td></tr>";
      if (open) html += '<tr class="detail-row"><td colspan="' + COLUMNS.length + '">' + detail(c) + "</td></tr>";
    }
    if (!rows.length) html = '<tr><td colspan="' + COLUMNS.length + '" class="empty">No case matches these filters.</td></tr>';
    el("cases-body").innerHTML = html;
    const pager = view.length
      ? "Showing " + num(start + 1) + "\u2013" + num(start + rows.length) + " of " + num(view.length) +
        (view.length !== CASES.length ? " (filtered from " + num(CASES.length) + ")" : "")
      : "0 of " + num(CASES.length) + " cases";
    const nav = (label, page, off) => '<button type="button" class="btn" data-page="' + page + '"' + (off ? " disabled" : "") + ">" + label + "</button>";
    const bar = '<span class="muted" data-role="range">' + pager + "</span>" + nav("\u00ab First", 0, state.page === 0) +
      nav("\u2039 Previous", state.page - 1, state.page === 0) + '<span data-role="page">Page ' + num(state.page + 1) + " of " + num(pages) + "</span>" +
      nav("Next \u203a", state.page + 1, state.page >= pages - 1) + nav("Last \u00bb", pages - 1, state.page >= pages - 1);
    el("pager-top").innerHTML = bar;
    el("pager-bottom").innerHTML = bar;
  }
  function shortUrl(url) {
    const m = /^[a-z]+:\/\/[^/]+(\/.*)?$/i.exec(url);
    return m ? m[1] || "/" : url;
  }
  function toggle(id) {
    state.open = state.open === id ? null : id;
    drawPage();
    setHash(state.open ? "#case=" + encodeURIComponent(id) : "#cases");
    const row = document.querySelector('#cases-body tr.row[data-id="' + CSS.escape(id) + '"]');
    if (row) row.focus();
  }
  function openCase(id) {
    if (!BY_ID.has(id)) return;
    selectTab("cases", false);
    if (!view.some((c) => c.id === id)) { clearFilters(); refresh(); }
    state.page = Math.floor(view.findIndex((c) => c.id === id) / DATA.pageSize);
    state.open = null;
    toggle(id);
    const row = document.querySelector('#cases-body tr.row[data-id="' + CSS.escape(id) + '"]');
    if (row) row.scrollIntoView({ block: "start" });
  }

  /* ---------- case detail ---------- */
  function list(refs, cls) {
    return refs.length ? '<ul class="' + cls + '">' + refs.map((r) => "<li>" + esc(S[r]) + "</li>").join("") + "</ul>" : "";
  }
  function detail(c) {
    let html = '<div class="detail" data-case="' + esc(c.id) + '"><h3>' + badge(c.status) + " " + esc(c.operation + " / " + c.text) + "</h3>";
    html += '<div class="message ' + esc(c.status) + '">' + esc(c.message || (c.status === "passed" ? "Passed: every check held." : "No message.")) + "</div>";
    if (c.details.length) html += "<h3>Details (expected vs actual)</h3>" + list(c.details, "details");
    if (c.notes.length) html += "<h3>Notes</h3>" + list(c.notes, "plain");
    if (c.logs.length) html += '<h3>Hook log</h3><div class="hook-log">' + list(c.logs, "plain mono") + "</div>";
    html += '<p class="kv"><span>Id <b class="mono">' + esc(c.id) + "</b></span><span>Step <b>" + esc(c.stepKind) + "</b></span>" +
      (SHARDS.length ? "<span>Shard <b>" + esc(shardText(c)) + "</b></span>" : "") +
      (c.file ? '<span>Spec <b class="mono">' + esc(c.file + ":" + c.line) + "</b></span>" : "") +
      "<span>Attempts <b>" + c.attempts + "</b></span><span>Started <b>" + c.started.toFixed(3) + " s</b></span>" +
      "<span>Duration <b>" + ms(c.dur) + "</b></span>" + (c.waited ? "<span>Waited <b>" + ms(c.waited) + "</b></span>" : "") +
      (c.throttle ? "<span>Throttled <b>" + ms(c.throttle) + "</b></span>" : "") +
      (c.eventually !== null ? "<span>Consistent after <b>" + ms(c.eventually) + "</b></span>" : "") +
      (c.errorResponse !== null ? "<span>Error response <b>" + (c.errorResponse ? "yes" : "no") + "</b></span>" : "") + "</p>";
    if (!c.calls.length) html += '<p class="muted">This case made no call.</p>';
    c.calls.forEach((call, k) => { html += callBlock(c, call, k); });
    if (c.calls.length) html += replayBox(c);
    return html + "</div>";
  }
  function headerTable(flat) {
    const rows = pairs(flat);
    return rows.length ? '<table class="headers">' + rows.map((p) => "<tr><td>" + esc(p[0]) + "</td><td>" + esc(p[1]) + "</td></tr>").join("") + "</table>"
      : '<p class="muted">No headers.</p>';
  }
  function bodyBlock(ref) {
    const text = str(ref);
    return text === null ? '<p class="muted">No body.</p>' : '<pre class="body">' + esc(pretty(text)) + "</pre>";
  }
  function callBlock(c, call, k) {
    const status = call[4], error = str(call[8]);
    return '<div class="call"><div class="call-head">Call ' + (k + 1) + " of " + c.calls.length + ": <b>" + esc(S[call[0]]) + "</b> " +
      esc(S[call[1]]) + " \u2192 " + (status === null ? "no answer" : statusCode(c, status)) +
      " in " + ms(call[7]) + (call[9] ? ' <span class="flag">body clipped</span>' : "") + '</div><div class="call-body"><div><h4>Request</h4>' +
      headerTable(call[2]) + bodyBlock(call[3]) + "</div><div><h4>Response" + (status === null ? "" : " " + status) + "</h4>" +
      (error ? '<div class="message error">' + esc(error) + "</div>" : "") + headerTable(call[5]) + bodyBlock(call[6]) + "</div></div></div>";
  }
  function replayBox(c) {
    const script = reproScript(c);
    const command = "apitest repro report.json " + shq(c.id);
    if (script === null) {
      return '<div class="curl-box"><div class="curl-head"><h4>Replay chain ' + esc(c.chain) +
        ' up to this case</h4><button type="button" class="btn copy">Copy</button></div><pre class="curl repro-cmd">' +
        esc(command) + '</pre><p class="muted">prints a shell script that replays it against a live API (--run runs it).</p></div>';
    }
    return '<div class="curl-box"><div class="curl-head"><h4>Replay chain ' + esc(c.chain) + " up to this case: a shell script (" +
      esc(command) + ' --run runs it)</h4><button type="button" class="btn copy">Copy</button></div><pre class="curl">' +
      esc(script) + "</pre></div>";
  }
  function statusCode(c, status) {
    /* Green only for a 2xx/3xx of a case that passed: the same 200 is a lost update's proof
     * in a failed validation, and a 201 the wrong answer to a negative case. 4xx amber (an
     * error answer, which a passed negative case wanted), 5xx red, a failed case's 2xx red. */
    const cls = status >= 500 ? "bad" : status >= 400 ? "warn" : c.status === "passed" ? "ok2" : "bad";
    const tip = status < 400 && cls === "bad" ? ' title="answered, but the case ' + esc(c.status === "error" ? "erred" : "failed") + '"' : "";
    return '<span class="status-code ' + cls + '"' + tip + ">" + status + "</span>";
  }
  function pretty(text) {
    const t = text.trim();
    if (!(t.startsWith("{") || t.startsWith("["))) return text;
    try { JSON.parse(t); } catch (e) { return text; }
    return reindent(t); /* by text, not JSON.stringify: a 19-digit id must not lose digits */
  }
  function reindent(t) {
    const out = [];
    let depth = 0, inString = false, escaped = false;
    const pad = (n) => "\n" + "  ".repeat(n);
    for (let i = 0; i < t.length; i++) {
      const ch = t[i];
      if (inString) {
        out.push(ch);
        if (escaped) escaped = false; else if (ch === "\\") escaped = true; else if (ch === '"') inString = false;
      } else if (ch === '"') { inString = true; out.push(ch); }
      else if (ch === "{" || ch === "[") {
        let j = i + 1;
        while (j < t.length && " \t\r\n".includes(t[j])) j++;
        if (t[j] === (ch === "{" ? "}" : "]")) { out.push(ch, t[j]); i = j; continue; }
        depth += 1; out.push(ch, pad(depth));
      } else if (ch === "}" || ch === "]") { depth -= 1; out.push(pad(depth), ch); }
      else if (ch === ",") out.push(",", pad(depth));
      else if (ch === ":") out.push(": ");
      else if (!" \t\r\n".includes(ch)) out.push(ch);
    }
    return out.join("");
  }

  /* ---------- replay scripts: report/repro.py, stored as blocks (html.py _Scripts) ---------- */
  const PLACEHOLDER = /(\$\{APITEST_[A-Z0-9_]+\})/;
  function shq(text) { /* repro.py shell_word of one literal */
    if (text === "") return "''";
    if (/^[A-Za-z0-9_@%+=:,.\/-]+$/.test(text)) return text;
    return text.split(PLACEHOLDER).filter((p) => p !== "").map((p) => (/^\$\{APITEST_[A-Z0-9_]+\}$/.test(p)
      ? '"' + p + '"' : "'" + p.split("'").join("'\\''") + "'")).join("");
  }
  const BLOCKS = DATA.reproBlocks || [];
  function reproScript(c) {
    if (!c.repro) return null;
    return c.repro.map((b) => BLOCKS[b].map((seg) => (typeof seg === "number" ? S[seg] : shq(S[seg[0]]))).join("")).join("");
  }
  function copyText(button) {
    const pre = button.closest(".curl-box").querySelector("pre");
    const done = () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy"; }, 1500); };
    const fallback = () => {
      const range = document.createRange();
      range.selectNodeContents(pre);
      const sel = window.getSelection();
      sel.removeAllRanges(); sel.addRange(range);
      try { if (document.execCommand("copy")) done(); else button.textContent = "Press Ctrl+C"; } catch (e) { button.textContent = "Press Ctrl+C"; }
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(pre.textContent).then(done, fallback);
    else fallback();
  }

  /* ---------- start ---------- */
  function headerRoom() { /* what scrolls to a case stops below the sticky header, however tall */
    document.documentElement.style.setProperty("--top-h", document.querySelector("header.top").offsetHeight + "px");
  }
  headerRoom();
  window.addEventListener("resize", headerRoom);
  function follow() { /* #case=<id>, #coverage, #cases: links into the report */
    const hash = decodeURIComponent(location.hash.slice(1));
    if (hash.startsWith("case=")) openCase(hash.slice(5));
    else if (TABS.includes(hash)) selectTab(hash, false);
  }
  selectTab("overview", false);
  requestAnimationFrame(() => setTimeout(() => {
    window.__reportReadyMs = performance.now(); /* navigation start to the Overview drawn */
    document.documentElement.setAttribute("data-ready", "overview");
    follow();
    window.addEventListener("hashchange", follow);
  }, 0));
})();
