// ditrates page: the CLI's defaults and evaluation (ditrates.defaults.resolve, ditrates.minimiser.minimise,
// ditrates.report.evaluate) on the generated RESULTS. Formulas come from ditrates-data.js; this file is glue,
// and its sentences are the Python ones (the browser test compares them).
"use strict";

const K = RESULTS.constants;
RESULTS.byName = Object.fromEntries(RESULTS.results.map((r) => [r.name, r]));
const P = RESULTS.params;
const fmt = (v) => Fmt.number(v);
const fromPair = (p, int = false) => ({ s: p[0], l: p[1], x: int ? Math.round(LS.val(p)) : LS.val(p), int });
const envOf = (values) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [v.s, v.l]]));

// ---- xi: the readings and eps = auto (ditrates.xi) -------------------------------------------------------
const RANGES = RESULTS.ranges;
function yEdge(c, v) { // xi._At.edge: the root of the range's h(y), moved inside
  const h = (y) => LS.val(c.h(y, v));
  return (h(0) >= 0 ? 0 : findRoot(h, 0, K.iterations, "above")) * (1 + K.edgeMargin);
}

function yLow(reading, v) { // xi._y_lo: the smallest y in every range of the reading, and the range that sets it
  let y = 0, binding = null;
  for (const i of RESULTS.readings[reading].ranges) {
    const e = yEdge(RANGES[i], v);
    if (e > y) { y = e; binding = RANGES[i]; }
  }
  return [y, binding];
}

function minimise(reading, v) { // minimiser.minimise (scalars)
  const X = RESULTS.readings[reading];
  const g = (y) => LS.val(X.g(y, v));
  const [lo, binding] = yLow(reading, v);
  let y, where, bind = null;
  if (g(lo) < 0) { y = findRoot(g, lo, K.iterations); where = "interior"; }
  else if (binding) { y = lo; where = "edge"; bind = binding; }
  else {
    const target = Math.log1p(K.slack) + X.lnxi(lo, v)[1];
    y = findRoot((u) => X.lnxi(u, v)[1] - target, lo, K.iterations); where = "limit";
  }
  return { eps: valueOfLn(-y), reading, where, binding: bind };
}

function shownEdge(conds, vals) { // ranges.shown_edge with formatting.format_edge: never outside the ranges
  const v = envOf(vals);
  const y = Math.max(...conds.map((c) => yEdge(c, v)));
  const x = Math.exp(-y), nearest = Fmt.number(valueOf(x));
  const inside = (e) => conds.every((c) => c.test({ ...v, eps: LS.num(e) }));
  if (!nearest.includes(" ") && inside(Number(nearest))) return nearest;
  return Fmt.edge(valueOf(x));
}

function describeEps(c, vals) { // EpsChoice.describe: an edge printed inward
  const title = RESULTS.readings[c.reading].title;
  const e = c.where === "edge" ? shownEdge(RESULTS.readings[c.reading].ranges.map((i) => RANGES[i]), vals) : fmt(c.eps);
  if (c.where === "interior") return `auto = ${e} (minimises xi, ${title}, inside its ranges)`;
  if (c.where === "edge") return `auto = ${e}: the edge of the range ${c.binding.text} (${hintOf(c.binding, vals)}); `
    + "xi would be smaller at larger eps, where the proof does not back it";
  return `auto = ${e}: ${title} decreases all the way to eps = 1 (no minimiser in (0, 1)); eps puts xi within `
    + `${Math.round(K.slack * 100)}% of its infimum`;
}

// ---- parameters: defaults.resolve -------------------------------------------------------------------------
function check(key, v) { // Param.check
  const p = P[key];
  let bad = p.integer && !Number.isInteger(v.x) && Number.isFinite(v.x);
  if (p.low !== null) { const c = LS.cmp([v.s, v.l], LS.num(p.low)); bad ||= c < 0 || (p.openLow && c === 0); }
  if (p.high !== null) { const c = LS.cmp([v.s, v.l], LS.num(p.high)); bad ||= c > 0 || (p.openHigh && c === 0); }
  if (bad) throw new InputError(`${p.label} must be ${p.domain}, got ${fmt(v)}`);
}

function closure(keys, given) { // defaults._closure
  const out = new Set(keys);
  let changed = true;
  while (changed) {
    changed = false;
    for (const k of [...out]) {
      if (given.has(k)) continue;
      for (const dep of RESULTS.depends[k] || []) if (!out.has(dep)) { out.add(dep); changed = true; }
    }
  }
  return out;
}

function defaultD(d0) { // defaults.default_d
  if (d0 % 4 === 0 && Math.floor(d0 / 4) > 1) return 4;
  for (let d = 2; d <= Math.min(Math.floor(Math.sqrt(d0)), 1e6); d++) if (d0 % d === 0) return d;
  if (Math.floor(Math.sqrt(d0)) > 1e6) {
    throw new InputError(`d0 = ${fmt(valueOf(d0, true))} has no divisor up to 1000000; give d or L (Definition 3.1: d0 = d L)`);
  }
  throw new InputError(`d0 = ${d0} has no factorisation d0 = d L with d, L > 1 (Definition 3.1 and Theorem 3.2 need `
    + "L > 1); give d and L");
}

function exactDiv(a, b, name) { // defaults._exact_div
  if (a % b) throw new InputError(`${name} = ${b} does not divide d0 = ${a} (Definition 3.1: d0 = d L)`);
  return a / b;
}

