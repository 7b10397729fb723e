/**
 * In-memory counters of one server process: failed logins (brute force) and requests per
 * caller. A cluster of servers behind a balancer would share them in the store; one process
 * is what `tenure serve` runs.
 */
export class FailureWindow {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until the key may try again; 0 when it may now. */
  blockedFor(key: string, now: number): number {
    const recent = this.recent(key, now);
    if (recent.length < this.max) return 0;
    return Math.max(1, (recent[recent.length - this.max] as number) + this.windowMs - now);
  }

  fail(key: string, now: number): void {
    const recent = this.recent(key, now);
    recent.push(now);
    this.failures.set(key, recent);
  }

  clear(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    if (this.failures.size > 100_000) this.failures.clear(); // bounded memory under a flood of names
    return list;
  }
}

/** Requests per caller per fixed minute window. */
export class RateLimit {
  private window = 0;
  private readonly counts = new Map<string, number>();
  constructor(private readonly perMinute: number) {}

  /** Seconds to wait, or 0 when the request may go. */
  take(key: string, now: number): number {
    const w = Math.floor(now / 60_000);
    if (w !== this.window) {
      this.window = w;
      this.counts.clear();
    }
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n > this.perMinute ? Math.ceil(((w + 1) * 60_000 - now) / 1000) : 0;
  }
}

/** At most `size` holders at once; the others wait in line. */
export class Semaphore {
  private held = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}

  async acquire(): Promise<() => void> {
    if (this.held >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    else this.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.held--;
    };
  }
}
