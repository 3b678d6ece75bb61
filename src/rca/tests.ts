/**
 * Statistical tests for the analysis, accurate in the far tails (the evidence is ranked by -log10 p, so a p-value
 * of 1e-12 must not read as 0): the normal upper tail through a Chebyshev erfc with relative error below 1.2e-7
 * everywhere, exact binomial tails in log space, the Mann-Whitney rank test with tie correction, a conditional
 * (binomial) test of two Poisson rates, and the Cauchy combination of dependent p-values (Liu & Xie 2020), which is
 * stays valid under arbitrary dependence and, for small p-values, is their weighted harmonic mean: never below the
 * smallest one, at most the number of inputs times it (it does not reward agreement; it does not punish it much).
 * Pure and deterministic.
 */

/** Smallest p-value the analysis distinguishes (1e-300): beyond it, evidence is "overwhelming" anyway. */
export const P_FLOOR = 1e-300;

/** ln(erfc(x)) for x >= 0 (Numerical Recipes erfcc: fractional error < 1.2e-7), finite for any x. */
function lnErfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) + poly;
}

/** ln P(Z > z) for a standard normal Z. */
export function lnNormalSf(z: number): number {
  if (z >= 0) return lnErfc(z / Math.SQRT2) - Math.LN2;
  return Math.log1p(-Math.exp(lnErfc(-z / Math.SQRT2) - Math.LN2));
}

