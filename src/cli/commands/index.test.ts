import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, commandOf } from '../main.ts';
import { COMMAND_MODULES } from './index.ts';

describe('command modules load on demand', () => {
  it('each module registers exactly the command of its key', async () => {
    const names = Object.keys(COMMAND_MODULES);
    expect(names).toEqual([...names].sort());
    for (const name of names) {
      const program = new Command();
      (await (COMMAND_MODULES[name] as () => Promise<{ register: (p: Command) => void }>)()).register(program);
      expect(program.commands.map((c) => c.name()), name).toEqual([name]);
    }
  });

  it('a command line loads the command it runs; help, a version, an unknown command and none load them all', async () => {
    expect(commandOf(['care', '--db', 'x.duckdb', '--format', 'csv'])).toBe('care');
    expect(commandOf(['--threads', '2', '--memory-limit', '1GB', '--temp-dir', 'care', 'nba', 'C1'])).toBe('nba');
    expect(commandOf(['--debug', 'report', 'churn-totals'])).toBe('report');
    expect(commandOf(['--threads=2', 'value'])).toBe('value');
    for (const argv of [[], ['--help'], ['--version'], ['help', 'care'], ['carre'], ['--', 'care'], ['toString'], ['constructor']]) expect(commandOf(argv), argv.join(' ')).toBeNull();
    expect((await buildProgram(['care', '--help'])).commands.map((c) => c.name())).toEqual(['care']);
    expect((await buildProgram(['carre'])).commands.map((c) => c.name())).toEqual(Object.keys(COMMAND_MODULES));
    expect((await buildProgram()).commands.map((c) => c.name())).toEqual(Object.keys(COMMAND_MODULES));
  });
});
