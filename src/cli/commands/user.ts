import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { addUser, createToken, disableUser, listUsers, setPassword } from '../../app/auth/accounts.ts';
import { appendAudit } from '../../app/auth/audit.ts';
import { PERMISSIONS, PERMISSION_MATRIX, ROLES, isRole } from '../../app/auth/permissions.ts';
import { withStore, withWritableStore } from '../../app/lifecycle/context.ts';
import { TenureError } from '../../app/errors.ts';
import { printJson, printRows, resolveOutput, withFormat, type FormatOptions } from '../output.ts';

/**
 * Accounts of `tenure serve`. A password is read from standard input (the first line), or asked
 * for twice without echo on a terminal: never a flag (it would sit in the shell history and the
 * process list) and never printed. Every change is audited as the operating-system user.
 */
const actor = () => `cli:${(() => {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
})()}`;

async function readHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (err?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new TenureError('USAGE', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    input.on('data', onData);
  });
}

async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > 4096) break;
  }
  return text.split(/\r?\n/, 1)[0] ?? '';
}

/** The new password: twice on a terminal (they must match), else the first line of standard input. */
async function newPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readStdinLine();
  const a = await readHidden('new password: ');
  const b = await readHidden('again: ');
  if (a !== b) throw new TenureError('USAGE', 'the two passwords differ');
  return a;
}

interface DbOptions extends FormatOptions {
  db?: string;
  role?: string;
  scope?: string;
  days?: string;
}

export function register(program: Command): void {
  const user = program.command('user').description(`accounts of tenure serve (roles: ${ROLES.join(', ')}); passwords are read from standard input or asked for without echo`);

  user
    .command('add')
    .description('adds a user with a role; the password (12 characters or more) comes from standard input or a prompt')
    .argument('<name>', 'user name (a-z, 0-9, . _ -)')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)')
    .action(async (name: string, opts: DbOptions) => {
      if (!isRole(opts.role ?? '')) throw new TenureError('USAGE', `--role must be one of ${ROLES.join(', ')}, got "${opts.role ?? ''}"`);
      const password = await newPassword();
      await withWritableStore(opts.db, async (store) => {
        await addUser(store, name, opts.role as string, password);
        await appendAudit(store, { actor: actor(), action: 'user_add', target: name, outcome: 'ok', source: 'cli', detail: `role ${opts.role}` });
      });
      process.stderr.write(`user ${name} added with role ${opts.role}\n`);
    });

  user
    .command('passwd')
    .description("sets a user's password (from standard input or a prompt); the user's login sessions end")
    .argument('<name>', 'user name')
    .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)')
    .action(async (name: string, opts: DbOptions) => {
      const password = await newPassword();
      await withWritableStore(opts.db, async (store) => {
        await setPassword(store, name, password);
        await appendAudit(store, { actor: actor(), action: 'user_passwd', target: name, outcome: 'ok', source: 'cli' });
      });
      process.stderr.write(`password of ${name} changed\n`);
    });

  user
    .command('disable')
    .description('disables a user: no login, and its sessions and tokens stop working')
    .argument('<name>', 'user name')
    .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)')
    .action(async (name: string, opts: DbOptions) => {
      await withWritableStore(opts.db, async (store) => {
        await disableUser(store, name);
        await appendAudit(store, { actor: actor(), action: 'user_disable', target: name, outcome: 'ok', source: 'cli' });
      });
      process.stderr.write(`user ${name} disabled\n`);
    });

  user
    .command('token')
    .description('creates an API token for a machine client, printed once on standard output (only its hash is kept)')
    .argument('<name>', 'user name the token acts for')
    .option('--scope <list>', `comma-separated rights, within the user's role (${PERMISSIONS.join(', ')}); default: all of the role's`)
    .option('--days <n>', 'days until it expires (1-365)', '90')
    .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)')
    .action(async (name: string, opts: DbOptions) => {
      const days = Number(opts.days);
      const t = await withWritableStore(opts.db, async (store) => {
        const users = await listUsers(store);
        const role = users.find((u) => u.username === name)?.role;
        const scopes = opts.scope !== undefined ? opts.scope.split(',').map((s) => s.trim()).filter(Boolean) : role ? [...PERMISSION_MATRIX[role]] : [];
        const token = await createToken(store, name, scopes, Number.isInteger(days) ? days : Number.NaN);
        await appendAudit(store, { actor: actor(), action: 'token_create', target: name, outcome: 'ok', source: 'cli', detail: `token ${token.tokenId}; ${token.scopes.join(' ')}; ${days} days` });
        return token;
      });
      process.stderr.write(`token ${t.tokenId} for ${name} (${t.scopes.join(', ')}), expires ${new Date(t.expiresMs).toISOString()}; shown once:\n`);
      process.stdout.write(`${t.token}\n`);
    });

  withFormat(
    user
      .command('list')
      .description('the users, their roles and whether they are disabled (never a password or hash)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  ).action(async (opts: DbOptions) => {
    const out = resolveOutput(opts);
    const users = await withStore(opts.db, (store) => listUsers(store));
    if (out.format === 'json') printJson(users);
    else printRows(['username', 'role', 'disabled'], users.map((u) => ({ ...u })), out.format);
  });
}
