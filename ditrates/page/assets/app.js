// ditrates page: reads the inputs, fills the table and draws the charts (uPlot). Glue only.
"use strict";

const G = RESULTS.groups;
const REPORTS = [[...G.statistical, ...G.derived, ...G.baselines.filter((n) => !G.computational.includes(n)
  && RESULTS.byName[n].kind !== "baseline" || RESULTS.byName[n].keys.includes("n"))],
[...G.computational, ...G.baselines.filter((n) => !RESULTS.byName[n].keys.includes("n"))]];
const DOUBLE_LOG_SPAN = 1000; // as ditrates.plot: beyond this many decades the y-axis is double-log
const SWITCH = 10; // as ditrates.plot.SWITCH: the double-log axis is linear in log10 up to 10^10
const $ = (id) => document.getElementById(id);

// ---- inputs: each field on its own, then the rows that use it ---------------------------------------------------
function rawInputs() {
  const raw = {};
  for (const k of RESULTS.inputs) {
    const el = $("in-" + k);
    if (el && el.value.trim() !== "") raw[k] = el.value;
  }
  return raw;
}

// A field's own error (its syntax or its domain), as defaults.resolve would raise it.
function fieldErrors(raw) {
  const bad = {};
  for (const [k, text] of Object.entries(raw)) {
    try { check(k, parseNumber(text, P[k].integer, P[k].label)); } catch (e) {
      if (!(e instanceof InputError)) throw e;
      bad[k] = e.message;
    }
  }
  return bad;
}

function reportOrError(names, raw, reading, outside = false) {
  try { return evaluateReport(names, raw, reading, outside); } catch (e) {
    if (e instanceof InputError) return { error: e.message };
    throw e;
  }
}

// The rows of one table: a row that uses a bad field (itself or through a default) shows that field's error; the
// others are evaluated together without it (one resolution, as report.evaluate), and share its error if that fails.
function evaluateRows(names, raw, reading, bad, blocked = blockedRows(names, raw, bad), outside = false) {
  const ok = Object.fromEntries(Object.entries(raw).filter(([k]) => !(k in bad)));
  const rows = {}, live = names.filter((n) => !(n in blocked));
  for (const n in blocked) rows[n] = { error: blocked[n] };
  const whole = live.length ? reportOrError(live, ok, reading, outside) : { rows: [] };
  if (whole.error) live.forEach((n) => { rows[n] = { error: whole.error }; });
  else whole.rows.forEach((row) => { rows[row.r.name] = { row }; });
  return { rows, reports: whole.res ? [whole] : [] };
}

// The rows that use a bad field, with its error (the same at every point of a chart: computed once there).
function blockedRows(names, raw, bad) {
  const given = new Set(Object.keys(raw)), out = {};
  for (const n of names) {
    const used = [...closure(RESULTS.byName[n].keys, given)].find((k) => k in bad);
    if (used) out[n] = bad[used];
  }
  return out;
}

// ---- Section 4 verdicts: threshold.EfficientVerdict and HardnessVerdict, sentence for sentence -----------------------
function verdict(row, res) {
  const spec = row.r.verdict;
  if (!spec || !row.ok) return "";
  const g = (x) => Fmt.nstr(1, Math.log10(x), 3, -4, 5, true, x);
  const c = (k) => ("reasons" in res && k in res.reasons && Number.isInteger(res.values[k].x) ? String(res.values[k].x)
    : g(res.values[k].x));
  const r = Math.pow(10, row.log10), rd = LS.val(spec.part(envOf(res.values)));
  const consts = `C_b = ${c("C_b")}, C_d = ${c("C_d")}`;
  if (spec.kind === "hardness") {
    if (!(1 / spec.band <= rd && rd <= spec.band)) {
      return `outside Prop. 4.1's hypothesis: it is stated for d = C log L, and here d/(C_d ln L) = ${g(rd)} is far from `
        + `a constant of order 1 (outside [1/${spec.band}, ${spec.band}]); the proposition does not speak to this instance`;
    }
    if (row.log10 >= 0) {
      return `hard side: B_eff/(C_b sqrt ln L) = ${g(r)} >= 1 with d/(C_d ln L) = ${g(rd)} (${consts}); Prop. 4.1: under `
        + "SETH, for suitable constants, no O(L^(2-q)) algorithm reaches 1/poly(L) accuracy as L -> infinity";
    }
    return `below the hardness threshold: B_eff/(C_b sqrt ln L) = ${g(r)} < 1 (${consts}); Prop. 4.1 does not apply`;
  }
  const fails = [];
  if (row.log10 >= 0) fails.push(`${spec.ratioName} = ${g(r)} >= 1`);
  if (rd > 1) fails.push(`d/(C_d ln L) = ${g(rd)} > 1`);
  if (!fails.length) {
    return `efficient side of ${spec.source}: ${spec.ratioName} = ${g(r)} < 1 and d/(C_d ln L) = ${g(rd)} <= 1 with `
      + `${consts}; ${spec.source} gives ${spec.task} in L^(1+o(1)) time as L -> infinity, not a time for this instance`;
  }
  return `not on the efficient side of ${spec.source}: ${fails.join(" and ")} (${consts})`;
}

