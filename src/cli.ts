#!/usr/bin/env node
import { ConfigError, loadConfig } from './config.js';
import { runKeys } from './cli/keys.js';
import { runMigrate } from './cli/migrate.js';
import { runServe } from './cli/serve.js';
import { runUsers } from './cli/users.js';
import { UsageError } from './cli/usage-error.js';

/**
 * The `astral-auth` command: parses the command line, reads the settings and
 * hands over to one subcommand. Every failure ends as one line on stderr and a
 * non-zero exit code.
 */
const USAGE = `usage: astral-auth <command>

  serve                      start the HTTP service
  migrate                    apply pending database migrations
  users add --email E [--role R] [--name N]
                             create a user; the password is read from stdin
  users import (FILE --format jsonl|csv | --from-postgres URL [--table users])
               [--batch-size N] [--rejects FILE]
                             import users with their password hashes
  keys rotate                start signing with a new key; old keys stay published
                             until the tokens they signed expire

Settings come from environment variables; see README.md.`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  serve: (args) => runServe(loadConfig(), args),
  migrate: (args) => runMigrate(loadConfig(), args),
  users: (args) => runUsers(loadConfig(), args),
  keys: (args) => runKeys(loadConfig(), args),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const run = command ? COMMANDS[command] : undefined;
  if (!run) {
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof UsageError;
    process.stderr.write(`astral-auth: ${known ? error.message : describe(error)}\n`);
    process.exitCode = known ? 2 : 1;
  },
);

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
