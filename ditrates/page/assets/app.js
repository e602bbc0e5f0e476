// ditrates page: reads the inputs, fills the table and draws the charts (uPlot). Glue only.
"use strict";

const G = RESULTS.groups;
const REPORTS = [[...G.statistical, ...G.derived, ...G.baselines.filter((n) => !G.computational.includes(n)
  && RESULTS.byName[n].kind !== "baseline" || RESULTS.byName[n].keys.includes("n"))],
[...G.computational, ...G.baselines.filter((n) => !RESULTS.byName[n].keys.includes("n"))]];
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const DOUBLE_LOG_SPAN = 1000; // as ditrates.plot: beyond this many decades the y-axis is double-log
const $ = (id) => document.getElementById(id);

function rawInputs() {
  const raw = {};
  for (const k of RESULTS.inputs) {
    const el = $("in-" + k);
    if (el && el.value.trim() !== "") raw[k] = el.value;
  }
  return raw;
}

function reportOrError(names, raw, reading) {
  try { return evaluateReport(names, raw, reading); } catch (e) {
    if (e instanceof InputError) return { error: e.message };
    throw e;
  }
}

// ---- the table and the parameters ----------------------------------------------------------------------------
function renderRow(row, error) {
  const tr = $("row-" + row.r.name), [, , val, lg, rd, note] = tr.children;
  tr.className = error || !row.ok ? "failed" : row.vacuous ? "vacuous" : "";
  val.textContent = !error && row.ok ? row.text : "–";
  lg.textContent = !error && row.ok ? (Number.isFinite(row.log10) ? Fmt.number(valueOf(row.log10))
    : "> 1.8e+308") : "–";
  tr.dataset.log10 = !error && row.ok ? String(row.log10) : "";
  rd.textContent = !error && row.reading ? row.reading : "";
  note.textContent = error ? error : !row.ok ? row.message
    : row.vacuous ? `VACUOUS: above its trivial value (${row.r.trivialReason})` : "";
}

function render(raw, reading) {
  const reports = REPORTS.map((names) => reportOrError(names, raw, reading));
  const errors = [...new Set(reports.filter((r) => r.error).map((r) => r.error))];
  $("error").hidden = errors.length === 0;
  $("error").textContent = errors.join(" | ");
  reports.forEach((rep, i) => {
    for (const n of REPORTS[i]) {
      renderRow(rep.error ? { r: RESULTS.byName[n] } : rep.rows.find((x) => x.r.name === n), rep.error);
    }
  });
  const shown = {}, why = {};
  for (const rep of [...reports].reverse()) {
    if (rep.error) continue;
    Object.assign(shown, rep.res.values);
    Object.assign(why, rep.res.reasons);
  }
  for (const k of [...RESULTS.inputs, "xi_reading"]) {
    const val = $("val-" + k), w = $("why-" + k);
    if (val) {
      const edge = k === "eps" && (why[k] || "").includes("the edge of the printed range"); // report.param_rows
      val.textContent = k in shown ? (edge ? Fmt.edge(shown[k]) : Fmt.number(shown[k])) : "";
      val.dataset.log10 = k in shown ? String(shown[k].l / Math.LN10) : "";
    }
    if (w) w.textContent = k in why ? why[k] : k in shown ? "given" : "";
  }
  return reports;
}

// ---- the charts -------------------------------------------------------------------------------------------------------
const charts = {};
const tick = (v) => (Math.abs(v) < 1e4 ? `1e${Math.round(v * 100) / 100}` : `1e(${Fmt.log10(v)})`);

function curves(names, xs, rawAt, reading) {
  const ys = names.map(() => []), printed = [];
  for (const x of xs) {
    const rep = reportOrError(names, rawAt(x), reading);
    names.forEach((n, j) => {
      const row = rep.error ? null : rep.rows[j];
      ys[j].push(row && row.ok && Number.isFinite(row.log10) ? row.log10 : null);
    });
    printed.push(!rep.error && rep.res.reading === "printed");
  }
  return { ys, printed };
}