// ---- the table and the parameters ----------------------------------------------------------------------------
function renderRow(name, state, res) {
  const tr = $("row-" + name), [, , val, lg, rd, note] = tr.children;
  const row = state.row, ok = row && row.ok;
  const said = ok ? verdict(row, res) : "";
  const past = ok && row.outside.length
    ? `OUTSIDE: ${row.outside.map((c) => c.text).join("; ")} (the proof does not back this number) ` : "";
  tr.className = (!ok ? "failed" : row.vacuous ? "vacuous" : said ? "verdict" : "") + (past ? " outside" : "");
  val.textContent = ok ? row.text : "–";
  lg.textContent = ok ? (Number.isFinite(row.log10) ? Fmt.number(valueOf(row.log10)) : "> 1.8e+308") : "–";
  tr.dataset.log10 = ok ? String(row.log10) : "";
  rd.textContent = row && row.reading ? row.reading : "";
  note.textContent = state.error ? state.error : !ok ? row.message
    : past + (row.vacuous ? `VACUOUS: above its trivial value (${row.r.trivialReason})` : said);
}

function renderReadings(raw, outside) { // report.sensitivity: every reading of xi at these numbers
  for (const [name, spec] of Object.entries(RESULTS.readings)) {
    const [, rng, eps, val] = $("reading-" + name).children;
    const rep = reportOrError(["xi"], raw, name, outside);
    if (rep.error) { rng.textContent = eps.textContent = ""; val.textContent = rep.error; continue; }
    rng.textContent = `eps <= ${shownEdge(spec.ranges.map((i) => RANGES[i]), rep.res.values)}`;
    eps.textContent = fmt(rep.res.values.eps);
    const row = rep.rows[0];
    val.textContent = row.ok ? row.text + (row.outside.length ? " (OUTSIDE its ranges)" : "") : row.message;
  }
}

function render(raw, reading, outside) {
  const bad = fieldErrors(raw);
  renderReadings(raw, outside);
  const tables = REPORTS.map((names) => evaluateRows(names, raw, reading, bad, undefined, outside));
  const errors = [...new Set([...tables.flatMap((t) => Object.values(t.rows).filter((s) => s.error).map((s) => s.error)),
    ...Object.values(bad)])];
  $("error").hidden = errors.length === 0;
  $("error").textContent = errors.join(" | ");
  tables.forEach((t, i) => {
    for (const n of REPORTS[i]) {
      const rep = t.reports.find((r) => r.rows.some((x) => x.r.name === n));
      renderRow(n, t.rows[n], rep ? rep.res : {});
    }
  });
  const shown = {}, why = {};
  for (const rep of tables.flatMap((t) => t.reports).reverse()) {
    Object.assign(shown, rep.res.values);
    Object.assign(why, rep.res.reasons);
  }
  const ok = Object.fromEntries(Object.entries(raw).filter(([k]) => !(k in bad)));
  for (const k of RESULTS.inputs.filter((key) => !(key in shown) && !(key in bad))) { // used by no row (delta_F)
    const alone = (() => { try { return resolve(ok, [k], reading); } catch (e) { return null; } })();
    if (alone && k in alone.values) { shown[k] = alone.values[k]; if (k in alone.reasons) why[k] = alone.reasons[k]; }
  }
  for (const k of RESULTS.inputs) {
    const val = $("val-" + k), w = $("why-" + k), input = $("in-" + k);
    if (input) { input.classList.toggle("bad", k in bad); input.setAttribute("aria-invalid", String(k in bad)); }
    if (val) {
      const atEdge = k === "eps" && (why[k] || "").includes(": the edge of the range "); // report._shown: inward
      val.textContent = k in bad || !(k in shown) ? ""
        : atEdge ? shownEdge(RESULTS.readings[reading].ranges.map((i) => RANGES[i]), shown) : Fmt.number(shown[k]);
      val.dataset.log10 = k in bad || !(k in shown) ? "" : String(shown[k].l / Math.LN10);
    }
    if (w) {
      w.textContent = k in bad ? bad[k] : k in why ? why[k] : k in shown ? "given" : "";
      w.classList.toggle("bad", k in bad);
    }
  }
  return { tables, bad, ok, shown };
}

