import { userInfo } from 'node:os';

/** The actor of an audit row written by a CLI command: `cli:<the operating-system user>`. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}
