import { expect } from 'vitest';
import { describeEngineParity } from '../../store/engine-parity.ts';
import { careCalendar } from '../care/care.ts';
import { CARE_CUSTOMERS, fillCareStore } from '../care/test-fixture.ts';
import { nbaContext, nextBestAction } from './nba.ts';

/**
 * The care calendar and nba on both engines: the same JSON, and a preloaded context (the
 * customers' facts in memory) answers exactly as the per-call statement on each engine.
 */
await describeEngineParity(
  'care calendar and next best action (one-shot and preloaded)',
  async (store) => {
    await fillCareStore(store);
    const out: unknown[] = [];
    for (const lang of ['zh', 'en'] as const) {
      const c = await careCalendar(store, { lang, from: '2025-12-01', to: '2026-03-31', policy: { maxContacts: 2, windowDays: 30, unknownConsent: 'allow' } });
      out.push({ ...c, phases: undefined });
    }
    const once = await nbaContext(store);
    const loaded = await nbaContext(store, { preload: true });
    for (const id of [...Object.values(CARE_CUSTOMERS), 'NOBODY']) {
      for (const date of ['2025-12-15', '2026-01-10', '2026-02-28']) {
        const answer = async (ctx: typeof once) => nextBestAction(ctx, id, { date, lang: 'en' }).catch((e: Error) => e.message.replace(store.location, '<store>'));
        const a = await answer(once);
        expect(await answer(loaded), `${id} ${date}`).toEqual(a);
        out.push(a);
      }
    }
    return JSON.stringify(out, null, 1);
  },
  (json) => {
    expect(json).toContain('"occasion": "contract_expiry"');
    expect(json).toContain('"action": "care_note"');
    expect(json).toContain('churned on 2025-10-05');
  },
);
