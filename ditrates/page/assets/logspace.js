// ditrates page runtime: signed log-space arithmetic, a bracketing bisection, and number formatting.
// Generic and hand-written; every formula of the paper is generated from sympy (ditrates/page/jsprint.py).
//
// A number x is the pair [sign(x), ln|x|], as in ditrates.numerics.ln_eval: products add logarithms, sums
// are a signed log-sum-exp, b^e is e ln b. A value whose logarithm exceeds a double (beyond 10^(1.8e308))
// has ln = Infinity; nothing here produces NaN for a value whose logarithm fits.
"use strict";

const LS = (() => {
  const num = (x) => [Math.sign(x), Math.log(Math.abs(x))];
  const val = (p) => (p[0] === 0 ? 0 : p[0] * Math.exp(p[1]));
  function mul(...xs) {
    let s = 1, l = 0;
    for (const p of xs) { s *= p[0]; l += p[1]; }
    return [s, s === 0 ? -Infinity : l];
  }
  function add(...xs) {
    // numerics._walk: live terms only; the largest log is factored out.
    let m = -Infinity;
    for (const p of xs) if (p[0] !== 0 && p[1] > m) m = p[1];
    if (m === -Infinity) return [0, -Infinity];
    if (m === Infinity) {
      let s = 0;
      for (const p of xs) if (p[0] !== 0 && p[1] === Infinity) s += p[0];
      return [Math.sign(s), Infinity];
    }
    let t = 0;
    for (const p of xs) if (p[0] !== 0) t += p[0] * Math.exp(p[1] - m);
    return t === 0 ? [0, -Infinity] : [Math.sign(t), m + Math.log(Math.abs(t))];
  }
  const powi = (p, k) => [k % 2 !== 0 ? p[0] : p[0] * p[0], p[1] * k];
  const pow = (p, e) => [p[0] * p[0], p[1] === 0 ? 0 : e * p[1]];
  const exp = (x) => [1, x];
  const log = (p) => num(p[1]);
  const sigma = (t) => num(-Math.expm1(-t));
  const min = (...xs) => num(Math.min(...xs));
  const max = (...xs) => num(Math.max(...xs));
  // The sign of a - b. Python checks conditions exactly; in doubles a value on the boundary (T0 = 0.1 against
  // min(c0, 1/10)) can land an ulp off, so logs within TIE (relative) count as equal.
  const TIE = 1e-14;
  function cmp(a, b) {
    if (a[0] !== b[0]) return Math.sign(a[0] - b[0]);
    if (a[0] === 0 || Math.abs(a[1] - b[1]) <= TIE * Math.max(1, Math.abs(a[1]))) return 0;
    return a[0] * Math.sign(a[1] - b[1]);
  }
  // An equality of conditions (d0 = d L): equal within rounding, as Condition.holds_grid allows.
  const close = (a, b) => a[0] === b[0] && Math.abs(a[1] - b[1]) <= 1e-12 * Math.max(1, Math.abs(a[1]));
  return { num, val, mul, add, powi, pow, exp, log, sigma, min, max, cmp, close };
})();

// ditrates.roots.bisect and find_root (scalar): f increasing, f(lo) <= 0; the bracket doubles from
// lo + step until f(hi) > 0, then `iterations` halvings; side "mid", "below" or "above".
function findRoot(f, lo, iterations, side = "mid", step = 1.0, maxDoublings = 2000) {
  let hi = lo + step, k = 0;
  for (; k < maxDoublings; k++) {
    if (f(hi) <= 0) hi = lo + 2 * (hi - lo); else break;
  }
  if (k === maxDoublings) throw new Error("find_root: no sign change found");
  for (let i = 0; i < iterations; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) <= 0) lo = mid; else hi = mid;
    if (hi - lo <= 0) break;
  }
  return side === "below" ? lo : side === "above" ? hi : (lo + hi) / 2;
}

