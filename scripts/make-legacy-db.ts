/**
 * make-legacy-db.ts: builds a PostgreSQL database shaped like the one left
 * behind by the app astral-auth replaces: Prisma's "users" table, filled with
 * 100,000+ realistic and imperfect rows. It exists so that
 * `astral-auth users import --from-postgres` can be demonstrated on real input:
 * bcrypt hashes with $2a$/$2b$/$2y$ prefixes, OAuth-only users without a
 * password, emails that collide once case, spaces or Unicode form are
 * normalised, a password that NFKC would change, and a few rows a careful
 * importer must reject. Sample logins go to a JSON credentials file.
 *
 *   npx tsx scripts/make-legacy-db.ts [--database-url URL] [--recreate]
 *     [--users N] [--distinct-hashes K] [--credentials FILE] [--seed S]
 *
 * With the same --seed, runs on the same (UTC) day produce identical data:
 * timestamps are spread over the three years before today's UTC midnight.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { hash } from '@node-rs/bcrypt';
import pg from 'pg';

// ---------------------------------------------------------------- options

interface Options {
  databaseUrl: string;
  recreate: boolean;
  users: number;
  distinctHashes: number;
  credentials: string;
  seed: string;
}

const MIN_USERS = 100;

function parseOptions(argv: string[]): Options {
  const values = parseFlags(argv);
  return {
    databaseUrl: values['database-url'],
    recreate: values.recreate,
    users: integerOption('--users', values.users, MIN_USERS),
    distinctHashes: integerOption('--distinct-hashes', values['distinct-hashes'], 1),
    credentials: values.credentials,
    seed: values.seed ?? randomBytes(4).toString('hex'),
  };
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, strict: true, options: FLAGS }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

const FLAGS = {
  'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/astralfield_legacy' },
  recreate: { type: 'boolean', default: false },
  users: { type: 'string', default: '100000' },
  'distinct-hashes': { type: 'string', default: '64' },
  credentials: { type: 'string', default: 'data/legacy-credentials.json' },
  seed: { type: 'string' },
} as const;

function integerOption(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${name} must be an integer >= ${min}, got "${text}"`);
  }
  return value;
}

class UsageError extends Error {}

// ---------------------------------------------------------------- randomness

/** Seeded generator (sfc32 over a SHA-256 of the seed); deterministic per seed. */
class Rng {
  private readonly state: Uint32Array;

  constructor(seed: string) {
    const digest = createHash('sha256').update(seed).digest();
    this.state = Uint32Array.from([0, 4, 8, 12], (offset) => digest.readUInt32LE(offset));
    for (let i = 0; i < 16; i++) this.next();
  }

  next(): number {
    const s = this.state;
    const a = s[0]!, b = s[1]!, c = s[2]!, d = (s[3]! + 1) | 0;
    const t = (a + b + d) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    s[3] = d;
    return (t >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return item(items, this.int(items.length));
  }

  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return item(choices, choices.length - 1)[0];
  }

  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }
}

function item<T>(items: readonly T[], index: number): T {
  const value = items[index];
  if (value === undefined) throw new Error(`index ${index} out of range`);
  return value;
}

// ---------------------------------------------------------------- cuid ids

/** cuid-shaped ids: "c" + time(8) + counter(4) + fingerprint(4) + random(8), base36. */
function makeCuidFactory(rng: Rng): (createdAt: number) => string {
  const fingerprint = randomBase36(rng, 4);
  let counter = 0;
  return (createdAt) => {
    const time = base36(createdAt, 8);
    const count = base36(counter++ % 36 ** 4, 4);
    return `c${time}${count}${fingerprint}${randomBase36(rng, 8)}`;
  };
}

function base36(value: number, width: number): string {
  return value.toString(36).padStart(width, '0').slice(-width);
}

function randomBase36(rng: Rng, length: number): string {
  return Array.from({ length }, () => rng.int(36).toString(36)).join('');
}

// ---------------------------------------------------------------- vocabulary