// ---- the charts: one colour and dash per result (ditrates.styles), as in `ditrates plot` ------------------------------
const charts = {};
const SUP = { "-": "⁻", ".": "·", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const pow10 = (k) => (k === 0 ? "1" : "10" + String(k).split("").map((c) => SUP[c] || c).join(""));
const OFF_SCALE = "▲ at the top: beyond 10^(1.8e308), off scale";

// The y-axis of log10 values v, drawn at T(v): integer decades, or beyond DOUBLE_LOG_SPAN decades linear up to
// 10^10 (a tick there) and logarithmic in log10 above (ticks 10^(10^k)), as ditrates.plot draws it.
function yAxis(values) {
  const lo = Math.min(...values, 0), hi = Math.max(...values, 0);
  if (hi - lo <= DOUBLE_LOG_SPAN) {
    const span = Math.max(hi - lo, 1), step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].find((s) => s >= span / 6);
    const min = lo - 0.05 * span, max = Math.ceil((hi + 0.03 * span) / step) * step, ticks = [];
    for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push([t, pow10(t)]);
    return { T: (v) => v, inv: (t) => t, min, max, ticks, dbl: false };
  }
  const decades = Math.ceil(Math.log10(hi * 1.5)), lin = Math.max(1, (decades - 1) / 6);
  const T = (v) => (Math.abs(v) <= SWITCH ? v / SWITCH * lin : Math.sign(v) * (lin + Math.log10(Math.abs(v) / SWITCH)));
  const inv = (t) => (Math.abs(t) <= lin ? t / lin * SWITCH : Math.sign(t) * SWITCH * Math.pow(10, Math.abs(t) - lin));
  const step = Math.max(1, Math.floor(decades / 6)), ks = [];
  for (let k = step; k < decades; k += step) if (k > 1) ks.push(k);
  const ticks = [[T(0), "1"], [T(SWITCH), pow10(SWITCH)], ...[...ks, decades].map((k) => [T(10 ** k), `10^(${pow10(k)})`])];
  if (lo < -SWITCH) ticks.unshift([T(-SWITCH), pow10(-SWITCH)]);
  return { T, inv, min: lo < -SWITCH ? T(lo) - 0.3 : T(lo) - 0.3 * lin, max: T(10 ** decades), ticks, dbl: true };
}

// styles.coincide: which curve lies on which (more than half its drawn points within tol of the earlier one's).
function coincide(curves, tol) {
  const out = {}, names = Object.keys(curves);
  names.forEach((later, i) => {
    const b = curves[later], points = b.filter((v) => v !== null).length;
    for (const earlier of names.slice(0, i)) {
      if (earlier in out || !points) continue;
      const on = curves[earlier].filter((x, k) => x !== null && b[k] !== null && Math.abs(x - b[k]) <= tol).length;
      if (2 * on > points) { out[later] = earlier; break; }
    }
  });
  return out;
}
const coincideDash = (k, m, on = RESULTS.coincideOn) => (k === 0 ? [on, m * on] : [0, k * on, on, (m - k) * on]);

// Every row of `names` at each x (a row that uses a bad field is not drawn), their trivial values and where a row is
// evaluated past a range of its derivation (--outside-range).
function chartData(names, xs, rawAt, reading, bad, outside) {
  const ys = names.map(() => []), off = names.map(() => []), past = [], trivial = {};
  const blocked = blockedRows(names, rawAt(xs[0]), bad);
  xs.forEach((x, i) => {
    const t = evaluateRows(names, rawAt(x), reading, bad, blocked, outside);
    names.forEach((n, j) => {
      const row = t.rows[n].row, ok = Boolean(row && row.ok);
      ys[j].push(ok && Number.isFinite(row.log10) ? row.log10 : null);
      off[j].push(ok && row.log10 === Infinity);
    });
    past.push(t.reports.some((rep) => rep.rows.some((row) => row.ok && row.outside.length > 0)));
    for (const rep of t.reports) {
      for (const row of rep.rows.filter((r) => r.ok && r.r.trivial && r.r.kind !== "baseline")) {
        (trivial[row.r.name] ||= xs.map(() => null))[i] = row.r.trivial(envOf(rep.res.values))[1] / Math.LN10;
      }
    }
  });
  return { ys, off, past, trivial };
}