// ---- numbers out: ditrates.formatting (mpmath.nstr's rules, on [sign, log10|x|]) ----------------------
const Fmt = (() => {
  // The significant digits and decimal exponent of 10^lg (as mpmath's to_digits_exp: truncated, not rounded).
  // mpmath.libmp.to_digits_exp for a double x > 0 (x = man 2^exp exactly): a fixed-point conversion at
  // about dps log2(10) + 10 bits, rounded toward zero, as mpmath does it (so ties fall as in Python).
  function doubleDigits(x, dps) {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    const hi = view.getUint32(0), lo = view.getUint32(4), biased = (hi >>> 20) & 0x7ff;
    let man = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo), exp = (biased || 1) - 1075;
    if (biased) man |= 1n << 52n;
    while ((man & 1n) === 0n) { man >>= 1n; exp += 1; }
    const bc = man.toString(2).length;
    const fixprec = Math.max(Math.floor(dps * Math.log2(10)) + 10 - exp - bc, 0);
    const shift = exp + fixprec;
    const sf = shift >= 0 ? man << BigInt(shift) : man >> BigInt(-shift);
    const fixdps = Math.floor(fixprec / Math.log2(10) + 0.5);
    const digits = ((sf * 10n ** BigInt(fixdps)) >> BigInt(fixprec)).toString();
    return [digits, digits.length - fixdps - 1];
  }
  // The digits of 10^lg beyond doubles (the mantissa from the fractional part of lg).
  function digitsOf(lg, count, x) {
    if (Number.isFinite(x) && x !== 0) return doubleDigits(Math.abs(x), count - 3);
    let e = Math.floor(lg);
    let m = Math.pow(10, lg - e);
    if (m >= 10) { m /= 10; e += 1; }
    const shown = m.toExponential(count + 6);
    const exp10 = parseInt(shown.split("e")[1], 10);
    const ds = shown.split("e")[0].replace(".", "").slice(0, count);
    return [ds, e + exp10];
  }
  // mpmath.libmp.to_str(x, dps, strip_zeros, min_fixed, max_fixed) for x = sign * 10^lg.
  function nstr(sign, lg, dps, minFixed, maxFixed, stripZeros, x = NaN) {
    if (sign === 0) return "0.0";
    let [digits, exponent] = digitsOf(lg, dps + 3, x);
    if (digits.length > dps && "56789".includes(digits[dps])) {
      digits = digits.slice(0, dps);
      let i = dps - 1;
      while (i >= 0 && digits[i] === "9") i--;
      if (i >= 0) digits = digits.slice(0, i) + String(+digits[i] + 1) + "0".repeat(dps - i - 1);
      else { digits = "1" + "0".repeat(dps - 1); exponent += 1; }
    } else digits = digits.slice(0, dps);
    let split = 1;
    if (minFixed < exponent && exponent < maxFixed) {
      if (exponent < 0) { digits = "0".repeat(-exponent) + digits; split = 1; }
      else { split = exponent + 1; if (split > dps) digits += "0".repeat(split - dps); }
      exponent = 0;
    }
    digits = digits.slice(0, split) + "." + digits.slice(split);
    if (stripZeros) { digits = digits.replace(/0+$/, ""); if (digits.endsWith(".")) digits += "0"; }
    const s = sign < 0 ? "-" : "";
    if (exponent === 0) return s + digits;
    return s + digits + (exponent > 0 ? "e+" : "e") + exponent;
  }
  // Python's f"{x:.{digits}g}" for an integral float below 1e16.
  function g4(x, digits = 4) {
    const e = Math.floor(Math.log10(Math.abs(x)));
    if (e < -4 || e >= digits) {
      const [m, ex] = x.toExponential(digits - 1).split("e");
      const mm = m.includes(".") ? m.replace(/0+$/, "").replace(/\.$/, "") : m;
      const n = parseInt(ex, 10);
      return `${mm}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
    }
    return String(parseFloat(x.toPrecision(digits)));
  }
  // format_number: a value {s, l (ln|x|), x (a double, or Infinity), int (a Python int)}.
  function number(v, digits = 4) {
    const lg = v.l / Math.LN10;
    if (v.int && Math.abs(v.x) < 1e7) return String(v.x);
    if (v.int && Math.abs(v.x) < 1e16) return g4(v.x, digits);
    if (!v.int && Number.isInteger(v.x) && Math.abs(v.x) < 1e7) return String(v.x);
    const shown = nstr(v.s, lg, digits, -4, 7, true, v.x);
    if ((shown === "1" || shown === "1.0") && v.s > 0 && v.x < 1) {  // a number in (0, 1) never prints as 1
      const gap = 1 - v.x;
      return "1 - " + nstr(1, Math.log10(gap), 2, -4, 7, true, gap);
    }
    return shown;
  }
  // format_log10: 10^lg without overflow, and a tower 10^(10^(...)) where lg itself is beyond 1e300.
  function log10(lg, digits = 4) {
    if (Math.abs(lg) < 300) return nstr(1, lg, digits, -4, 5, false, Math.pow(10, lg)).replace(/\.$/, "");
    if (!Number.isFinite(lg)) return lg > 0 ? "> 10^(1.8e+308)" : "0";
    if (Math.abs(lg) >= 1e300) return `10^(${lg < 0 ? "-" : ""}${log10(Math.log10(Math.abs(lg)), digits)})`;
    let shown = nstr(Math.sign(lg), Math.log10(Math.abs(lg)), digits, -1, 4, true);
    if (shown.endsWith(".0")) shown = shown.slice(0, -2);
    return `10^(${shown})`;
  }
  // format_edge: the end of a range rounded inward to 4 significant digits (down for an upper end), a double.
  function edge(v, upper = true, digits = 4) {
    const scale = Math.pow(10, digits - 1 - Math.floor(Math.log10(Math.abs(v.x))));
    const scaled = v.x * scale;
    let whole = upper ? Math.floor(scaled) : Math.ceil(scaled);
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.abs(scaled)) whole = Math.round(scaled);
    const x = whole / scale;
    return number({ s: Math.sign(x), l: Math.log(Math.abs(x)), x, int: false }, digits);
  }
  return { nstr, number, log10, g4, edge };
})();

// ---- numbers in: ditrates.formatting.parse_number (Python's Decimal syntax), exact for integers -------
function parseNumber(text, integer, name) {
  const raw = String(text).trim();
  const repr = (s) => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/'/g, "\\'")}'`);
  if (/^[+-]?(inf|infinity|s?nan\d*)$/i.test(raw)) throw new InputError(`${name} must be a finite number, got ${repr(raw)}`);
  const m = /^([+-]?)(?:(\d(?:_?\d)*)(?:\.((?:\d(?:_?\d)*)?))?|\.(\d(?:_?\d)*))(?:[eE]([+-]?\d(?:_?\d)*))?$/.exec(raw);
  if (!m) throw new InputError(`${name} must be a number, got ${repr(raw)}`);
  const intPart = (m[2] || "").replace(/_/g, ""), frac = (m[3] || m[4] || "").replace(/_/g, "");
  const exp = parseInt((m[5] || "0").replace(/_/g, ""), 10);
  let coeff = (intPart + frac).replace(/^0+/, "");
  let e10 = exp - frac.length; // value = coeff * 10^e10
  const trailing = coeff.length - coeff.replace(/0+$/, "").length;
  coeff = coeff.replace(/0+$/, ""); e10 += trailing;
  const adjusted = coeff ? coeff.length - 1 + e10 : 0;
  if (adjusted > 100000) throw new InputError(`${name} = ${raw} is too large (ditrates accepts up to 1e100000)`);
  const isInt = !coeff || e10 >= 0;
  if (integer && !isInt) throw new InputError(`${name} must be an integer, got ${raw}`);
  if (!integer && coeff && adjusted < -100000) throw new InputError(`${name} = ${raw} is too small (ditrates accepts down to 1e-100000)`);
  const s = !coeff ? 0 : m[1] === "-" ? -1 : 1;
  if (!coeff) return { s: 0, l: -Infinity, x: 0, int: integer };
  if (Math.abs(adjusted) < 300) {
    const x = s * parseFloat(`${coeff}e${e10}`);
    return { s, l: Math.log(Math.abs(x)), x, int: integer };
  }
  const head = coeff.slice(0, 17);
  const l = Math.log(parseFloat(head)) + (e10 + coeff.length - head.length) * Math.LN10;
  return { s, l, x: s * Math.exp(l), int: integer };
}

class InputError extends Error {}

function valueOf(x, int = false) {
  return { s: Math.sign(x), l: Math.log(Math.abs(x)), x, int };
}
function valueOfLn(l, int = false) {
  return { s: 1, l, x: Math.exp(l), int };
}