const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Chris', 'Karen',
  'Daniel', 'Nancy', 'Matthew', 'Lisa', 'Anthony', 'Betty', 'Mark', 'Sandra', 'Steven', 'Ashley',
  'Andrew', 'Emily', 'Kevin', 'Michelle', 'Brian', 'Amanda', 'Jason', 'Melissa', 'Tyler', 'Rebecca',
  'Marcus', 'Aaliyah', 'DeShawn', 'Keisha', 'Luis', 'Sofía', 'José', 'Camila', 'Mateo', 'Valentina',
  'Wei', 'Mei', 'Hiroshi', 'Yuki', 'Raj', 'Priya', 'Arjun', 'Ananya', 'Olu', 'Chiamaka',
  'Liam', 'Noah', 'Olivia', 'Emma', 'Zoë', 'Chloé', 'Björn', 'Ingrid', 'Mohammed', 'Fatima',
];

const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Okafor', 'Adeyemi', 'Patel', 'Sharma', 'Kim', 'Park', 'Chen', 'Wang', 'Tanaka', 'Sato',
  'Müller', 'Schmidt', 'Jäger', 'Núñez', 'Peña', "O'Brien", 'McCarthy', 'Kowalski', 'Novák', 'Larsen',
];

const EMAIL_DOMAINS: ReadonlyArray<readonly [string, number]> = [
  ['gmail.com', 55], ['yahoo.com', 10], ['outlook.com', 8], ['hotmail.com', 7], ['icloud.com', 7],
  ['aol.com', 2], ['proton.me', 2], ['comcast.net', 2], ['me.com', 1], ['live.com', 1],
  ['fastmail.com', 1], ['gmx.de', 1], ['yahoo.co.uk', 1], ['mail.com', 1], ['astralfield.io', 1],
];

const TEAM_ADJECTIVES = [
  'Mighty', 'Fighting', 'Golden', 'Iron', 'Savage', 'Midnight', 'Thunder', 'Flying', 'Crimson', 'Electric',
  'Rogue', 'Lucky', 'Dynasty', 'Blitzing', 'Gridiron', 'Red Zone', 'Fourth Down', 'Hail Mary', 'Sunday', 'Waiver Wire',
];

const TEAM_NOUNS = [
  'Ducks', 'Titans', 'Wolves', 'Gladiators', 'Mavericks', 'Dragons', 'Outlaws', 'Ghosts', 'Vipers', 'Bandits',
  'Crushers', 'Sharks', 'Legends', 'Raptors', 'Spartans', 'Comets', 'Hawks', 'Grizzlies', 'Knights', 'Tacos',
];

const PASSWORD_WORDS = [
  'maple', 'river', 'falcon', 'copper', 'sunset', 'tiger', 'orbit', 'canyon', 'pepper', 'blizzard',
  'touchdown', 'quarter', 'lantern', 'meadow', 'rocket', 'harbor', 'velvet', 'granite', 'comet', 'willow',
  'football', 'summer', 'winter', 'dragon', 'shadow', 'monkey', 'sunshine', 'princess', 'galaxy', 'nebula',
];

// ---------------------------------------------------------------- passwords

type Prefix = '$2a$' | '$2b$' | '$2y$';

interface PasswordPool {
  passwords: string[];
  hashes: string[];
}

interface Login {
  password: string;
  hash: string;
}

const BCRYPT_COST = 10;
const PREFIX_WEIGHTS: ReadonlyArray<readonly [Prefix, number]> = [['$2b$', 55], ['$2a$', 35], ['$2y$', 10]];

function makePasswords(rng: Rng, count: number): string[] {
  const passwords = new Set<string>();
  while (passwords.size < count) passwords.add(makePassword(rng));
  return [...passwords];
}

function makePassword(rng: Rng): string {
  const word = rng.pick(PASSWORD_WORDS);
  const digits = String(rng.int(10000));
  switch (rng.int(3)) {
    case 0: return `${word}-${rng.pick(PASSWORD_WORDS)}-${digits}`;
    case 1: return `${capitalise(word)}${digits}${rng.pick(['!', '?', '#', '$', '*'])}`;
    default: return `${word}${rng.pick(PASSWORD_WORDS)}${digits}`;
  }
}

