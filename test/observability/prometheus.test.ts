import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { startService, type RunningService } from '../helpers/service.js';

const RULES_DIR = fileURLToPath(new URL('../../ops/prometheus/', import.meta.url));
const RULES = path.join(RULES_DIR, 'astral-auth.rules.yml');

/** Fails with what to install when a binary is missing, instead of skipping quietly. */
function requireBinary(name: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
  assert.ok(found, `${name} is not installed: apt-get install -y prometheus (.ci/run installs it)`);
}

function run(command: string, args: string[], cwd?: string, input?: string): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, input, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The astral_* families of an exposition; prom-client's process metrics have lint findings of their own. */
function ownFamilies(exposition: string): string {
  return `${exposition.split('\n\n').filter((family) => family.startsWith('# HELP astral_')).join('\n')}\n`;
}

describe('Prometheus alerting rules', () => {
  test('pass promtool check rules', () => {
    requireBinary('promtool');
    const { status, output } = run('promtool', ['check', 'rules', RULES]);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS: 14 rules found/);
  });

  test('fire on the traffic they describe and stay quiet under 20 events a minute (promtool test rules)', () => {
    requireBinary('promtool');
    const { status, output } = run('promtool', ['test', 'rules', 'astral-auth.rules.test.yml'], RULES_DIR);
    assert.equal(status, 0, output);
  });
});

describe('a real Prometheus scraping astral-auth', () => {
  let service: RunningService;
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let workDir: string;
  const output: string[] = [];

  before(async () => {
    requireBinary('prometheus');
    service = await startService('sqlite');
    workDir = mkdtempSync(path.join(tmpdir(), 'astral-prometheus-'));
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    writeFileSync(path.join(workDir, 'prometheus.yml'), scrapeConfig(new URL(service.url).host));
    prometheus = spawn('prometheus', [
      `--config.file=${path.join(workDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ]);
    prometheus.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await waitFor(async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined))?.ok === true, 'Prometheus ready', output);
  });

  after(async () => {
    prometheus?.kill('SIGTERM');
    if (prometheus && prometheus.exitCode === null) await new Promise((resolve) => prometheus.once('exit', resolve));
    await service?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test('scrapes /metrics and answers a query on a series of the service', async () => {
    const email = uniqueEmail('scraped');
    const password = strongPassword();
    await call(service.url, 'POST', '/v1/register', { body: { email, password } });
    const { sessionToken } = (await call(service.url, 'POST', '/v1/login', { body: { email, password } })).body;
    for (let n = 0; n < 5; n++) await call(service.url, 'GET', '/v1/session', { token: sessionToken });

    const query = 'sum(astral_http_request_duration_seconds_count{job="astral-auth", route="/v1/session", status="200"})';
    let value = 0;
    await waitFor(async () => {
      value = await queryValue(prometheusUrl, query);
      return value >= 5;
    }, `${query} to reach 5`, output);
    assert.equal(value, 5);
    assert.equal(await queryValue(prometheusUrl, 'up{job="astral-auth"}'), 1);
  });

  test('exposes its own metrics in a form promtool finds nothing to fault in (promtool check metrics)', async () => {
    requireBinary('promtool');
    const exposition = (await call(service.url, 'GET', '/metrics')).text;
    const own = ownFamilies(exposition);
    assert.match(own, /# TYPE astral_http_request_duration_seconds histogram/);
    assert.match(own, /# TYPE astral_cache_lookups_total counter/);
    const { status, output } = run('promtool', ['check', 'metrics'], undefined, own);
    assert.equal(status, 0, output);
    assert.equal(output.trim(), '');
  });

  test('loads the alerting rules and evaluates them without error', async () => {
    await waitFor(async () => {
      const body = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as RulesReply;
      const rules = body.data.groups.flatMap((group) => group.rules);
      return rules.length === 14 && rules.every((rule) => rule.health === 'ok' && !rule.lastEvaluation.startsWith('0001'));
    }, 'every rule evaluated and healthy', output);
  });
});

interface RulesReply {
  readonly data: { groups: Array<{ rules: Array<{ health: string; lastEvaluation: string }> }> };
}

function scrapeConfig(target: string): string {
  return [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'rule_files:',
    `  - ${JSON.stringify(RULES)}`,
    'scrape_configs:',
    '  - job_name: astral-auth',
    '    static_configs:',
    `      - targets: [${JSON.stringify(target)}]`,
    '',
  ].join('\n');
}

async function queryValue(base: string, query: string): Promise<number> {
  const reply = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query })}`);
  const body = (await reply.json()) as { data: { result: Array<{ value: [number, string] }> } };
  return Number(body.data.result[0]?.value[1] ?? NaN);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it holds; an external process takes real time to start and scrape. */
async function waitFor(check: () => Promise<boolean>, what: string, output: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`timed out waiting for ${what}; Prometheus said:\n${output.join('').slice(-2000)}`);
}
