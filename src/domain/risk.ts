import { isIPv4, isIPv6 } from 'node:net';

/**
 * Risk signals, computed from what the service already holds: the context a
 * session was created in against the context it is used from, whether a
 * login comes from a client the account knows, and recent failures. No
 * outside service is asked. Each signal has an action from the settings.
 */
export type RiskSignal = 'context_change' | 'new_device' | 'failure_burst';

export type RiskAction = 'allow' | 'record' | 'step_up' | 'shorten' | 'deny';

export const RISK_ACTIONS: readonly RiskAction[] = ['allow', 'record', 'step_up', 'shorten', 'deny'];

export type RiskPolicy = Readonly<Record<RiskSignal, RiskAction>>;

export interface ClientSnapshot {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/**
 * Why a session's use looks like another client: its address left the
 * network it was created in (IPv4 /16, IPv6 /48: wide enough that a phone
 * moving between cells of one carrier stays inside, narrow enough that
 * another provider or country does not), or its browser family changed
 * (versions change on every update; families do not).
 */
export function contextChange(original: ClientSnapshot, current: ClientSnapshot): 'address' | 'user_agent' | null {
  // The common case, the same client again, costs two string comparisons.
  const sameIp = original.ip === current.ip || !original.ip || !current.ip;
  if (!sameIp && networkOf(original.ip!) !== networkOf(current.ip!)) return 'address';
  if (original.userAgent === current.userAgent) return null;
  return userAgentFamily(original.userAgent) !== userAgentFamily(current.userAgent) ? 'user_agent' : null;
}

/** Order matters: Edge and Opera also claim Chrome, Chrome also claims Safari. */
const FAMILIES: ReadonlyArray<[string, RegExp]> = [
  ['edge', /\bEdg(e|A|iOS)?\//],
  ['opera', /\bOPR\//],
  ['firefox', /\b(Firefox|FxiOS)\//],
  ['chrome', /\b(Chrome|CriOS|Chromium)\//],
  ['safari', /\bSafari\//],
];

export function userAgentFamily(userAgent: string | null): string {
  if (!userAgent) return 'none';
  const known = FAMILIES.find(([, pattern]) => pattern.test(userAgent));
  if (known) return known[0];
  // Non-browser clients: the first product token without its version (curl, okhttp, node…).
  return (/^[A-Za-z][\w.-]*/.exec(userAgent)?.[0] ?? 'other').toLowerCase();
}

/** The /16 of an IPv4 address (IPv4-mapped IPv6 included) or the /48 of an IPv6 address. */
export function networkOf(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  const v4 = mapped ?? (isIPv4(ip) ? ip : undefined);
  if (v4) return v4.split('.').slice(0, 2).join('.');
  if (isIPv6(ip)) return expandIPv6(ip).slice(0, 3).join(':');
  return ip;
}

/** The /64 of an IPv6 address, which one subscriber usually holds whole; an IPv4 address as it is. */
export function subscriberOf(ip: string): string {
  if (!isIPv6(ip) || /^::ffff:/i.test(ip)) return ip.replace(/^::ffff:/i, '');
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(ip: string): string[] {
  const [head = '', tail] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  const groups = tail === undefined ? left : [...left, ...zeros, ...right];
  return groups.map((group) => group.replace(/^0+(?=.)/, ''));
}

const SEVERITY: readonly RiskAction[] = ['allow', 'record', 'shorten', 'step_up', 'deny'];

/** The strictest action among the signals raised; `allow` when none is. */
export function strictestAction(policy: RiskPolicy, raised: readonly RiskSignal[]): RiskAction {
  return raised
    .map((signal) => policy[signal])
    .reduce<RiskAction>((worst, next) => (SEVERITY.indexOf(next) > SEVERITY.indexOf(worst) ? next : worst), 'allow');
}

/**
 * A step-up at login asks for the second factor: a login that just passed
 * TOTP has given it; an account without TOTP cannot, and gets the next
 * strictest action that does not lock its owner out, a shortened session.
 */
export function loginAction(action: RiskAction, passedTotp: boolean): RiskAction {
  if (action !== 'step_up') return action;
  return passedTotp ? 'record' : 'shorten';
}
