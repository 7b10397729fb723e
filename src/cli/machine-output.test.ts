import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from './main.ts';
import { isSchemaCommand, jsonSchemaOf, OUTPUT_SCHEMAS, type SchemaCommand } from './schemas.ts';
import { runCaptured } from './test-support.ts';
import { IN_CI, freshDatabase, testServerProblem } from '../store/postgres/test-server.ts';

/**
 * Every command that prints JSON has a published schema, and its actual output on a demo
 * operator validates against it. The commands are read from the program itself, so a new
 * command with --json fails here until it has a schema and an invocation below.
 */
const dir = mkdtempSync(join(tmpdir(), 'tenure-schemas-'));
const db = join(dir, 't.duckdb');
const data = join(dir, 'data');
const flat = join(dir, 'flat.csv');
const flatModel = join(dir, 'flat-model.json');
let scoredCustomer = '';
let savedList = '';
const targets = join(dir, 'targets.csv');
let designs = 0;

function jsonCommands(cmd: Command, path: string[] = []): string[] {
  const here = cmd.commands.flatMap((c) => jsonCommands(c, [...path, c.name()]));
  return path.length > 0 && cmd.options.some((o) => o.long === '--json') ? [path.join(' '), ...here] : here;
}

/** How to run each command for its JSON on the demo store (extra runs cover other modes). */
const INVOCATIONS: Record<SchemaCommand, () => string[][]> = {
  // Each design is kept once and never changed: every run takes a new campaign id.
  'campaign design': () => [
    ['campaign', 'design', '--db', db, '--id', `SCHEMA-${++designs}`, '--start', '2025-10-01', '--target', targets, '--arms', 'control:0.3,R10:0.4,DATA5G:0.3', '--seed', '5'],
    ['campaign', 'design', '--db', db, '--id', `SCHEMA-${++designs}`, '--start', '2026-01-05', '--target', savedList, '--arms', 'control:0.5,R10:0.5'],
  ],
  'campaign evaluate': () => [['campaign', 'evaluate', '--db', db]],
  care: () => [['care', '--db', db], ['care', '--db', db, '--lang', 'en', '--from', '2026-01-01', '--to', '2026-03-31', '--unknown-consent', 'allow', '--segment', 'tier:gold', '--promotion', 'Spring TV']],
  nba: () => [['nba', scoredCustomer, '--db', db, '--date', '2026-01-05'], ['nba', scoredCustomer, '--db', db, '--date', '2026-01-05', '--lang', 'en']],
  'nba record': () => [['nba', 'record', scoredCustomer, '--db', db, '--offer', 'R10', '--outcome', 'declined', '--ts', '2025-11-15 10:00']],
  'churn-index': () => [['churn-index', '--db', db]],
  customer: () => [['customer', scoredCustomer, '--db', db], ['customer', scoredCustomer, '--db', db, '--lang', 'en', '--currency', 'hkd']],
  'forecast churn': () => [['forecast', 'churn', '--db', db, '--by', 'province']],
  import: () => [['import', data, '--db', join(dir, 'second.duckdb')]],
  lifecycle: () => [['lifecycle', '--db', db]],
  'lifecycle patterns': () => [['lifecycle', 'patterns', '--db', db, '--from', '2025-01']],
  'lifecycle refresh': () => [['lifecycle', 'refresh', '--db', db]],
  'lifecycle transitions': () => [['lifecycle', 'transitions', '--db', db]],
  'points balance': () => [['points', 'balance', scoredCustomer, '--db', db, '--as-of', '2025-12-31']],
  'points earn': () => [['points', 'earn', '--db', db, '--month', '2025-06']],
  'points expire': () => [['points', 'expire', '--db', db, '--as-of', '2025-12-31']],
  'points expiring': () => [['points', 'expiring', '--db', db, '--within-days', '900', '--as-of', '2025-06-30']],
  'points post': () => {
    const file = join(dir, 'points.csv');
    writeFileSync(file, `transaction_id,customer_id,ts,kind,points,reason\nSCHEMA-1,${scoredCustomer},2025-06-01 09:00,earn,50,welcome\nSCHEMA-2,${scoredCustomer},2025-06-02 09:00,redeem,20,gift\n`);
    return [['points', 'post', file, '--db', db]];
  },
  'points statement': () => [['points', 'statement', scoredCustomer, '--db', db, '--as-of', '2025-12-31']],
  'model evaluate': () => [['model', 'evaluate', '--table', flat, '--model', flatModel]],
  'model predict': () => [['model', 'predict', '--table', flat, '--model', flatModel]],
  'model train': () => [['model', 'train', '--table', flat, '--label', 'Churn', '--id', 'id', '--out', flatModel], ['model', 'train', '--db', db]],
  'report churn-check': () => [['report', 'churn-check', '--db', db], ['report', 'churn-check', '--db', db, '--from', '2025-06', '--lang', 'en']],
  'report churn-competitors': () => [['report', 'churn-competitors', '--db', db, '--from', '2025-06']],
  'report churn-reason-groups': () => [['report', 'churn-reason-groups', '--db', db, '--from', '2025-06']],
  'report churn-reasons': () => [['report', 'churn-reasons', '--db', db, '--from', '2025-06']],
  'report churn-regions': () => [['report', 'churn-regions', '--db', db, '--from', '2025-06', '--level', 'city']],
  'report churn-totals': () => [['report', 'churn-totals', '--db', db]],
  'report complaints': () => [['report', 'complaints', '--db', db], ['report', 'complaints', '--db', db, '--by', 'segment', '--segment-by', 'x_segment', '--from', '2025-01', '--lang', 'en']],
  'report service-quality': () => [['report', 'service-quality', '--db', db], ['report', 'service-quality', '--db', db, '--level', 'city', '--from', '2025-06', '--bands', '0,0.02']],
  relationship: () => [['relationship', '--db', db], ['relationship', '--db', db, '--as-of', '2025-06', '--segment-by', 'x_segment', '--lang', 'en']],
  'retention curves': () => [['retention', 'curves', '--db', db]],
  'retention fit': () => [['retention', 'fit', '--counts', '1000,869,743,653,593,551'], ['retention', 'fit', '--cohort', 'join-month', '--db', db]],
  score: () => [['score', '--db', db, '--top', '20']],
  segments: () => [['segments', '--db', db], ['segments', '--db', db, '--by', 'x_segment']],
  // A new, empty PostgreSQL database per run (none when no server answers outside CI).
  'store copy': () => (pgProblem !== undefined && !IN_CI ? [] : [['store', 'copy', '--db', db, '--into', newDatabase()]]),
  value: () => [['value', '--db', db]],
  warn: () => [['warn', '--db', db, '--top', '20'], ['warn', '--db', db, '--top', '5', '--lang', 'en', '--quadrant', 'III,IV', '--min-probability', '0.1']],
  'warn lists': () => [['warn', 'lists', '--db', db]],
  'warn show': () => [['warn', 'show', savedList, '--db', db, '--top', '10']],
  // The demo's own past campaigns but the latest (the designs below are campaigns too).
  'uplift train': () => [['uplift', 'train', '--db', db, '--campaigns', 'RET-2024-09,RET-2025-01,RET-2025-05']],
  'uplift evaluate': () => [['uplift', 'evaluate', '--db', db, '--campaign', 'RET-2025-09', '--bootstrap', '200']],
  winback: () => [['winback', '--db', db, '--top', '20'], ['winback', '--db', db, '--lang', 'en', '--from', '2025-01', '--to', '2025-06']],
  // tenure serve's accounts and audit trail (issue 15): empty on the demo store, still valid.
  audit: () => [['audit', '--db', db], ['audit', '--verify', '--db', db]],
  'user list': () => [['user', 'list', '--db', db]],
};

