import { describePartial, type PartialCoverage } from '../app/data-span.ts';

/** Says on stderr which figures were computed on less history than they need (JSON carries the same list). */
export function warnPartial(notes: readonly PartialCoverage[] | undefined): void {
  for (const line of describePartial(notes ?? [])) process.stderr.write(`tenure: ${line}\n`);
}
