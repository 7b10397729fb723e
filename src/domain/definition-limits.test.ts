import { describe, expect, it } from 'vitest';
import { checkJsonLimits } from './json-limits.ts';
import { defaultLifecycleRules, parseLifecycleRules, RULE_LIMITS } from './lifecycle/rules.ts';
import { parseSegmentDefinitions, PRESETS, SEGMENT_LIMITS } from './segments/definitions.ts';

/** A comparison wrapped in `levels` nested `not`s, written as text (JSON.stringify would recurse). */
function nestedNotText(levels: number, leaf: string): string {
  return `${'{"not":'.repeat(levels)}${leaf}${'}'.repeat(levels)}`;
}

const segmentLeaf = '{"field":"revenue","op":">","value":1}';
const ruleLeaf = '{"feature":"tenure_months","op":">","value":1}';

function rulesWith(when: string): string {
  const defaults = defaultLifecycleRules();
  const json = JSON.stringify({ ...defaults, rules: [...defaults.rules, { id: 'deep', stage: 'C', description: 'deep', when: '@WHEN@' }] });
  return json.replace('"@WHEN@"', when);
}

describe('definition limits', () => {
  it('a segment definition nested 1,500 deep is refused in words, not with a stack overflow', () => {
    const input: unknown = JSON.parse(`[{"name":"deep","when":${nestedNotText(1500, segmentLeaf)}}]`);
    const { definitions, errors } = parseSegmentDefinitions(input);
    expect(definitions).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^0\.when\.not\.not.*nested deeper than \d+ JSON levels$/);
  });

  it('segment conditions nest at most SEGMENT_LIMITS.depth levels; the limit itself is accepted', () => {
    const at = parseSegmentDefinitions(JSON.parse(`[{"name":"ok","when":${nestedNotText(SEGMENT_LIMITS.depth - 1, segmentLeaf)}}]`));
    expect(at.errors).toEqual([]);
    const over = parseSegmentDefinitions(JSON.parse(`[{"name":"deep","when":${nestedNotText(SEGMENT_LIMITS.depth, segmentLeaf)}}]`));
    expect(over.errors.join('\n')).toContain(`conditions nested deeper than ${SEGMENT_LIMITS.depth} levels`);
  });

  it('segment files are bounded in width, count, text length and total conditions', () => {
    const leaf = JSON.parse(segmentLeaf) as unknown;
    const wide = parseSegmentDefinitions([{ name: 'wide', when: { all: Array.from({ length: SEGMENT_LIMITS.width + 1 }, () => leaf) } }]);
    expect(wide.errors.join('\n')).toContain(`0.when: ${SEGMENT_LIMITS.width + 1} items in one list; at most ${SEGMENT_LIMITS.width} are allowed`);
    const many = parseSegmentDefinitions(Array.from({ length: SEGMENT_LIMITS.segments + 1 }, (_, i) => ({ name: `s${i}`, when: leaf })));
    expect(many.errors.join('\n')).toContain(`at most ${SEGMENT_LIMITS.segments} segments in one file`);
    const long = parseSegmentDefinitions([{ name: 'long', when: { field: 'region', prefix: 'x'.repeat(SEGMENT_LIMITS.text + 1) } }]);
    expect(long.definitions).toBeNull();
    const lists = Math.ceil((SEGMENT_LIMITS.conditions + 1) / SEGMENT_LIMITS.width);
    const big = Array.from({ length: lists }, (_, i) => ({ name: `b${i}`, when: { any: Array.from({ length: SEGMENT_LIMITS.width }, () => leaf) } }));
    expect(parseSegmentDefinitions(big).errors.join('\n')).toMatch(/conditions in all; at most 5000 are allowed/);
    expect(parseSegmentDefinitions(JSON.parse(JSON.stringify(PRESETS))).errors).toEqual([]);
  });

  it('a lifecycle rule file nested 1,500 deep is refused in words, not with a stack overflow', () => {
    const { rules, errors } = parseLifecycleRules(rulesWith(nestedNotText(1500, ruleLeaf)));
    expect(rules).toBeNull();
    expect(errors.join('\n')).toMatch(/nested deeper than \d+ JSON levels/);
    const over = parseLifecycleRules(rulesWith(nestedNotText(RULE_LIMITS.depth, ruleLeaf)));
    expect(over.errors.join('\n')).toContain(`conditions nested deeper than ${RULE_LIMITS.depth} levels`);
    expect(parseLifecycleRules(rulesWith(nestedNotText(RULE_LIMITS.depth - 1, ruleLeaf))).errors).toEqual([]);
    const wide = parseLifecycleRules(rulesWith(`{"any":[${Array.from({ length: RULE_LIMITS.width + 1 }, () => ruleLeaf).join(',')}]}`));
    expect(wide.errors).toEqual([`rules[${defaultLifecycleRules().rules.length}].when: ${RULE_LIMITS.width + 1} conditions in one list; at most ${RULE_LIMITS.width} are allowed`]);
  });

  it('the JSON shape walk is iterative: 100,000 levels come back as a problem, not a RangeError', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(checkJsonLimits(deep, { maxDepth: 50, maxValues: 1e9, maxStringLength: 10, maxWidth: 10 })?.message).toBe('nested deeper than 50 JSON levels');
    expect(checkJsonLimits({ a: 'x'.repeat(11) }, { maxDepth: 5, maxValues: 10, maxStringLength: 10, maxWidth: 10 })).toEqual({ path: 'a', message: 'text longer than 10 characters (11)' });
    expect(checkJsonLimits([1, 2, 3], { maxDepth: 5, maxValues: 3, maxStringLength: 10, maxWidth: 10 })?.message).toBe('more than 3 values in all');
  });
});
