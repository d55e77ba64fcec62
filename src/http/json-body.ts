/**
 * The request body parser. JSON.parse alone keeps the last of two equal keys
 * and accepts any depth; an auth API should refuse both (ASVS 15.3, R30/R31),
 * and refuse bytes that are not UTF-8 instead of replacing them. The scanner
 * walks the text once, tracking keys per object; JSON.parse then builds values.
 * A `\uD800` escape smuggles in what the UTF-8 check refuses as bytes: a lone
 * surrogate, which every encoder on the way to the hash or the database
 * silently turns into U+FFFD, so two passwords differing only there would
 * match one hash. Strings holding one are refused too.
 */
export class InvalidJson extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidJson';
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function parseStrictJson(body: Buffer, maxDepth: number): unknown {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    throw new InvalidJson('body is not valid UTF-8');
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidJson('body is not valid JSON');
  }
  checkKeysAndDepth(text, maxDepth);
  // The walk runs only when the text escapes a surrogate at all, which plain bodies never do.
  if (SURROGATE_ESCAPE.test(text)) refuseLoneSurrogates(value);
  return value;
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
// With the u flag a paired surrogate reads as one code point; only a lone one is in Cs.
const LONE_SURROGATE = /\p{Cs}/u;

function refuseLoneSurrogates(value: unknown): void {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw new InvalidJson('body holds text that is not valid Unicode (a lone surrogate)');
  } else if (Array.isArray(value)) {
    value.forEach(refuseLoneSurrogates);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      refuseLoneSurrogates(key);
      refuseLoneSurrogates(item);
    }
  }
}

/** Runs on text JSON.parse has accepted, so it only needs to find strings and brackets. */
function checkKeysAndDepth(text: string, maxDepth: number): void {
  const scopes: Array<Set<string> | null> = [];
  let expectKey = false;

  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      const end = endOfString(text, i);
      if (expectKey) addKey(scopes, JSON.parse(text.slice(i, end + 1)) as string);
      expectKey = false;
      i = end;
    } else if (char === '{' || char === '[') {
      scopes.push(char === '{' ? new Set() : null);
      if (scopes.length > maxDepth) throw new InvalidJson(`body nests deeper than ${maxDepth} levels`);
      expectKey = char === '{';
    } else if (char === '}' || char === ']') {
      scopes.pop();
    } else if (char === ',') {
      expectKey = scopes.at(-1) instanceof Set;
    }
  }
}

function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i;
}

function addKey(scopes: Array<Set<string> | null>, key: string): void {
  const keys = scopes.at(-1);
  if (!keys) return;
  if (keys.has(key)) throw new InvalidJson('body repeats a key within one object');
  keys.add(key);
}