const pgProblem = await testServerProblem();
const databases: string[] = [];
const drops: (() => Promise<void>)[] = [];
function newDatabase(): string {
  const url = databases.shift();
  if (url === undefined) throw new Error('no PostgreSQL test database prepared');
  return url;
}
afterAll(async () => {
  for (const drop of drops) await drop();
});

beforeAll(async () => {
  if (pgProblem === undefined || IN_CI) {
    for (let i = 0; i < 2; i++) {
      const fresh = await freshDatabase();
      databases.push(fresh.url);
      drops.push(fresh.drop);
    }
  }
  const demo = await runCaptured(['demo', '--out', data, '--customers', '800', '--months', '24', '--profile', 'mixed', '--seed', '7']);
  expect(demo.code, demo.err).toBe(0);
  const imported = await runCaptured(['import', data, '--db', db, '--json']);
  expect(imported.code, imported.err).toBe(0);
  const trained = await runCaptured(['model', 'train', '--db', db, '--json']);
  expect(trained.code, trained.err).toBe(0);
  const scored = await runCaptured(['score', '--db', db, '--top', '1', '--json']);
  expect(scored.code, scored.err).toBe(0);
  scoredCustomer = (JSON.parse(scored.out) as { customer_id: string }[])[0]?.customer_id ?? '';
  const saved = await runCaptured(['warn', '--db', db, '--top', '60', '--save', 'schema list', '--json']);
  expect(saved.code, saved.err).toBe(0);
  savedList = (JSON.parse(saved.out) as { saved_list: { list_id: string } }).saved_list.list_id;
  // A target list for campaign design, and one campaign for campaign evaluate.
  const ids = readFileSync(join(data, 'customers.csv'), 'utf8').trim().split('\n').slice(1, 401).map((l) => l.split(',')[0]);
  writeFileSync(targets, ['customer_id', ...ids].join('\n') + '\n');
  // An uplift model from the demo's own past campaigns, for uplift evaluate.
  const upliftTrained = await runCaptured(['uplift', 'train', '--db', db, '--campaigns', 'RET-2024-09,RET-2025-01,RET-2025-05', '--json']);
  expect(upliftTrained.code, upliftTrained.err).toBe(0);
  const designed = await runCaptured(['campaign', 'design', '--db', db, '--id', 'SETUP', '--start', '2025-09-01', '--target', targets, '--arms', 'control:0.5,R10:0.5']);
  expect(designed.code, designed.err).toBe(0);
  // A small labelled flat table for the flat-table model commands.
  const lines = ['id,monthly,plan,Churn'];
  for (let i = 0; i < 300; i++) lines.push(`C${i},${(20 + ((i * 37) % 90)).toFixed(1)},${['basic', 'plus', 'max'][i % 3]},${(i * 37) % 90 > 55 || i % 7 === 0 ? 'Yes' : 'No'}`);
  writeFileSync(flat, lines.join('\n') + '\n');
  const flatTrained = await runCaptured(['model', 'train', '--table', flat, '--label', 'Churn', '--id', 'id', '--out', flatModel]);
  expect(flatTrained.code, flatTrained.err).toBe(0);
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

describe('published JSON output schemas', () => {
  it('every command that prints JSON has a schema and an invocation, and every schema a command', async () => {
    const commands = jsonCommands(await buildProgram()).sort();
    expect(commands.length).toBeGreaterThan(10);
    expect(commands.filter((c) => !isSchemaCommand(c))).toEqual([]);
    expect(Object.keys(OUTPUT_SCHEMAS).sort()).toEqual(commands);
  });

  it('each schema exports as a JSON Schema that allows additional properties', () => {
    for (const name of Object.keys(OUTPUT_SCHEMAS) as SchemaCommand[]) {
      const text = JSON.stringify(jsonSchemaOf(name));
      expect(text, name).toContain('"$schema":"https://json-schema.org/draft/2020-12/schema"');
      expect(text, name).not.toContain('"additionalProperties":false');
    }
  });

  it('tenure schema prints a command\'s schema and refuses an unknown command', async () => {
    const r = await runCaptured(['schema', 'report', 'churn-totals']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { type: string }).type).toBe('array');
    const bad = await runCaptured(['schema', 'report', 'nothing']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/no JSON output schema for "report nothing"/);
  });

  it('every command\'s actual JSON on a demo store validates against its schema', async () => {
    expect(scoredCustomer).not.toBe('');
    const failures: string[] = [];
    for (const name of Object.keys(OUTPUT_SCHEMAS) as SchemaCommand[]) {
      for (const args of INVOCATIONS[name]()) {
        const r = await runCaptured([...args, '--json']);
        process.exitCode = undefined;
        if (r.code !== 0) {
          failures.push(`${args.join(' ')}: exit ${r.code}: ${r.err.slice(0, 300)}`);
          continue;
        }
        const parsed = OUTPUT_SCHEMAS[name].safeParse(JSON.parse(r.out));
        if (!parsed.success) failures.push(`${args.join(' ')}: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
    }
    expect(failures).toEqual([]);
  }, 240_000);
});

/** Runs a command with stdout as a pipe or a terminal (the table and CSV defaults follow it). */
async function onStdout(tty: boolean, args: string[]) {
  const original = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
  Object.defineProperty(process.stdout, 'isTTY', { value: tty, configurable: true });
  try {
    return await runCaptured(args);
  } finally {
    if (original) Object.defineProperty(process.stdout, 'isTTY', original);
    else delete (process.stdout as { isTTY?: boolean }).isTTY;
  }
}

const json = async (args: string[]) => {
  const r = await runCaptured([...args, '--json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as unknown;
};

const CJK = /[\u3400-\u9fff]/;

describe('typed machine output (issue 19, item 9)', () => {
  it('money as string: score, customer and report JSON give money as numbers', async () => {
    const score = (await json(['score', '--db', db, '--top', '5'])) as { expected_loss: unknown; currency: string }[];
    for (const s of score) expect(typeof s.expected_loss).toBe('number');
    expect(score[0]?.currency).toBe('CNY');
    const c = (await json(['customer', scoredCustomer, '--db', db])) as { subscriptions: { monthly_fee: unknown }[]; usage: { revenue: unknown; paid: unknown }[]; churn_score: { expected_loss: unknown } };
    expect(c.subscriptions.length).toBeGreaterThan(0);
    for (const s of c.subscriptions) expect(typeof s.monthly_fee).toBe('number');
    for (const u of c.usage) expect([typeof u.revenue, typeof u.paid]).toEqual(['number', 'number']);
    expect(typeof c.churn_score.expected_loss).toBe('number');
    const raw = (await runCaptured(['customer', scoredCustomer, '--db', db, '--json'])).out;
    expect(raw).not.toMatch(/"(monthly_fee|revenue|cost|paid|expected_loss)": "/);
  });

  it('reasons as joined string: score, customer and model predict JSON give arrays of objects', async () => {
    const score = (await json(['score', '--db', db, '--top', '3'])) as { top_reasons: unknown }[];
    for (const s of score) {
      expect(Array.isArray(s.top_reasons)).toBe(true);
      for (const r of s.top_reasons as { rank: number; feature: string; text: string }[]) {
        expect(r.feature).toMatch(/^[a-z0-9_]+$/);
        expect(r.text.length).toBeGreaterThan(0);
        expect(r.text).not.toContain('; ');
      }
    }
    const c = (await json(['customer', scoredCustomer, '--db', db])) as { churn_score: { top_reasons: unknown } };
    expect(Array.isArray(c.churn_score.top_reasons)).toBe(true);
    expect((c.churn_score.top_reasons as { text: string }[])[0]?.text).not.toMatch(/^\[/); // not JSON inside a string
    const p = (await json(['model', 'predict', '--table', flat, '--model', flatModel])) as { reasons: { feature: string; contribution: number }[] }[];
    expect(p[0]?.reasons.length).toBeGreaterThan(0);
    expect(typeof p[0]?.reasons[0]?.contribution).toBe('number');
  });

  it('months as dates: customer JSON gives months as YYYY-MM and dates as YYYY-MM-DD', async () => {
    const c = (await json(['customer', scoredCustomer, '--db', db])) as { usage: { month: string }[]; churn_score: { as_of: string }; profile: { join_date: string } };
    expect(c.usage.length).toBeGreaterThan(0);
    for (const u of c.usage) expect(u.month).toMatch(/^\d{4}-\d{2}$/);
    expect(c.churn_score.as_of).toMatch(/^\d{4}-\d{2}$/);
    expect(c.profile.join_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('shares as text: CSV gives fractions 0–1, only the table shows percentages', async () => {
    const csv = await onStdout(false, ['value', '--db', db]);
    const [head, ...rows] = csv.out.trimEnd().split('\n');
    const col = (head ?? '').split(',').indexOf('customer_share');
    expect(col).toBeGreaterThan(0);
    for (const r of rows) expect(Number(r.split(',')[col])).toBeGreaterThanOrEqual(0);
    expect(csv.out).not.toContain('%');
    const life = await onStdout(false, ['lifecycle', '--db', db]);
    expect(life.out).not.toContain('%');
    const table = await onStdout(true, ['value', '--db', db]);
    expect(table.out).toMatch(/\d+\.\d%/);
  });

  it('customer --format csv left out three sections: every section of the JSON is in the CSV', async () => {
    const c = (await json(['customer', scoredCustomer, '--db', db])) as Record<string, unknown>;
    const csv = await runCaptured(['customer', scoredCustomer, '--db', db, '--format', 'csv']);
    expect(csv.code).toBe(0);
    const lines = csv.out.trimEnd().split('\n');
    expect(lines[0]).toBe('section,item,field,value');
    const sections = new Set(lines.slice(1).map((l) => l.split(',')[0]));
    for (const s of ['profile', 'subscriptions', 'usage', 'interactions', 'lifecycle', 'lifecycle_history', 'value', 'churn_score', 'churn_reasons', 'churn_event']) expect(sections, s).toContain(s);
    // Every usage fact is there: rows × fields of the JSON.
    const usage = c.usage as Record<string, unknown>[];
    expect(lines.filter((l) => l.startsWith('usage,')).length).toBe(usage.length * Object.keys(usage[0] ?? {}).length);
  });

  it('--json --format csv silently printed JSON: every command with --json says it is a usage error (exit 2)', async () => {
    for (const name of Object.keys(OUTPUT_SCHEMAS) as SchemaCommand[]) {
      const args = INVOCATIONS[name]()[0] as string[];
      const r = await runCaptured([...args, '--json', '--format', 'csv']);
      process.exitCode = undefined;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(/--json is short for --format json; it cannot be combined with --format csv/);
    }
  }, 120_000);

  it('no currency anywhere: money outputs name it in JSON and table headers; --currency and $TENURE_CURRENCY change it', async () => {
    for (const args of [['value', '--db', db], ['lifecycle', '--db', db], ['segments', '--db', db], ['forecast', 'churn', '--db', db]]) {
      expect(((await json(args)) as { currency: string }).currency, args.join(' ')).toBe('CNY');
    }
    expect(((await json(['value', '--db', db, '--currency', 'HKD'])) as { currency: string }).currency).toBe('HKD');
    process.env.TENURE_CURRENCY = 'USD';
    try {
      expect(((await json(['report', 'churn-totals', '--db', db])) as { currency: string }[])[0]?.currency).toBe('USD');
      expect((await runCaptured(['report', 'churn-totals', '--db', db, '--format', 'table'])).out).toMatch(/revenue_lost \(USD\)/);
    } finally {
      delete process.env.TENURE_CURRENCY;
    }
    expect((await runCaptured(['value', '--db', db, '--currency', 'yuan'])).code).toBe(2);
  });

  it('reasons mix languages: --lang en prints no Chinese label, zh-CN none of the English ones', async () => {
    const commands = [
      ['lifecycle', '--db', db],
      ['lifecycle', 'patterns', '--db', db, '--from', '2025-01'],
      ['lifecycle', 'transitions', '--db', db],
      ['value', '--db', db],
      ['segments', '--db', db],
      ['forecast', 'churn', '--db', db],
      ['report', 'churn-reasons', '--db', db, '--from', '2025-10'],
      ['retention', 'curves', '--db', db],
    ];
    const english = ['acquisition', 'build-up', 'decline', 'no investment', 'let the relationship go', 'early abortion', 'lifecycle as of', 'customer value as of', 'segments in', 'churn forecast', 'basic TV only', 'value tier'];
    for (const args of commands) {
      for (const format of ['table', 'csv', 'json']) {
        const en = await runCaptured([...args, '--format', format, '--lang', 'en']);
        expect(en.code, args.join(' ')).toBe(0);
        expect(CJK.test(en.out), `${args.join(' ')} --format ${format} --lang en: ${(CJK.exec(en.out) ?? [''])[0]}`).toBe(false);
        const zh = await runCaptured([...args, '--format', format]);
        for (const word of english) expect(zh.out.includes(word), `${args.join(' ')} --format ${format}: "${word}"`).toBe(false);
      }
    }
    // Scores are worded in the output's language.
    const scored = (await json(['score', '--db', db, '--top', '5', '--lang', 'en'])) as { top_reasons: { text: string }[] }[];
    for (const s of scored) for (const r of s.top_reasons) expect(CJK.test(r.text), r.text).toBe(false);
    const c = await runCaptured(['customer', scoredCustomer, '--db', db, '--format', 'table', '--lang', 'en']);
    expect(c.out).toMatch(/^customer \S+ as of \d{4}-\d{2}/);
    expect(c.out).not.toMatch(/客户资料|生命周期|流失评分/);
    const zh = await runCaptured(['customer', scoredCustomer, '--db', db, '--format', 'table']);
    expect(zh.out).toMatch(/^客户 \S+ 截至 \d{4}-\d{2}/);
  }, 180_000);
});

describe('output injection (issue 18, item 7)', () => {
  const surveys = join(dir, 'evil-surveys.csv');
  beforeAll(() => {
    writeFileSync(
      surveys,
      'scope,reason,rating,importance,availability\n' +
        '"=HYPERLINK(""http://evil.example"",""open"")",price,4,8,6\n' +
        '"\x1b]0;owned\x07\x1b[2Jwiped",price,5,7,5\n',
    );
  });

  it('formula injection =HYPERLINK( in a CSV text cell is neutralised', async () => {
    const r = await runCaptured(['churn-index', '--surveys', surveys, '--format', 'csv']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`"'=HYPERLINK(""http://evil.example"",""open"")"`);
    expect(r.out).not.toMatch(/(^|,)=HYPERLINK/m);
    // JSON stays exact.
    const j = JSON.parse((await runCaptured(['churn-index', '--surveys', surveys, '--json'])).out) as { scopes: { scope: string }[] };
    expect(j.scopes.map((s) => s.scope)).toContain('=HYPERLINK("http://evil.example","open")');
  });

  it('terminal escape codes in the data never reach the terminal: table and error messages', async () => {
    const r = await runCaptured(['churn-index', '--surveys', surveys, '--format', 'table']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toContain('\x1b');
    expect(r.out).toContain('\\x1b]0;owned\\x07\\x1b[2Jwiped');
    const err = await runCaptured(['customer', '\x1b[2Jnobody\x9b', '--db', db]);
    expect(err.code).toBe(2);
    expect(err.err.includes('\x1b') || err.err.includes('\x9b')).toBe(false);
    expect(err.err).toContain('\\x1b[2Jnobody\\x9b');
  });
});