/** bcrypt of the raw UTF-8 bytes, with a salt drawn from the seeded generator. */
function bcrypt(rng: Rng, password: string): Promise<string> {
  return hash(Buffer.from(password, 'utf8'), BCRYPT_COST, rng.bytes(16));
}

async function hashPool(rng: Rng, passwords: string[]): Promise<PasswordPool> {
  const started = Date.now();
  const hashes = await Promise.all(passwords.map((password) => bcrypt(rng, password)));
  progress(`hashed ${hashes.length} passwords with bcrypt cost ${BCRYPT_COST} in ${seconds(started)} s`);
  return { passwords, hashes };
}

/** Same bcrypt hash under another version prefix, as other libraries write it. */
function withPrefix(bcryptHash: string, prefix: Prefix): string {
  return prefix + bcryptHash.slice(4);
}

function pickLogin(rng: Rng, pool: PasswordPool, prefix?: Prefix): Login {
  const index = rng.int(pool.passwords.length);
  const chosen = prefix ?? rng.weighted(PREFIX_WEIGHTS);
  return { password: item(pool.passwords, index), hash: withPrefix(item(pool.hashes, index), chosen) };
}

// ---------------------------------------------------------------- emails

/** Key under which two emails count as the same address once normalised. */
function emailKey(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

/** Tracks emails so that only the intended near-duplicates ever collide. */
class EmailRegistry {
  private readonly exact = new Set<string>();
  private readonly keys = new Set<string>();

  fresh(rng: Rng, first: string, last: string): string {
    for (let attempt = 0; ; attempt++) {
      const email = makeEmail(rng, first, last, attempt);
      if (!this.keys.has(emailKey(email))) return this.claim(email);
    }
  }

  /** Registers an email; a variant may share its key, never its exact spelling. */
  claim(email: string): string {
    if (this.exact.has(email)) throw new Error(`email generated twice: ${JSON.stringify(email)}`);
    this.exact.add(email);
    this.keys.add(emailKey(email));
    return email;
  }
}

function makeEmail(rng: Rng, first: string, last: string, attempt: number): string {
  const f = asciiName(first), l = asciiName(last);
  const patterns = [`${f}.${l}`, `${f}${l}`, `${f.charAt(0)}${l}`, `${f}_${l}`, `${l}.${f}`, `${f}${l.charAt(0)}`];
  const local = rng.pick(patterns);
  const suffix = attempt > 0 || rng.chance(0.25) ? String(rng.int(attempt > 3 ? 100000 : 1000)) : '';
  const email = `${local}${suffix}@${rng.weighted(EMAIL_DOMAINS)}`;
  return rng.chance(0.03) ? email : email.toLowerCase();
}

/** "José" -> "Jose", "O'Brien" -> "OBrien": what people type into a local part. */
function asciiName(name: string): string {
  return name.normalize('NFD').replace(/[^A-Za-z0-9]/g, '');
}

type VariantKind = 'case' | 'spaces' | 'unicode';
const VARIANT_KINDS: readonly VariantKind[] = ['case', 'spaces', 'unicode'];

function emailVariant(rng: Rng, email: string, kind: VariantKind): string {
  switch (kind) {
    case 'case':
      return rng.chance(0.5) && email !== email.toUpperCase() ? email.toUpperCase() : flipFirstLetter(email);
    case 'spaces': return rng.pick([` ${email}`, `${email} `, `  ${email} `]);
    case 'unicode': return fullwidthLetter(rng, email);
  }
}

function flipFirstLetter(email: string): string {
  const index = email.search(/[A-Za-z]/);
  const letter = email.charAt(index);
  const flipped = letter === letter.toLowerCase() ? letter.toUpperCase() : letter.toLowerCase();
  return email.slice(0, index) + flipped + email.slice(index + 1);
}

/** Replaces one ASCII letter of the local part with its fullwidth form (NFKC maps it back). */
function fullwidthLetter(rng: Rng, email: string): string {
  const local = email.slice(0, email.indexOf('@'));
  const positions = [...local].flatMap((ch, i) => (/[A-Za-z]/.test(ch) ? [i] : []));
  const index = rng.pick(positions);
  const wide = String.fromCharCode(email.charCodeAt(index) + 0xfee0);
  return email.slice(0, index) + wide + email.slice(index + 1);
}

// ---------------------------------------------------------------- users

type Role = 'ADMIN' | 'COMMISSIONER' | 'PLAYER';

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  image: string | null;
  role: Role;
  teamName: string | null;
  hashedPassword: string | null;
  emailVerified: number | null;
  createdAt: number;
  updatedAt: number;
}

