import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createCore } from '../app.js';
import type { Config } from '../config.js';
import { createLogger } from '../observability/logger.js';
import { runImport } from './import.js';
import { UsageError } from './usage-error.js';

export async function runUsers(config: Config, args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'add') return addUser(config, rest);
  if (action === 'import') return runImport(config, rest);
  throw new UsageError('usage: astral-auth users add|import ...');
}

/** The password never goes on the command line, where `ps` and shell history would show it. */
async function addUser(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
  });
  if (!values.email) throw new UsageError('users add needs --email');

  const password = await readPassword();
  const core = await createCore({ config, logger: createLogger('warn') });
  try {
    const user = await core.auth.register({ email: values.email, password, name: values.name }, values.role ?? config.defaultRole);
    process.stdout.write(`created user ${user.id} with role ${user.role}\n`);
    return 0;
  } finally {
    await core.close();
  }
}

function readPassword(): Promise<string> {
  const input = process.stdin;
  const terminal = input.isTTY === true;
  if (terminal) process.stderr.write('password (not shown): ');
  // On a terminal, echo goes to a sink so the typed password never appears.
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const lines = createInterface({ input, output: terminal ? sink : undefined, terminal });
  return new Promise((resolve, reject) => {
    lines.once('line', (line) => {
      resolve(line); // before close(), whose 'close' event would otherwise reject first
      lines.close();
    });
    lines.once('close', () => reject(new UsageError('no password on standard input')));
  });
}
