// ditrates page: the CLI's defaults and evaluation (ditrates.defaults.resolve, ditrates.xi.choose,
// ditrates.report.evaluate) on the generated RESULTS. Formulas come from ditrates-data.js; this file is glue,
// and its sentences are the Python ones (the browser test compares them).
"use strict";

const K = RESULTS.constants;
RESULTS.byName = Object.fromEntries(RESULTS.results.map((r) => [r.name, r]));
const P = RESULTS.params;
const fmt = (v) => Fmt.number(v);
const fromPair = (p, int = false) => ({ s: p[0], l: p[1], x: int ? Math.round(LS.val(p)) : LS.val(p), int });
const envOf = (values) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [v.s, v.l]]));

// ---- xi: eps = auto (ditrates.xi) ----------------------------------------------------------------------
const edgeCache = new Map();
function yEdge(L) { // xi._y_edge: the root of the printed range's defining inequality, moved inside
  if (!edgeCache.has(L)) {
    const v = { L: LS.num(L) };
    const y = findRoot((u) => LS.val(RESULTS.xi.edge(u, v)), 0, K.iterations, "above");
    edgeCache.set(L, y * (1 + K.edgeMargin));
  }
  return edgeCache.get(L);
}
const epsMax = (L) => valueOfLn(-yEdge(L));

function minimise(reading, v, L) { // xi.minimise (scalars)
  const X = RESULTS.xi[reading];
  const g = (y) => LS.val(X.g(y, v));
  const lo = reading === "printed" ? yEdge(L) : 0;
  let y, where;
  if (g(lo) < 0) { y = findRoot(g, lo, K.iterations); where = "interior"; }
  else if (reading === "printed") { y = lo; where = "edge"; }
  else {
    const target = Math.log1p(K.slack) + X.lnxi(0, v)[1];
    y = findRoot((u) => X.lnxi(u, v)[1] - target, 0, K.iterations); where = "limit";
  }
  return { eps: valueOfLn(-y), reading, where, lnxi: X.lnxi(y, v)[1], other: null };
}

function choose(requested, v, L) { // xi.choose
  if (requested !== "auto") return minimise(requested, v, L);
  const printed = minimise("printed", v, L), proof = minimise("proof", v, L);
  const [best, other] = printed.lnxi <= proof.lnxi ? [printed, proof] : [proof, printed];
  return { ...best, other };
}

function describeEps(c, L) { // EpsChoice.describe
  const form = c.reading === "printed" ? "Def. 3.4 as printed" : "the proof's form of xi (App. F.2)";
  const e = fmt(c.eps);
  if (c.where === "interior") return `auto = ${e} (minimises xi, ${form})`;
  if (c.where === "edge") {
    const edge = Fmt.edge(c.eps);
    return `auto = ${edge}: the edge of the printed range eps <= ${edge} at L = ${fmt(L)}; xi as printed `
      + "would be smaller at larger eps, where the proof does not back it";
  }
  return `auto = ${e}: ${form} decreases all the way to eps = 1 (no minimiser in (0, 1)); eps puts xi within `
    + `${Math.round(K.slack * 100)}% of its infimum`;
}

function describeChoice(c) { // EpsChoice.describe_reading
  if (!c.other) return "given";
  const at = (x) => `${Fmt.log10(x.lnxi / Math.LN10)} at eps = ${x.where === "edge" ? Fmt.edge(x.eps) : fmt(x.eps)}`;
  return `auto: the smaller minimum of xi (${at(c)}; ${c.other.reading}: ${at(c.other)})`;
}