function lnGamma(x: number): number {
  // Lanczos (g=7, n=9): about 15 significant digits for x > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const y = x - 1;
  let a = c[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

function lnChoose(n: number, k: number): number {
  return lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1);
}

/** ln P(X >= k) for X ~ Binomial(n, p), without a floor. */
export function lnBinomialSf(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  if (p <= 0) return -Infinity;
  if (p >= 1) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  const terms: number[] = [];
  for (let i = k; i <= n; i++) terms.push(lnChoose(n, i) + i * lp + (n - i) * lq);
  let m = -Infinity;
  for (const t of terms) if (t > m) m = t;
  let s = 0;
  for (const t of terms) s += Math.exp(t - m);
  return Math.min(0, m + Math.log(s));
}

function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/**
 * ln P(X >= k) for X ~ BetaBinomial(n, a, b): n draws whose success probability is itself Beta(a, b). This is the
 * exact law of the number of new samples beyond the r-th order statistic of `nb` baseline samples under no change
 * (a = nb + 1 - r, b = r): the threshold is random, so the exceedances are dependent and a Binomial tail with the
 * mean probability would be anti-conservative.
 */
export function lnBetaBinomialSf(k: number, n: number, a: number, b: number): number {
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  const base = lnBeta(a, b);
  let m = -Infinity;
  const terms: number[] = [];
  for (let i = k; i <= n; i++) {
    const t = lnChoose(n, i) + lnBeta(i + a, n - i + b) - base;
    terms.push(t);
    if (t > m) m = t;
  }
  let s = 0;
  for (const t of terms) s += Math.exp(t - m);
  return Math.min(0, m + Math.log(s));
}

/** ln P(X <= k) for X ~ Binomial(n, p). */
function lnBinomialCdf(k: number, n: number, p: number): number {
  return lnBinomialSf(n - k, n, 1 - p);
}

/**
 * Mann-Whitney U as a z-score, positive when `after` tends to be larger than `before`, with tie correction and a
 * continuity correction; 0 when a side is empty or every value ties.
 */
export function rankSumZ(before: readonly number[], after: readonly number[]): number {
  const n1 = before.length;
  const n2 = after.length;
  if (n1 === 0 || n2 === 0) return 0;
  const all = new Float64Array(n1 + n2);
  const grp = new Uint8Array(n1 + n2);
  const idx: number[] = [];
  for (let i = 0; i < n1; i++) all[i] = before[i]!;
  for (let i = 0; i < n2; i++) {
    all[n1 + i] = after[i]!;
    grp[n1 + i] = 1;
  }
  for (let i = 0; i < n1 + n2; i++) idx.push(i);
  idx.sort((a, b) => all[a]! - all[b]! || grp[a]! - grp[b]! || a - b);
  let rankSum = 0;
  let tie = 0;
  let i = 0;
  const n = n1 + n2;
  while (i < n) {
    let j = i;
    while (j + 1 < n && all[idx[j + 1]!] === all[idx[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    const t = j - i + 1;
    tie += t * t * t - t;
    for (let k = i; k <= j; k++) if (grp[idx[k]!] === 1) rankSum += avg;
    i = j + 1;
  }
  const u = rankSum - (n2 * (n2 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tie / (n * (n - 1) || 1));
  if (!(variance > 0)) return 0;
  const d = u - mu;
  return (d - Math.sign(d) * 0.5) / Math.sqrt(variance);
}

/**
 * Two Poisson rates: `a` events over exposure `ta` (before) against `b` over `tb` (after). Conditional on the total,
 * b ~ Binomial(a + b, tb / (ta + tb)) when the rate did not change. Returns the natural logs of the one-sided
 * p-values of a rise and of a fall.
 */
export function poissonRateTest(
  a: number,
  ta: number,
  b: number,
  tb: number,
): { readonly up: number; readonly down: number } {
  const n = a + b;
  if (n === 0 || !(ta > 0) || !(tb > 0)) return { up: 0, down: 0 };
  const q = tb / (ta + tb);
  return { up: lnBinomialSf(b, n, q), down: lnBinomialCdf(b, n, q) };
}

/**
 * Cauchy combination of p-values given as natural logs, with weights (normalized to sum 1):
 * T = sum w tan((0.5 - p) pi), p = 0.5 - atan(T) / pi (Liu & Xie 2020). Valid under arbitrary dependence for small
 * p; for small p-values it is their weighted harmonic mean (1 / sum(w / p)): never below the smallest, so a weaker
 * extra input costs at most a factor of the number of inputs, and agreement is not rewarded (the price of validity
 * under dependence: the signals of one fault are not independent witnesses). Tiny
 * p-values are handled in log space through tan((0.5 - p) pi) = cot(p pi) ~ 1 / (p pi), so evidence beyond any
 * floating-point floor keeps its order. A p-value above 0.5 (no sign of a change in the tested direction) counts
 * as 0.5: it adds nothing and dilutes the others' weight, like a Bonferroni term; taken at face value, tan of a
 * p-value near 1 tends to minus infinity and one quiet input would cancel any evidence. Empty input: ln 1 = 0.
 */
export function lnCauchyCombine(lnPs: readonly number[], weights?: readonly number[]): number {
  if (lnPs.length === 0) return 0;
  const w = weights ?? lnPs.map(() => 1);
  let wsum = 0;
  for (const x of w) wsum += x;
  if (!(wsum > 0)) return 0;
  const SMALL = Math.log(1e-12);
  const big: number[] = [];
  let t = 0;
  for (let i = 0; i < lnPs.length; i++) {
    const lp = Math.min(Math.log(0.5), lnPs[i]!);
    const wi = (w[i] ?? 0) / wsum;
    if (!(wi > 0)) continue;
    if (lp < SMALL) big.push(Math.log(wi) - lp - Math.log(Math.PI));
    else t += wi * Math.tan((0.5 - Math.exp(lp)) * Math.PI);
  }
  if (big.length > 0) {
    const m = Math.max(...big);
    let s = t > 0 ? t * Math.exp(-m) : 0;
    for (const x of big) s += Math.exp(x - m);
    const lnT = m + Math.log(s);
    return -lnT - Math.log(Math.PI);
  }
  if (t > 1e12) return -Math.log(t) - Math.log(Math.PI);
  return Math.log(Math.min(1, Math.max(Number.MIN_VALUE, 0.5 - Math.atan(t) / Math.PI)));
}

/** Bonferroni on a log p-value. */
export function lnBonferroni(lnP: number, m: number): number {
  return Math.min(0, lnP + Math.log(Math.max(1, m)));
}

/** -log10 of a p-value given as a natural log (no floor): the evidence scale of the analysis. */
export function evidenceOfLn(lnP: number): number {
  return Math.max(0, -lnP / Math.LN10);
}

/** Continued fraction of the regularized incomplete beta function (Lentz), for x < (a + 1) / (a + b + 2). */
function betacf(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-12) break;
  }
  return h;
}

/** ln I_x(a, b), the regularized incomplete beta function. */
function lnIncBeta(x: number, a: number, b: number): number {
  if (x <= 0) return -Infinity;
  if (x >= 1) return 0;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return lnFront + Math.log(betacf(a, b, x)) - Math.log(a);
  return Math.log1p(-Math.exp(lnFront + Math.log(betacf(b, a, 1 - x)) - Math.log(b)));
}

/** ln P(T > t) for Student's t with `df` degrees of freedom (exact, through the incomplete beta function). */
export function lnStudentSf(t: number, df: number): number {
  if (!(df > 0)) return 0;
  const x = df / (df + t * t);
  const lnTail = Math.log(0.5) + lnIncBeta(x, df / 2, 0.5);
  return t >= 0 ? Math.min(0, lnTail) : Math.log1p(-Math.exp(lnTail));
}

/**
 * Welch's t-test of a rise of the mean of log values (`after` larger than `before`): latencies are closer to
 * log-normal than normal, and a shift on the log scale is a ratio. Unlike rank tests it sees how far the new values
 * lie (540 ms against a baseline of 8 ms is not the same as 9 ms), and Student's tail keeps small samples honest.
 * `offset` keeps zeros finite (log(v + offset)). The natural log of the one-sided p-value; 0 (p = 1) when a side
 * has fewer than 2 values.
 */
export function logWelchLnP(
  before: readonly number[],
  after: readonly number[],
  offset: number,
  direction: 'up' | 'down',
): number {
  const n1 = before.length;
  const n2 = after.length;
  if (n1 < 2 || n2 < 2) return 0;
  const lb = before.map((v) => Math.log(Math.max(0, v) + offset));
  const la = after.map((v) => Math.log(Math.max(0, v) + offset));
  const m1 = lb.reduce((s, v) => s + v, 0) / n1;
  const m2 = la.reduce((s, v) => s + v, 0) / n2;
  const v1 = lb.reduce((s, v) => s + (v - m1) ** 2, 0) / (n1 - 1);
  const v2 = la.reduce((s, v) => s + (v - m2) ** 2, 0) / (n2 - 1);
  const se2 = v1 / n1 + v2 / n2;
  if (!(se2 > 0)) return m2 === m1 ? 0 : (direction === 'up') === m2 > m1 ? Math.log(P_FLOOR) : 0;
  const t = (m2 - m1) / Math.sqrt(se2);
  const df = (se2 * se2) / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1));
  return lnStudentSf(direction === 'up' ? t : -t, df);
}