function draw(id, xLabel, xs, xTicks, xVal, names, data, current) {
  const box = $(id), width = Math.max(320, box.clientWidth), height = 330;
  const levels = Object.values(data.trivial).flat().filter((v) => v !== null);
  const ax = yAxis([...data.ys.flat().filter((v) => v !== null), ...levels]);
  const T = (v) => (v === null ? null : ax.T(v));
  const cols = data.ys.map((col) => col.map(T));
  const on = coincide(Object.fromEntries(names.map((n, j) => [n, cols[j]])), (ax.max - ax.min) * 1.5 / (height - 60));
  const count = {}, seen = {};
  Object.values(on).forEach((b) => { count[b] = (count[b] || 0) + 1; });
  const series = [{ label: xLabel, value: (u, v) => (v == null ? "" : xVal(v)) }];
  names.forEach((n, j) => {
    const st = RESULTS.styles[n];
    let dash = st.dash.length ? st.dash : undefined, label = n;
    if (n in on) { dash = coincideDash(seen[on[n]] = (seen[on[n]] ?? -1) + 1, count[on[n]]); label += ` (lies on ${on[n]} here)`; }
    if (data.off[j].some(Boolean)) label += " ▲ off scale";
    series.push({ label, stroke: st.color, width: 1.6, dash, spanGaps: false, points: { show: false },
      value: (u, v) => (v == null ? "–" : Fmt.log10(ax.inv(v))) });
  });
  const groups = {};
  for (const [n, lv] of Object.entries(data.trivial)) (groups[lv.map((v) => (v === null ? "" : v.toFixed(9))).join()] ||= [n, lv, []])[2].push(n);
  Object.values(groups).forEach(([first, lv, ns], i) => {
    series.push({ label: `trivial value of ${ns.join(", ")}: vacuous above`, width: 1, points: { show: false },
      stroke: ns.length === 1 ? RESULTS.styles[first].color : "#555555", dash: RESULTS.trivialDashes[i % RESULTS.trivialDashes.length],
      value: (u, v) => (v == null ? "–" : Fmt.log10(ax.inv(v))) });
    cols.push(lv.map(T));
  });
  const shade = (u) => {
    const { ctx, bbox } = u;
    ctx.save(); ctx.fillStyle = "rgba(214,39,40,0.10)";
    for (let i = 0; i < xs.length; i++) {
      if (!data.past[i]) continue;
      const a = u.valToPos(xs[Math.max(0, i - 0.5 | 0)], "x", true), b = u.valToPos(xs[Math.min(xs.length - 1, i + 1)], "x", true);
      ctx.fillRect(a, bbox.top, b - a, bbox.height);
    }
    ctx.restore();
  };
  const marks = (u) => { // the current value of x, and the values beyond float range at the top edge
    const { ctx, bbox } = u, px = devicePixelRatio || 1;
    ctx.save();
    if (current !== null && current >= xs[0] && current <= xs[xs.length - 1]) {
      const x = u.valToPos(current, "x", true);
      ctx.strokeStyle = "#333"; ctx.lineWidth = px; ctx.setLineDash([4 * px, 3 * px]);
      ctx.beginPath(); ctx.moveTo(x, bbox.top); ctx.lineTo(x, bbox.top + bbox.height); ctx.stroke();
      ctx.setLineDash([]); ctx.fillStyle = "#333"; ctx.font = `${11 * px}px system-ui, sans-serif`;
      ctx.fillText(`now: ${xVal(current)}`, x + 4 * px, bbox.top + 24 * px);
    }
    const rowOf = {};
    data.off.forEach((flags, j) => { if (flags.some(Boolean)) rowOf[j] = Object.keys(rowOf).length; });
    data.off.forEach((flags, j) => flags.forEach((f, i) => { // one row of marks per result, in its colour
      if (!f || i % 3) return;
      const x = u.valToPos(xs[i], "x", true), y = bbox.top + (7 + 9 * rowOf[j]) * px;
      ctx.fillStyle = RESULTS.styles[names[j]].color;
      ctx.beginPath(); ctx.moveTo(x, y - 5 * px); ctx.lineTo(x - 4 * px, y + 3 * px); ctx.lineTo(x + 4 * px, y + 3 * px); ctx.fill();
    }));
    ctx.restore();
  };
  const opts = {
    width, height, padding: [16, 16, 0, 0],
    scales: { x: { time: false, range: () => [xs[0] - 0.02 * (xs[xs.length - 1] - xs[0]), xs[xs.length - 1] + 0.02 * (xs[xs.length - 1] - xs[0])] },
      y: { range: () => [ax.min, ax.max] } },
    series, hooks: { drawClear: [shade], draw: [marks] },
    legend: { markers: { dash: (u, i) => (u.series[i].dash ? "dashed" : "solid") } },
    axes: [{ label: xLabel, splits: () => xTicks.map((t) => t[0]), values: (u, s) => s.map((v) => (xTicks.find((t) => t[0] === v) || [0, ""])[1]) },
      { label: ax.dbl ? "bound (double-log above 10¹⁰)" : "bound (log scale)", size: 84,
        splits: () => ax.ticks.map((t) => t[0]), values: (u, s) => s.map((v) => (ax.ticks.find((t) => t[0] === v) || [0, ""])[1]) }],
  };
  if (charts[id]) charts[id].destroy();
  charts[id] = new uPlot(opts, [xs, ...cols], box);
  charts[id].ditrates = { names, on, off: data.off, ticks: ax.ticks, current };
}

