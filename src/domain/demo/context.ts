/**
 * Data-set-wide facts shared by every simulated customer: the window, the footprint,
 * competitor campaigns and the sign-up calendar. Built once from the seed (stream 0);
 * customers draw from their own streams.
 */
import { parseMonth } from '../month.ts';
import { calendarMonth, GROSS_ADD_SEASON, grossAddTrend, MonthTexts } from './calendar.ts';
import { COMPETITORS, type Line, type Profile } from './products.ts';
import { Categorical, Rng } from './random.ts';
import { Footprint } from './regions.ts';
import { type DemoCampaign, demoCampaigns } from './retention.ts';

export interface DemoOptions {
  readonly customers: number;
  readonly months: number;
  readonly seed: number;
  readonly profile: Profile;
  /** Last month of the window ('YYYY-MM'); fixed so output never depends on today. */
  readonly endMonth: string;
  /** Simulate the operator's retention campaigns (default true; false is for tests that compare). */
  readonly campaigns?: boolean;
}

/** A competitor's regional promotion: voluntary "competitor promotion" churn jumps there. */
export interface Campaign {
  readonly provinceIndex: number;
  readonly from: number;
  readonly to: number;
  readonly competitor: Record<Line, string>;
}

export class DemoContext {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly footprint: Footprint;
  readonly campaigns: readonly Campaign[];
  readonly texts = new MonthTexts();
  /** Share of customers who joined before the window (the opening base). */
  readonly baseShare: number;
  readonly joinMonths: Categorical<number>;
  /** The operator's own past retention campaigns (retention.ts); not drawn from any stream. */
  readonly retentionCampaigns: readonly DemoCampaign[];
  private readonly idWidth: number;

  constructor(readonly options: DemoOptions) {
    this.windowEnd = parseMonth(options.endMonth);
    this.windowStart = this.windowEnd - options.months + 1;
    const rng = new Rng(options.seed, 0);
    this.footprint = new Footprint(rng);
    const campaigns: Campaign[] = [];
    if (options.months >= 6) {
      for (let i = 0; i < 3; i++) {
        const from = this.windowStart + rng.int(2, options.months - 4);
        campaigns.push({
          provinceIndex: rng.int(0, 3),
          from,
          to: Math.min(this.windowEnd, from + rng.int(1, 3)),
          competitor: { mobile: rng.pick(COMPETITORS.mobile), cable: rng.pick(COMPETITORS.cable) },
        });
      }
    }
    this.campaigns = campaigns;
    // Monthly gross adds of ~2.2 % of the base keep the base roughly flat against churn.
    this.baseShare = 1 / (1 + 0.022 * options.months);
    const months: number[] = [];
    const weights: number[] = [];
    for (let t = this.windowStart; t <= this.windowEnd; t++) {
      months.push(t);
      weights.push((GROSS_ADD_SEASON[calendarMonth(t)] ?? 1) * grossAddTrend(t - this.windowStart));
    }
    this.joinMonths = new Categorical(months, weights);
    this.idWidth = Math.max(7, String(options.customers).length);
    this.retentionCampaigns = options.campaigns === false ? [] : demoCampaigns(this.windowStart, this.windowEnd, (t) => this.texts.month(t));
  }

  customerId(slot: number): string {
    return `C${String(slot + 1).padStart(this.idWidth, '0')}`;
  }

  campaignAt(provinceIndex: number, t: number): Campaign | undefined {
    for (const c of this.campaigns) if (c.provinceIndex === provinceIndex && t >= c.from && t <= c.to) return c;
    return undefined;
  }
}