interface Made {
  row: UserRow;
  password: string | null;
}

interface UserSpec {
  role?: Role;
  prefix?: Prefix;
  oauthOnly?: boolean;
  createdAt?: number;
}

interface Person {
  first: string;
  last: string;
}

interface Context {
  rng: Rng;
  pool: PasswordPool;
  emails: EmailRegistry;
  nextId: (createdAt: number) => string;
  start: number;
  end: number;
}

const DAY = 24 * 60 * 60 * 1000;
const ROLE_WEIGHTS: ReadonlyArray<readonly [Role, number]> = [['PLAYER', 9330], ['COMMISSIONER', 650], ['ADMIN', 2]];

function makeUser(ctx: Context, spec: UserSpec = {}): Made {
  const { rng } = ctx;
  const person = { first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES) };
  const createdAt = spec.createdAt ?? randomCreatedAt(ctx);
  const oauthOnly = spec.oauthOnly ?? rng.chance(0.02);
  const login = oauthOnly ? null : pickLogin(rng, ctx.pool, spec.prefix);
  const row: UserRow = {
    id: ctx.nextId(createdAt),
    email: ctx.emails.fresh(rng, person.first, person.last),
    name: rng.chance(0.96) ? `${person.first} ${person.last}` : null,
    image: makeImage(rng, oauthOnly),
    role: spec.role ?? rng.weighted(ROLE_WEIGHTS),
    teamName: rng.chance(0.85) ? makeTeamName(rng, person) : null,
    hashedPassword: login?.hash ?? null,
    ...makeTimes(ctx, createdAt, oauthOnly),
  };
  return { row, password: login?.password ?? null };
}

/** Sign-ups grow over time: density rises towards the present. */
function randomCreatedAt(ctx: Context): number {
  return Math.floor(ctx.start + (ctx.end - ctx.start) * Math.sqrt(ctx.rng.next()));
}

type Times = Pick<UserRow, 'emailVerified' | 'createdAt' | 'updatedAt'>;

/** OAuth sign-ups arrive verified; most others verify within days; updatedAt never precedes either. */
function makeTimes(ctx: Context, createdAt: number, oauthOnly: boolean): Times {
  const { rng, end } = ctx;
  const verifyDelay = Math.floor(rng.next() ** 3 * 3 * DAY);
  const emailVerified = oauthOnly ? createdAt : rng.chance(0.88) ? Math.min(end, createdAt + verifyDelay) : null;
  const touched = Math.max(createdAt, emailVerified ?? createdAt);
  const updatedAt = rng.chance(0.45) ? touched : touched + Math.floor(rng.next() * (end - touched));
  return { emailVerified, createdAt, updatedAt };
}

function makeImage(rng: Rng, oauthOnly: boolean): string | null {
  if (!rng.chance(oauthOnly ? 0.9 : 0.3)) return null;
  const token = randomBase36(rng, 24);
  return rng.weighted([
    [`https://lh3.googleusercontent.com/a/ACg8oc${token}=s96-c`, 5],
    [`https://avatars.githubusercontent.com/u/${100000 + rng.int(90000000)}?v=4`, 2],
    [`https://cdn.discordapp.com/avatars/${rng.int(1e9)}${rng.int(1e9)}/${token}.png`, 1],
    [`https://images.astralfield.io/avatars/${token}.jpg`, 2],
  ]);
}

