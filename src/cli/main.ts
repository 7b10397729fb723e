import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.ts';
import { describeError } from './errors.ts';
import { safeMessage } from './terminal.ts';

export function buildProgram(): Command {
  const program = new Command()
    .name('tenure')
    .description('Tenure: customer lifecycle and churn management for telecom, broadband and cable-TV operators')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting so tests can drive it in-process. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  process.exitCode = undefined;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through exitOverride with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    const { exitCode, message } = describeError(err);
    // Messages echo user data (paths, values): no control character reaches the terminal.
    process.stderr.write(`tenure: ${safeMessage(message)}\n`);
    return exitCode;
  }
}
