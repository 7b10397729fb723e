import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from './main.ts';
import { isSchemaCommand, jsonSchemaOf, OUTPUT_SCHEMAS, type SchemaCommand } from './schemas.ts';
import { runCaptured } from './test-support.ts';

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

function jsonCommands(cmd: Command, path: string[] = []): string[] {
  const here = cmd.commands.flatMap((c) => jsonCommands(c, [...path, c.name()]));
  return path.length > 0 && cmd.options.some((o) => o.long === '--json') ? [path.join(' '), ...here] : here;
}

/** How to run each command for its JSON on the demo store (extra runs cover other modes). */
const INVOCATIONS: Record<SchemaCommand, () => string[][]> = {
  'churn-index': () => [['churn-index', '--db', db]],
  customer: () => [['customer', scoredCustomer, '--db', db], ['customer', scoredCustomer, '--db', db, '--lang', 'en', '--currency', 'hkd']],
  'forecast churn': () => [['forecast', 'churn', '--db', db, '--by', 'province']],
  import: () => [['import', data, '--db', join(dir, 'second.duckdb')]],
  lifecycle: () => [['lifecycle', '--db', db]],
  'lifecycle patterns': () => [['lifecycle', 'patterns', '--db', db, '--from', '2025-01']],
  'lifecycle refresh': () => [['lifecycle', 'refresh', '--db', db]],
  'lifecycle transitions': () => [['lifecycle', 'transitions', '--db', db]],
  'model evaluate': () => [['model', 'evaluate', '--table', flat, '--model', flatModel]],
  'model predict': () => [['model', 'predict', '--table', flat, '--model', flatModel]],
  'model train': () => [['model', 'train', '--table', flat, '--label', 'Churn', '--id', 'id', '--out', flatModel], ['model', 'train', '--db', db]],
  'report churn-reasons': () => [['report', 'churn-reasons', '--db', db, '--from', '2025-06']],
  'report churn-regions': () => [['report', 'churn-regions', '--db', db, '--from', '2025-06', '--level', 'city']],
  'report churn-totals': () => [['report', 'churn-totals', '--db', db]],
  'retention curves': () => [['retention', 'curves', '--db', db]],
  'retention fit': () => [['retention', 'fit', '--counts', '1000,869,743,653,593,551'], ['retention', 'fit', '--cohort', 'join-month', '--db', db]],
  score: () => [['score', '--db', db, '--top', '20']],
  segments: () => [['segments', '--db', db]],
  value: () => [['value', '--db', db]],
};

beforeAll(async () => {
  const demo = await runCaptured(['demo', '--out', data, '--customers', '800', '--months', '24', '--profile', 'mixed', '--seed', '7']);
  expect(demo.code, demo.err).toBe(0);
  const imported = await runCaptured(['import', data, '--db', db, '--json']);
  expect(imported.code, imported.err).toBe(0);
  const trained = await runCaptured(['model', 'train', '--db', db, '--json']);
  expect(trained.code, trained.err).toBe(0);
  const scored = await runCaptured(['score', '--db', db, '--top', '1', '--json']);
  expect(scored.code, scored.err).toBe(0);
  scoredCustomer = (JSON.parse(scored.out) as { customer_id: string }[])[0]?.customer_id ?? '';
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
  it('every command that prints JSON has a schema and an invocation, and every schema a command', () => {
    const commands = jsonCommands(buildProgram()).sort();
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