function makeTeamName(rng: Rng, person: Person): string {
  const noun = rng.pick(TEAM_NOUNS);
  switch (rng.int(4)) {
    case 0: return `${person.last}'s ${noun}`;
    case 1: return `The ${rng.pick(TEAM_ADJECTIVES)} ${noun}`;
    default: return `${rng.pick(TEAM_ADJECTIVES)} ${noun}`;
  }
}

// ---------------------------------------------------------------- special rows

interface Credential {
  email: string;
  password: string | null;
  note: string;
}

interface Part {
  rows: UserRow[];
  credentials: Credential[];
}

/** "ﬁeld-goal-２０２４": NFKC turns it into "field-goal-2024". */
const NFKC_PASSWORD = '\uFB01eld-goal-\uFF12\uFF10\uFF12\uFF14';

function part(entries: Array<[Made, string]>): Part {
  return {
    rows: entries.map(([made]) => made.row),
    credentials: entries.map(([made, note]) => ({ email: made.row.email, password: made.password, note })),
  };
}

const SAMPLE_SPECS: ReadonlyArray<readonly [UserSpec, string]> = [
  [{ role: 'PLAYER', prefix: '$2b$', oauthOnly: false }, 'PLAYER; hash has the $2b$ prefix'],
  [{ role: 'PLAYER', prefix: '$2a$', oauthOnly: false }, 'PLAYER; hash has the $2a$ prefix'],
  [{ role: 'PLAYER', prefix: '$2y$', oauthOnly: false }, 'PLAYER; hash has the $2y$ prefix (PHP style)'],
  [{ role: 'ADMIN', oauthOnly: false }, 'ADMIN'],
  [{ role: 'COMMISSIONER', oauthOnly: false }, 'COMMISSIONER'],
  [{ role: 'PLAYER', oauthOnly: true }, 'OAuth-only account: hashedPassword is NULL, so no password login'],
];

function makeSamples(ctx: Context): Part {
  return part(SAMPLE_SPECS.map(([spec, note]) => [makeUser(ctx, spec), note]));
}

/** A later sign-up whose email equals an earlier user's once normalised. */
function makeDuplicate(ctx: Context, original: UserRow, kind: VariantKind): Made {
  const span = ctx.end - original.createdAt - 1000;
  const createdAt = original.createdAt + 1000 + Math.floor(ctx.rng.next() * span);
  const made = makeUser(ctx, { role: 'PLAYER', createdAt, oauthOnly: false });
  made.row.email = ctx.emails.claim(emailVariant(ctx.rng, original.email, kind));
  made.row.name = original.name;
  return made;
}

function makeSampleDuplicatePair(ctx: Context): Part {
  const createdAt = ctx.start + Math.floor(ctx.rng.next() * (ctx.end - ctx.start) * 0.5);
  const original = makeUser(ctx, { role: 'PLAYER', oauthOnly: false, createdAt });
  const later = makeDuplicate(ctx, original.row, 'case');
  return part([
    [original, 'first of two accounts whose emails differ only in letter case (see next entry)'],
    [later, 'later duplicate of the previous entry: email differs only in letter case, own password'],
  ]);
}

function makeDuplicates(ctx: Context, candidates: UserRow[], count: number): UserRow[] {
  const used = new Set<UserRow>();
  const duplicates: UserRow[] = [];
  while (duplicates.length < count) {
    const original = ctx.rng.pick(candidates);
    if (used.has(original) || original.createdAt > ctx.end - DAY) continue;
    used.add(original);
    const kind = item(VARIANT_KINDS, (duplicates.length + 1) % VARIANT_KINDS.length);
    duplicates.push(makeDuplicate(ctx, original, kind).row);
  }
  return duplicates;
}

async function makeNfkcUser(ctx: Context): Promise<Part> {
  const made = makeUser(ctx, { role: 'PLAYER', oauthOnly: false });
  made.row.hashedPassword = await bcrypt(ctx.rng, NFKC_PASSWORD);
  const note = 'password contains U+FB01 "ﬁ" and fullwidth digits; NFKC would change it to "field-goal-2024". '
    + 'The hash is of the raw UTF-8 bytes, so only the password exactly as written verifies';
  return part([[{ row: made.row, password: NFKC_PASSWORD }, note]]);
}

