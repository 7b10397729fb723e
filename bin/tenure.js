#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npx tenure` never lags behind the code.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/run.ts');
