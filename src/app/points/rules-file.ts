import { existsSync, readFileSync } from 'node:fs';
import { DEFAULT_POINTS_RULES, parsePointsRules, type PointsRules } from '../../domain/points/rules.ts';
import { TenureError } from '../errors.ts';

/** `--rules FILE`, else $TENURE_POINTS_RULES, else the defaults (domain/points/rules.ts). */
export function loadPointsRules(path?: string): PointsRules {
  const given = path ?? (process.env.TENURE_POINTS_RULES || undefined);
  if (given === undefined) return DEFAULT_POINTS_RULES;
  const flag = path !== undefined ? '--rules' : 'TENURE_POINTS_RULES';
  if (!existsSync(given)) throw new TenureError('FILE_NOT_FOUND', `no such points rules file (${flag}): ${given}`, { file: given });
  const { rules, errors } = parsePointsRules(readFileSync(given, 'utf8'));
  if (!rules) throw new TenureError('SCHEMA', `invalid points rules: ${errors.join('; ')}`, { file: given });
  return rules;
}