const BAD_EMAILS = ['not-an-email', 'a@b@c.com', '', 'missing-domain@'];

/** Rows a careful importer must reject: invalid emails and non-bcrypt hashes. */
function makeBadRows(ctx: Context): Part {
  const badEmails = BAD_EMAILS.map((email) => {
    const made = makeUser(ctx, { oauthOnly: false });
    made.row.email = ctx.emails.claim(email);
    return made.row;
  });
  const md5 = withHash(makeUser(ctx, { oauthOnly: false }), (password) => md5Hash(ctx.rng, password));
  const truncated = withHash(makeUser(ctx, { oauthOnly: false }), (_, bcryptHash) => bcryptHash.slice(0, 40));
  const plain = withHash(makeUser(ctx, { oauthOnly: false }), (password) => password);
  const plainNote = 'hashedPassword holds this password in plain text: an importer must reject the row';
  const credentials = part([[plain, plainNote]]).credentials;
  return { rows: [...badEmails, md5.row, truncated.row, plain.row], credentials };
}

function withHash(made: Made, rewrite: (password: string, bcryptHash: string) => string): Made {
  if (made.password === null || made.row.hashedPassword === null) throw new Error('user has no password');
  made.row.hashedPassword = rewrite(made.password, made.row.hashedPassword);
  return made;
}

/** Django-style "md5$salt$hex", a format the legacy app never wrote. */
function md5Hash(rng: Rng, password: string): string {
  const salt = randomBase36(rng, 12);
  return `md5$${salt}$${createHash('md5').update(salt + password).digest('hex')}`;
}

// ---------------------------------------------------------------- dataset

interface Dataset {
  rows: UserRow[];
  credentials: Credential[];
  duplicates: number;
  invalid: number;
}

function makeContext(rng: Rng, pool: PasswordPool): Context {
  const end = Math.floor(Date.now() / DAY) * DAY;
  const start = end - 3 * 365 * DAY;
  return { rng, pool, emails: new EmailRegistry(), nextId: makeCuidFactory(rng), start, end };
}

async function makeDataset(ctx: Context, users: number): Promise<Dataset> {
  const parts = [makeSamples(ctx), makeSampleDuplicatePair(ctx), await makeNfkcUser(ctx)];
  const bad = makeBadRows(ctx);
  const duplicates = Math.max(VARIANT_KINDS.length, Math.round(users / 1000));
  const special = [...parts, bad].reduce((sum, p) => sum + p.rows.length, 0);
  const ordinary = Array.from({ length: users - special - (duplicates - 1) }, () => makeUser(ctx).row);
  const extra = makeDuplicates(ctx, ordinary, duplicates - 1);
  const rows = [...[...parts, bad].flatMap((p) => p.rows), ...ordinary, ...extra];
  rows.sort((a, b) => a.createdAt - b.createdAt);
  const credentials = [...parts, bad].flatMap((p) => p.credentials);
  return { rows, credentials, duplicates, invalid: bad.rows.length };
}

// ---------------------------------------------------------------- database

const PROTECTED_DATABASES = new Set(['postgres', 'template0', 'template1']);

const SCHEMA = `
CREATE TYPE "Role" AS ENUM ('ADMIN', 'COMMISSIONER', 'PLAYER');
CREATE TABLE "users" (
  "id" TEXT NOT NULL,
  "email" TEXT NOT NULL,
  "name" TEXT,
  "image" TEXT,
  "role" "Role" NOT NULL DEFAULT 'PLAYER',
  "teamName" TEXT,
  "hashedPassword" TEXT,
  "emailVerified" TIMESTAMP(3),
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");
`;

const COLUMNS = [
  'id', 'email', 'name', 'image', 'role', 'teamName', 'hashedPassword', 'emailVerified', 'createdAt', 'updatedAt',
] as const;

const BATCH_SIZE = 1000;

function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (name === '' || PROTECTED_DATABASES.has(name)) {
    throw new UsageError(`--database-url must name a database of its own, not "${name}"`);
  }
  return name;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Creates the database (dropping it first with --recreate) via the server's "postgres" database. */
