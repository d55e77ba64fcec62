import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidJson, parseStrictJson } from '../../src/http/json-body.js';

const DEPTH = 8;
const parse = (text: string, maxDepth = DEPTH) => parseStrictJson(Buffer.from(text, 'utf8'), maxDepth);

function refused(body: string | Buffer, message: RegExp, maxDepth = DEPTH): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  assert.throws(() => parseStrictJson(bytes, maxDepth), (error: unknown) => {
    assert.ok(error instanceof InvalidJson, `expected InvalidJson, got ${String(error)}`);
    assert.equal(error.name, 'InvalidJson');
    assert.match(error.message, message);
    return true;
  });
}

const DUPLICATE = /repeats a key/;
const TOO_DEEP = /nests deeper than/;
const NOT_UTF8 = /not valid UTF-8/;
const NOT_JSON = /not valid JSON/;

describe('parseStrictJson: accepts', () => {
  test('a plain object', () => {
    assert.deepEqual(parse('{"email":"a@x.com","password":"p"}'), { email: 'a@x.com', password: 'p' });
  });

  test('scalars and arrays at the top', () => {
    assert.equal(parse('"text"'), 'text');
    assert.equal(parse('42'), 42);
    assert.equal(parse('null'), null);
    assert.deepEqual(parse('[1,"a",{"b":true}]'), [1, 'a', { b: true }]);
  });

  test('the same key in sibling objects', () => {
    assert.deepEqual(parse('{"a":{"b":1},"c":{"b":2}}'), { a: { b: 1 }, c: { b: 2 } });
    assert.deepEqual(parse('[{"a":1},{"a":2}]'), [{ a: 1 }, { a: 2 }]);
  });

  test('the same key at an outer and an inner level', () => {
    assert.deepEqual(parse('{"a":{"a":{"a":1}}}'), { a: { a: { a: 1 } } });
  });

  test('escaped quotes and backslashes inside strings', () => {
    assert.deepEqual(parse('{"a":"x\\"y","b":"\\\\"}'), { a: 'x"y', b: '\\' });
  });

  test('a key ending in an escaped backslash is not mistaken for its neighbour', () => {
    assert.deepEqual(parse('{"a\\\\":1,"a":2}'), { 'a\\': 1, a: 2 });
  });

  test('brackets, braces, commas and colons inside strings', () => {
    assert.deepEqual(parse('{"a":"{[,:\\"}]","b":"\\"a\\":1"}'), { a: '{[,:"}]', b: '"a":1' });
  });

  test('a string value equal to a key is not a duplicate key', () => {
    assert.deepEqual(parse('{"a":"a","b":["a","a"]}'), { a: 'a', b: ['a', 'a'] });
  });

  test('whitespace between tokens', () => {
    assert.deepEqual(parse(' {\n\t"a" : 1 ,\r\n "b" : [ ] } '), { a: 1, b: [] });
  });

  test('exactly the depth limit', () => {
    assert.deepEqual(parse('{"a":{"b":[1]}}', 3), { a: { b: [1] } });
    assert.deepEqual(parse('[[[]]]', 3), [[[]]]);
  });

  test('non-ASCII text and a UTF-8 byte order mark', () => {
    assert.deepEqual(parse('{"name":"Zoë 😀"}'), { name: 'Zoë 😀' });
    assert.deepEqual(parseStrictJson(Buffer.from('\uFEFF{"a":1}', 'utf8'), DEPTH), { a: 1 });
  });

  test('__proto__ as a key yields an own property, not a prototype', () => {
    const value = parse('{"__proto__":{"admin":true}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ['__proto__']);
  });
});

describe('parseStrictJson: duplicate keys', () => {
  test('at the top level', () => {
    refused('{"role":"user","role":"admin"}', DUPLICATE);
  });

  test('in a nested object', () => {
    refused('{"user":{"a":1,"b":2,"a":3}}', DUPLICATE);
  });

  test('in an object inside an array', () => {
    refused('[{"a":1},{"b":1,"b":2}]', DUPLICATE);
  });

  test('after a nested object closes', () => {
    refused('{"a":{},"a":1}', DUPLICATE);
    refused('{"a":{"x":[{}]},"b":2,"a":1}', DUPLICATE);
  });

  test('written with escapes that decode to the same key', () => {
    refused('{"a":1,"\\u0061":2}', DUPLICATE);
    refused('{"\\u0061":1,"a":2}', DUPLICATE);
    refused('{"\\/":1,"/":2}', DUPLICATE);
  });

  test('the empty key twice', () => {
    refused('{"":1,"":2}', DUPLICATE);
  });

  test('__proto__ twice', () => {
    refused('{"__proto__":1,"__proto__":2}', DUPLICATE);
  });
});

describe('parseStrictJson: depth', () => {
  test('one level past the limit', () => {
    refused('{"a":{"b":[1]}}', TOO_DEEP, 2);
    refused('[[[]]]', TOO_DEEP, 2);
  });

  test('deep nesting names the limit', () => {
    refused(`${'['.repeat(100)}${']'.repeat(100)}`, /deeper than 8 levels/);
  });

  test('very deep nesting is refused, not a crash', () => {
    assert.throws(() => parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), InvalidJson);
  });
});

describe('parseStrictJson: bytes and syntax', () => {
  test('invalid UTF-8 bytes', () => {
    refused(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), NOT_UTF8); // {"a":"\xff"}
  });

  test('an overlong encoding of "/"', () => {
    refused(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), NOT_UTF8);
  });

  test('an encoded UTF-16 surrogate', () => {
    refused(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), NOT_UTF8);
  });

  test('an escaped lone surrogate, which would reach the hash and the database as U+FFFD', () => {
    const LONE = /not valid Unicode/;
    refused('{"password":"orbit lantern \\ud800 meadow"}', LONE);
    refused('{"password":"\\udfff"}', LONE);
    refused('{"a":["x","\\uDBFFz"]}', LONE);
    refused('{"\\ud83d":1}', LONE);
    refused('{"a":"\\udc00\\ud800"}', LONE);
    assert.deepEqual(parse('{"a":"\\ud83d\\ude00"}'), { a: '\u{1f600}' }, 'a pair is one character');
    assert.deepEqual(parse('{"a":"\\\\ud800"}'), { a: '\\ud800' }, 'an escaped backslash is not an escape');
  });

  test('a truncated multi-byte sequence', () => {
    refused(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]), NOT_UTF8);
  });

  test('not JSON at all', () => {
    refused('', NOT_JSON);
    refused('{"a":1', NOT_JSON);
    refused("{'a':1}", NOT_JSON);
    refused('{"a":1,}', NOT_JSON);
    refused('{"a":1}{"b":2}', NOT_JSON);
  });
});
