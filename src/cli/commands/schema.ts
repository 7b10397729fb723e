import type { Command } from 'commander';
import { TenureError } from '../../app/errors.ts';
import { printJson } from '../output.ts';
import { isSchemaCommand, jsonSchemaOf, OUTPUT_SCHEMAS } from '../schemas.ts';

export function register(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of a command\'s --json output (e.g. `tenure schema report churn-totals`); without a command, list the commands that have one')
    .argument('[command...]', 'the command, as typed after `tenure`')
    .action((words: string[]) => {
      if (words.length === 0) {
        process.stdout.write(Object.keys(OUTPUT_SCHEMAS).join('\n') + '\n');
        return;
      }
      const name = words.join(' ');
      if (!isSchemaCommand(name)) {
        throw new TenureError('USAGE', `no JSON output schema for "${name}"; commands with one: ${Object.keys(OUTPUT_SCHEMAS).join(', ')}`);
      }
      printJson(jsonSchemaOf(name));
    });
}
