import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contextChange, loginAction, networkOf, strictestAction, subscriberOf, userAgentFamily } from '../../src/domain/risk.js';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const CHROME_NEXT = CHROME.replace('126.0', '127.0');
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const EDGE = `${CHROME} Edg/126.0`;

describe('risk signals', () => {
  test('browser families, not versions', () => {
    assert.equal(userAgentFamily(CHROME), 'chrome');
    assert.equal(userAgentFamily(EDGE), 'edge');
    assert.equal(userAgentFamily(FIREFOX), 'firefox');
    assert.equal(userAgentFamily('curl/8.5.0'), 'curl');
    assert.equal(userAgentFamily(null), 'none');
  });

  test('networks: IPv4 /16 (mapped too), IPv6 /48', () => {
    assert.equal(networkOf('203.0.113.9'), '203.0');
    assert.equal(networkOf('::ffff:203.0.113.9'), '203.0');
    assert.equal(networkOf('2001:db8:1:2::1'), '2001:db8:1');
    assert.equal(networkOf('2001:db8::1'), '2001:db8:0');
    assert.equal(subscriberOf('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(subscriberOf('198.51.100.4'), '198.51.100.4');
  });

  test('a session used from another network or browser family is a change; an update or a nearby address is not', () => {
    const original = { ip: '203.0.113.9', userAgent: CHROME };
    assert.equal(contextChange(original, { ip: '203.0.7.1', userAgent: CHROME_NEXT }), null);
    assert.equal(contextChange(original, { ip: '198.51.100.4', userAgent: CHROME }), 'address');
    assert.equal(contextChange(original, { ip: '203.0.113.9', userAgent: FIREFOX }), 'user_agent');
  });

  test('the strictest action wins; step-up at login falls back when it cannot be met', () => {
    const policy = { context_change: 'record', new_device: 'shorten', failure_burst: 'deny' } as const;
    assert.equal(strictestAction(policy, []), 'allow');
    assert.equal(strictestAction(policy, ['new_device']), 'shorten');
    assert.equal(strictestAction(policy, ['new_device', 'failure_burst']), 'deny');
    assert.equal(loginAction('step_up', true), 'record');
    assert.equal(loginAction('step_up', false), 'shorten');
  });
});
