import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

/**
 * The client entry points pull in no server code and no Node.js module, so
 * apps load neither Fastify nor a database driver, and the Next.js helper
 * runs on the edge runtime. Checked on the compiled JavaScript, in a fresh
 * process per entry point that lists what got loaded.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILD = path.join(ROOT, 'node_modules', '.astral-test-build');
const ENTRIES = ['client/index.js', 'client/next.js', 'client/fastify.js', 'client/express.js', 'client/authjs.js'];
const SERVER_PACKAGES = /node_modules\/(fastify|pg|better-sqlite3|ioredis|pino|@node-rs|@fastify)\//;

// Imports `argv[1]` and prints the Node.js modules and CommonJS files it loaded.
const PROBE = `
import { createRequire } from 'node:module';
const before = new Set(process.moduleLoadList);
await import(process.argv[1]);
const loaded = process.moduleLoadList.filter((name) => !before.has(name));
console.log(JSON.stringify({ builtins: loaded, commonjs: Object.keys(createRequire(import.meta.url).cache) }));
`;

describe('client isolation', () => {
  before(() => {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', BUILD, '--declaration', 'false', '--sourceMap', 'false'], { cwd: ROOT });
    writeFileSync(path.join(BUILD, 'empty.js'), 'export {};\n');
  });
  after(() => rmSync(BUILD, { recursive: true, force: true }));

  for (const entry of ENTRIES) {
    test(`${entry} loads no server package and no Node.js module an empty module would not`, () => {
      const baseline = new Set(probe('empty.js').builtins);
      const { builtins, commonjs } = probe(entry);
      assert.deepEqual(commonjs.filter((file: string) => SERVER_PACKAGES.test(file)), []);
      assert.deepEqual(builtins.filter((name: string) => !baseline.has(name) && !/^NativeModule internal\//.test(name)), []);
    });
  }

  test('the probe does see server code when it is there', () => {
    const { builtins, commonjs } = probe('index.js');
    assert.ok(commonjs.some((file: string) => /node_modules\/fastify\//.test(file)));
    assert.ok(builtins.includes('NativeModule crypto'));
  });

  test('client sources import nothing but each other and jose', () => {
    const dir = path.join(ROOT, 'src', 'client');
    for (const file of readdirSync(dir)) {
      const source = readFileSync(path.join(dir, file), 'utf8');
      const runtime = [...source.matchAll(/^(?:import|export)(?! type)[^;]*? from '([^']+)'/gm)].map((match) => match[1]!);
      for (const specifier of runtime) assert.ok(specifier.startsWith('./') || specifier === 'jose', `${file} imports ${specifier}`);
    }
  });
});

function probe(entry: string) {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE, pathToFileURL(path.join(BUILD, entry)).href], { cwd: ROOT, env: { PATH: process.env.PATH } });
  return JSON.parse(output.toString());
}