// The rules of ditrates.defaults.RULES that are computations, not expressions, by name.
const COMPUTE = {
  d_from_L: (ctx) => [valueOf(exactDiv(ctx.values.d0.x, ctx.values.L.x, "L"), true), "d0 / L"],
  L_from_d: (ctx) => {
    const L = valueOf(exactDiv(ctx.values.d0.x, ctx.values.d.x, "d"), true);
    return [L, `d0 / d = ${fmt(L)}`];
  },
  d_default: (ctx) => {
    const d = defaultD(ctx.values.d0.x);
    return [valueOf(d, true), d === 4 ? "4 (patch p = 2, d = p^2)" : `${d} (smallest divisor > 1 of d0)`];
  },
  eps_auto: (ctx) => {
    if (!(ctx.values.L.x >= 2)) {
      throw new InputError("eps = auto minimises xi, which needs L >= 2 (Theorem 3.2: L > 1); give eps");
    }
    const c = minimise(ctx.reading, envOf(ctx.values));
    return [c.eps, describeEps(c, ctx.values)];
  },
};

function applyRule(rule, ctx) { // defaults.Rule.apply
  if (rule.name !== "expr") return COMPUTE[rule.name](ctx);
  const v = fromPair(rule.fn(envOf(ctx.values)), rule.integer);
  return [v, rule.reason.replace("{value}", fmt(v))];
}

// raw: key -> string (or an already parsed value), needed: keys; returns {values, reasons, reading}.
function resolve(raw, needed, xiReading) { // defaults.resolve
  const values = {}, reasons = {};
  for (const key of RESULTS.inputs) {
    if (raw[key] === undefined || raw[key] === "") continue;
    const v = typeof raw[key] === "object" ? raw[key] : parseNumber(raw[key], P[key].integer, P[key].label);
    if (typeof raw[key] !== "object") check(key, v);
    values[key] = v;
  }
  if ("d0" in values && "d" in values && "L" in values && values.d0.x !== values.d.x * values.L.x) {
    throw new InputError(`d0 = ${values.d0.x} differs from d L = ${values.d.x * values.L.x} (Definition 3.1)`);
  }
  const wanted = closure(needed, new Set(Object.keys(values)));
  const ctx = { values, reading: xiReading };
  for (let changed = true; changed;) {
    changed = false;
    for (const rule of RESULTS.rules) {
      if (wanted.has(rule.key) && !(rule.key in values) && rule.needs.every((k) => k in values)) {
        [values[rule.key], reasons[rule.key]] = applyRule(rule, ctx);
        changed = true;
      }
    }
  }
  for (const k of Object.keys(P).filter((key) => needed.includes(key))) { // the order of PARAMS
    if (!(k in values)) throw new InputError(`${P[k].label} is needed (${P[k].meaning}; no default)`);
  }
  return { values, reasons, reading: xiReading };
}

// ---- rows: report.evaluate ----------------------------------------------------------------------------------
const HINTS = {
  f2: (vals, c) => `App. F.2's step holds for eps <= ${shownEdge([c], vals)} at L = ${fmt(vals.L)}`,
  construction: (vals, c) => "Theorem 3.1's construction needs delta = C_delta eps^(2/d) <= 1/2: eps <= "
    + `${shownEdge([c], vals)} at d = ${fmt(vals.d)}, C_delta = ${fmt(vals.C_delta)}`,
};
function hintOf(c, vals) { // Condition.hint_at
  if (!c.hint) return "";
  if (c.hint.text !== undefined) return c.hint.text;
  const base = HINTS[c.hint.template](vals, RANGES[c.hint.range]);
  return c.hint.tuned ? `${base} (the tuned eps = ${fmt(fromPair(RESULTS.epsTuned(envOf(vals))))})` : base;
}

function shownAt(c, values) { // Condition.shown_at: digits enough that the printed values, typed back, still fail
  let texts = [];
  for (let digits = 4; digits <= 20; digits++) {
    texts = c.keys.map((k) => Fmt.number(values[k], digits));
    const typed = { ...values };
    try {
      c.keys.forEach((k, i) => { typed[k] = parseNumber(texts[i], false, k); });
    } catch (e) {
      if (e instanceof InputError) break; // a form that does not parse back: as precise as it gets
      throw e;
    }
    if (!c.test(envOf(typed))) break;
  }
  return c.keys.map((k, i) => `${P[k].label} = ${texts[i]}`).join(", ");
}

function conditionsFor(r, reading) { // Result.conditions_for
  return reading ? [...r.conditions, ...RESULTS.readings[reading].ranges.map((i) => RANGES[i])] : r.conditions;
}

function evaluateRow(r, res, outsideRange) { // Result.try_evaluate_at
  const reading = Object.keys(r.forms).includes(K.defaultReading) ? res.reading : null;
  const v = envOf(res.values), outside = [];
  for (const c of conditionsFor(r, reading)) {
    if (c.test(v)) continue;
    if (outsideRange && c.waivable) { outside.push(c); continue; }
    const shown = shownAt(c, res.values);
    const hint = hintOf(c, res.values);
    return { r, ok: false, reading, condition: c,
      message: `${r.name}: condition ${c.text} of ${c.source} fails at ${shown}` + (hint ? ` (${hint})` : "") };
  }
  const p = r.forms[reading || ""](v);
  const log10 = p[1] / Math.LN10;
  const trivial = r.trivial ? r.trivial(v)[1] : null;
  return { r, ok: true, reading, log10, text: Fmt.log10(log10), outside,
    vacuous: trivial === null ? null : p[1] > trivial };
}

function evaluateReport(names, raw, xiReading, outsideRange = false) { // report.evaluate: one resolution
  const rs = names.map((n) => RESULTS.byName[n]);
  const needed = [...new Set(rs.flatMap((r) => r.keys))].sort();
  const res = resolve(raw, needed, xiReading);
  return { res, rows: rs.map((r) => evaluateRow(r, res, outsideRange)) };
}
