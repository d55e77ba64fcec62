import { createRequire } from 'node:module';

/**
 * The blocklist of common and breached passwords: the 49,233 most frequent
 * passwords of public breach corpora, as kept by the zxcvbn-ts project
 * (@zxcvbn-ts/language-common, `passwords.json`, MIT). Loaded once into a Set,
 * so a check is one hash lookup.
 */
export function loadCommonPasswords(): ReadonlySet<string> {
  const require = createRequire(import.meta.url);
  const list = require('@zxcvbn-ts/language-common/src/passwords.json') as string[];
  return new Set(list);
}

export function commonPasswordCheck(list: ReadonlySet<string>): (candidate: string) => boolean {
  return (candidate) => list.has(candidate);
}