function draw(id, xLabel, xs, xVal, names, data, extra) {
  const finite = data.ys.flat().filter((v) => v !== null);
  const span = finite.length ? Math.max(...finite) - Math.min(...finite, 0) : 0;
  const dbl = span > DOUBLE_LOG_SPAN;
  const T = (v) => (v === null ? null : dbl ? Math.sign(v) * Math.log10(1 + Math.abs(v)) : v);
  const inv = (t) => (dbl ? Math.sign(t) * (Math.pow(10, Math.abs(t)) - 1) : t);
  const series = [{ label: xLabel, value: (u, v) => (v == null ? "" : xVal(v)) }];
  names.forEach((n, j) => series.push({
    label: n, stroke: COLORS[j % COLORS.length], width: 1.6, dash: RESULTS.byName[n].kind === "baseline" ? [6, 4] : undefined,
    spanGaps: false, value: (u, v) => (v == null ? "–" : Fmt.log10(inv(v))),
  }));
  const cols = [xs, ...data.ys.map((col) => col.map(T))];
  for (const [label, level] of extra) {
    series.push({ label, stroke: "#888", width: 1, dash: [2, 3], value: () => Fmt.log10(level) });
    cols.push(xs.map(() => T(level)));
  }
  const shade = (u) => {
    const { ctx, bbox } = u;
    ctx.save(); ctx.fillStyle = "rgba(44,160,44,0.10)";
    for (let i = 0; i < xs.length; i++) {
      if (!data.printed[i]) continue;
      const a = u.valToPos(xs[Math.max(0, i - 0.5 | 0)], "x", true), b = u.valToPos(xs[Math.min(xs.length - 1, i + 1)], "x", true);
      ctx.fillRect(a, bbox.top, b - a, bbox.height);
    }
    ctx.restore();
  };
  const opts = {
    width: Math.min(640, document.body.clientWidth - 24), height: 340,
    scales: { x: { time: false } },
    series, hooks: { drawClear: [shade] },
    axes: [{ label: xLabel, values: (u, s) => s.map(xVal) },
      { label: dbl ? "bound (double-log: 1e(10^k))" : "bound", size: 70, values: (u, s) => s.map((t) => tick(inv(t))) }],
  };
  if (charts[id]) charts[id].destroy();
  charts[id] = new uPlot(opts, cols, $(id));
}

function drawCharts(raw, reading, reports) {
  const nNames = RESULTS.charts.n, lNames = RESULTS.charts.L;
  const lgs = Array.from({ length: 88 }, (_, i) => 1 + i / 3);
  const atN = (lg) => ({ ...raw, n: valueOfLn(lg * Math.LN10, true) });
  const tv = [["TV = 1: vacuous above (tv-recovery, chen2023-tv, ...)", 0]];
  draw("chart-n", "n", lgs, (v) => `1e${Math.round(v * 10) / 10}`, nNames, curves(nNames, lgs, atN, reading), tv);
  const base = reports[0].error ? null : reports[0].res.values;
  const d = base ? base.d.x : 4;
  const Ls = Array.from({ length: 47 }, (_, i) => i + 2);
  const atL = (L) => {
    const r = { ...raw, d: valueOf(d, true), L: valueOf(L, true) };
    delete r.d0;
    return r;
  };
  draw("chart-L", `L (d = ${d})`, Ls, (v) => String(v), lNames, curves(lNames, Ls, atL, reading), tv);
}

function update() {
  const raw = rawInputs(), reading = $("xi-reading").value;
  const reports = render(raw, reading);
  drawCharts(raw, reading, reports);
}

let timer = null;
function schedule() { clearTimeout(timer); timer = setTimeout(update, 120); }

$("inputs").addEventListener("input", schedule);
$("xi-reading").addEventListener("change", schedule);
window.ditratesPage = { update, evaluateReport, resolve, LS, Fmt, RESULTS };
const t0 = performance.now();
update();
window.ditratesPage.firstRenderMs = performance.now() - t0;
window.ditratesPage.renderedAt = performance.now(); // since navigation start