function readingAt(eps, L, requested) { // xi.reading_at, xi.describe_reading_at
  if (requested !== "auto") return [requested, null];
  const inside = RESULTS.xiRange({ eps: [eps.s, eps.l], L: [L.s, L.l] });
  const [e, edge] = Fmt.against(eps, epsMax(L.x));
  return inside
    ? ["printed", `auto: eps = ${e} <= ${edge} (L = ${fmt(L)}), where App. F.2 backs Def. 3.4 as printed`]
    : ["proof", `auto: eps = ${e} > ${edge} (L = ${fmt(L)}), beyond the range where App. F.2 backs Def. 3.4 as `
      + "printed"];
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
    const { n, L, C_K } = ctx.values;
    if (!(L.x >= 2)) throw new InputError("eps = auto minimises xi, which needs L >= 2 (Theorem 3.2: L > 1); give eps");
    if (L.x > 1e15) {
      throw new InputError(`eps = auto at L = ${fmt(L)} lies within about 1/L of 1, below the working precision `
        + "(L <= 1e15); give eps");
    }
    const c = choose(ctx.xiReading, { n: [n.s, n.l], L: [L.s, L.l], C_K: [C_K.s, C_K.l] }, L.x);
    ctx.reading = c.reading;
    ctx.extra.xi_reading = describeChoice(c);
    return [c.eps, describeEps(c, L)];
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
  const ctx = { values, xiReading, reading: null, extra: {} };
  for (let changed = true; changed;) {
    changed = false;
    for (const rule of RESULTS.rules) {
      if (wanted.has(rule.key) && !(rule.key in values) && rule.needs.every((k) => k in values)) {
        [values[rule.key], reasons[rule.key]] = applyRule(rule, ctx);
        changed = true;
      }
    }
  }
  Object.assign(reasons, ctx.extra);
  let reading = ctx.reading;
  if (wanted.has("eps") && "eps" in values && !("eps" in reasons) && "L" in values && values.L.x >= 2) {
    const [r, why] = readingAt(values.eps, values.L, xiReading);
    reading = r;
    if (why) reasons.xi_reading = why;
  }
  for (const k of Object.keys(P).filter((key) => needed.includes(key))) { // the order of PARAMS
    if (!(k in values)) throw new InputError(`${P[k].label} is needed (${P[k].meaning}; no default)`);
  }
  return { values, reasons, reading };
}

// ---- rows: report.evaluate ----------------------------------------------------------------------------------
const HINTS = {
  range: (vals) => `Definition 3.4 as printed holds for eps <= ${Fmt.edge(epsMax(vals.L.x))} at L = ${fmt(vals.L)}; `
    + "the proof reading holds for every eps in (0, 1)",
  tuned: (vals) => `the tuned eps = ${fmt(fromPair(RESULTS.xi.epsTuned(envOf(vals))))} lies above eps_max(L) = `
    + `${Fmt.edge(epsMax(vals.L.x))} at L = ${fmt(vals.L)}`,
};

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

function evaluateRow(r, res) { // Result.try_evaluate_at
  const reading = "printed" in r.forms ? res.reading : null;
  const v = envOf(res.values);
  for (const c of r.conditions) {
    if (c.reading !== null && c.reading !== reading) continue;
    if (c.test(v)) continue;
    const shown = shownAt(c, res.values);
    const hint = !c.hint ? "" : (c.hint.text !== undefined ? c.hint.text : HINTS[c.hint](res.values));
    return { r, ok: false, reading, condition: c,
      message: `${r.name}: condition ${c.text} of ${c.source} fails at ${shown}` + (hint ? ` (${hint})` : "") };
  }
  const p = r.forms[reading || ""](v);
  const log10 = p[1] / Math.LN10;
  const trivial = r.trivial ? r.trivial(v)[1] : null;
  return { r, ok: true, reading, log10, text: Fmt.log10(log10), vacuous: trivial === null ? null : p[1] > trivial };
}

function evaluateReport(names, raw, xiReading) { // report.evaluate: one resolution, a row per result
  const rs = names.map((n) => RESULTS.byName[n]);
  const needed = [...new Set(rs.flatMap((r) => r.keys))].sort();
  const res = resolve(raw, needed, xiReading);
  return { res, rows: rs.map((r) => evaluateRow(r, res)) };
}
