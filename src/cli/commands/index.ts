import type { Command } from 'commander';

/**
 * Every command module exports `register(program)`. Add one import and one entry per module;
 * keep the list sorted by command name.
 */
type Register = (program: Command) => void;

export const COMMANDS: readonly Register[] = [];
