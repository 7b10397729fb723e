/**
 * The correctly rounded sum of doubles (Shewchuk's exact partials, the algorithm of Python's
 * math.fsum): the result is the exact sum rounded once, so it does not depend on the order the
 * terms arrive in. Figures summed from rows an engine returns in its own order (DuckDB's scan
 * order, PostgreSQL's) come out identical to the last bit.
 */
export class ExactSum {
  private partials: number[] = [];
  private special = 0; // sum of non-finite terms (Infinity, NaN), kept apart as fsum does

  add(value: number): this {
    if (!Number.isFinite(value)) {
      this.special += value;
      return this;
    }
    let x = value;
    let i = 0;
    const p = this.partials;
    for (let j = 0; j < p.length; j++) {
      let y = p[j] as number;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
    return this;
  }

  /** The sum so far, rounded once to the nearest double (ties to even, as fsum). */
  value(): number {
    if (this.special !== 0 || Number.isNaN(this.special)) return this.special;
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n] as number;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n] as number;
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    // Half-way cases: correct the rounding when the remaining partials push past the tie.
    if (n > 0 && ((lo < 0 && (p[n - 1] as number) < 0) || (lo > 0 && (p[n - 1] as number) > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}

/** The correctly rounded sum of the values (order-independent). */
export function exactSum(values: Iterable<number>): number {
  const s = new ExactSum();
  for (const v of values) s.add(v);
  return s.value();
}
