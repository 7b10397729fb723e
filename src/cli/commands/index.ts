import type { Command } from 'commander';
import { register as audit } from './audit.ts';
import { register as campaign } from './campaign.ts';
import { register as care } from './care.ts';
import { register as churnIndex } from './churn-index.ts';
import { register as customer } from './customer.ts';
import { register as demo } from './demo.ts';
import { register as forecast } from './forecast.ts';
import { register as importData } from './import.ts';
import { register as lifecycle } from './lifecycle.ts';
import { register as model } from './model.ts';
import { register as points } from './points.ts';
import { register as relationship } from './relationship.ts';
import { register as nba } from './nba.ts';
import { register as report } from './report.ts';
import { register as retention } from './retention.ts';
import { register as schema } from './schema.ts';
import { register as value } from './value.ts';
import { register as warn } from './warn.ts';
import { register as segments } from './segments.ts';
import { register as serve } from './serve.ts';
import { register as score } from './score.ts';
import { register as start } from './start.ts';
import { register as store } from './store.ts';
import { register as uplift } from './uplift.ts';
import { register as user } from './user.ts';
import { register as winback } from './winback.ts';

/**
 * Every command module exports `register(program)`. Add one import and one entry per module;
 * keep the list sorted by command name.
 */
type Register = (program: Command) => void;

export const COMMANDS: readonly Register[] = [audit, campaign, care, churnIndex, customer, demo, forecast, importData, lifecycle, model, nba, points, relationship, report, retention, schema, score, segments, serve, start, store, uplift, user, value, warn, winback];