async function prepareDatabase(options: Options, name: string): Promise<void> {
  const adminUrl = new URL(options.databaseUrl);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    if (options.recreate) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    progress(`${found.rowCount === 0 ? 'created' : 'using existing'} database ${name}`);
  } finally {
    await admin.end();
  }
}

async function openTarget(options: Options, name: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const existing = await client.query(`SELECT to_regclass('public.users') AS users`);
  if (existing.rows[0]?.users !== null) {
    await client.end();
    throw new UsageError(`database ${name} already has a "users" table; pass --recreate to start over`);
  }
  return client;
}

async function loadRows(client: pg.Client, rows: UserRow[]): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(SCHEMA);
    await insertRows(client, rows);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

async function insertRows(client: pg.Client, rows: UserRow[]): Promise<void> {
  const started = Date.now();
  const every = Math.max(BATCH_SIZE, Math.ceil(rows.length / 10 / BATCH_SIZE) * BATCH_SIZE);
  for (let done = 0; done < rows.length;) {
    const batch = rows.slice(done, done + BATCH_SIZE);
    const statement = { name: `insert-users-${batch.length}`, text: insertSql(batch.length) };
    await client.query({ ...statement, values: batch.flatMap(rowValues) });
    done += batch.length;
    if (done % every === 0 || done === rows.length) {
      progress(`inserted ${done}/${rows.length} rows (${Math.round(done / ((Date.now() - started) / 1000))} rows/s)`);
    }
  }
}

const insertSqlCache = new Map<number, string>();

function insertSql(rowCount: number): string {
  const cached = insertSqlCache.get(rowCount);
  if (cached !== undefined) return cached;
  const width = COLUMNS.length;
  const tuple = (r: number) => `(${COLUMNS.map((_, c) => `$${r * width + c + 1}`).join(', ')})`;
  const columns = COLUMNS.map(quoteIdent).join(', ');
  const tuples = Array.from({ length: rowCount }, (_, r) => tuple(r)).join(', ');
  const text = `INSERT INTO "users" (${columns}) VALUES ${tuples}`;
  insertSqlCache.set(rowCount, text);
  return text;
}

/** Timestamps go in as UTC ISO strings: TIMESTAMP(3) without time zone holds UTC, as Prisma writes it. */
function rowValues(row: UserRow): Array<string | null> {
  const ts = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return [
    row.id, row.email, row.name, row.image, row.role, row.teamName, row.hashedPassword,
    ts(row.emailVerified), ts(row.createdAt), ts(row.updatedAt),
  ];
}

// ---------------------------------------------------------------- output

function progress(message: string): void {
  process.stderr.write(`make-legacy-db: ${message}\n`);
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

async function writeCredentials(file: string, credentials: Credential[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, 'utf8');
  progress(`wrote ${credentials.length} sample logins to ${file}`);
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = Date.now();
  const options = parseOptions(process.argv.slice(2));
  const name = databaseName(options.databaseUrl);
  progress(`seed "${options.seed}": ${options.users} users, ${options.distinctHashes} distinct passwords`);
  await prepareDatabase(options, name);
  const client = await openTarget(options, name);
  try {
    const rng = new Rng(options.seed);
    const pool = await hashPool(rng, makePasswords(rng, options.distinctHashes));
    const data = await makeDataset(makeContext(rng, pool), options.users);
    const { rows, duplicates, invalid } = data;
    progress(`generated ${rows.length} rows (${duplicates} near-duplicate emails, ${invalid} invalid rows)`);
    await loadRows(client, data.rows);
    await writeCredentials(options.credentials, data.credentials);
  } finally {
    await client.end();
  }
  const hashes = options.distinctHashes + 1;
  console.log(`${name}: ${options.users} rows, ${hashes} distinct bcrypt hashes, ${seconds(started)} s`);
}

main().catch((error: unknown) => {
  const detail = error instanceof UsageError ? error.message : error instanceof Error ? error.stack : String(error);
  progress(`failed: ${detail}`);
  process.exitCode = 1;
});