function drawCharts(raw, reading, state, outside) {
  const { bad, ok, shown } = state, nNames = RESULTS.charts.n, lNames = RESULTS.charts.L;
  const lgs = Array.from({ length: 59 }, (_, i) => 1 + i / 2); // n = 10 to 1e30, two points a decade
  const atN = (lg) => ({ ...ok, n: valueOfLn(lg * Math.LN10, true) });
  const nTicks = [5, 10, 15, 20, 25, 30].map((k) => [k, pow10(k)]);
  draw("chart-n", "n", lgs, nTicks, (v) => `1e${Math.round(v * 10) / 10}`, nNames, chartData(nNames, lgs, atN, reading, bad, outside),
    "n" in shown ? shown.n.l / Math.LN10 : null);
  const d = "d" in shown ? shown.d.x : 4;
  const Ls = [...new Set(Array.from({ length: 33 }, (_, i) => Math.round(2 * Math.pow(2, i / 4))))]; // 2 to 512
  const atL = (lgL) => {
    const r = { ...ok, d: valueOf(d, true), L: valueOf(Math.round(Math.pow(10, lgL)), true) };
    delete r.d0;
    return r;
  };
  const lTicks = [2, 4, 8, 16, 32, 64, 128, 256, 512].map((L) => [Math.log10(L), String(L)]);
  draw("chart-L", `L (d = ${d}, d0 = d L)`, Ls.map(Math.log10), lTicks, (v) => String(Math.round(Math.pow(10, v))), lNames,
    chartData(lNames, Ls.map(Math.log10), atL, reading, bad, outside), "L" in shown ? Math.log10(shown.L.x) : null);
}

function update() {
  const raw = rawInputs(), reading = $("xi-reading").value, outside = $("outside-range").checked;
  drawCharts(raw, reading, render(raw, reading, outside), outside);
}

let timer = null;
function schedule() { clearTimeout(timer); timer = setTimeout(update, 120); }

$("inputs").addEventListener("input", schedule);
$("xi-reading").addEventListener("change", schedule);
$("outside-range").addEventListener("change", schedule);
$("preset").addEventListener("change", () => {
  const values = $("preset").value ? JSON.parse($("preset").value) : {};
  for (const k of ["d0", "d", "L", "D"]) $("in-" + k).value = values[k] ?? "";
  schedule();
});
window.addEventListener("resize", schedule);
window.ditratesPage = { update, evaluateReport, resolve, LS, Fmt, RESULTS, charts };
const t0 = performance.now();
update();
window.ditratesPage.firstRenderMs = performance.now() - t0;
window.ditratesPage.renderedAt = performance.now(); // since navigation start
