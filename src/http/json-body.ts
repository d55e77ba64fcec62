/**
 * The request body parser. JSON.parse alone keeps the last of two equal keys
 * and accepts any depth; an auth API should refuse both (ASVS 15.3, R30/R31),
 * and refuse bytes that are not UTF-8 instead of replacing them. The scanner
 * walks the text once, tracking keys per object; JSON.parse then builds values.
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
  return value;
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
