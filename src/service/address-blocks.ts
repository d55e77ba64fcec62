import { randomUUID } from 'node:crypto';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { InvalidRequest } from '../domain/errors.js';
import type { AddressBlock, AddressBlockStore } from '../domain/guardian-ports.js';
import type { Clock } from '../domain/ports.js';

/**
 * Operator blocks of an address or CIDR range for a time. Every request is
 * checked against an in-memory `net.BlockList`, rebuilt from the database
 * when this instance changes a block and every `reloadMs` otherwise, so a
 * block made on one instance reaches the others within that interval
 * without a read per request.
 */
export class AddressBlocks {
  private list = new BlockList();
  private blocks: AddressBlock[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: AddressBlockStore,
    private readonly clock: Clock,
    reloadMs: number,
    onError: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => this.reload().catch(onError), reloadMs);
    this.timer.unref();
  }

  isBlocked(ip: string): boolean {
    if (this.blocks.length === 0) return false;
    const now = this.clock.now();
    if (this.blocks.some((block) => block.until <= now)) this.use(this.blocks.filter((block) => block.until > now));
    return this.list.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
  }

  async add(cidr: string, durationMs: number, reason: string | null, createdBy: string): Promise<AddressBlock> {
    parseCidr(cidr);
    const now = this.clock.now();
    const block = { id: randomUUID(), cidr, until: now + durationMs, reason, createdBy, createdAt: now };
    await this.store.insertAddressBlock(block);
    await this.reload();
    return block;
  }

  async remove(id: string): Promise<boolean> {
    const removed = await this.store.deleteAddressBlock(id);
    await this.reload();
    return removed;
  }

  async current(): Promise<AddressBlock[]> {
    await this.reload();
    return this.blocks;
  }

  async reload(): Promise<void> {
    this.use(await this.store.listAddressBlocks(this.clock.now()));
  }

  private use(blocks: AddressBlock[]): void {
    const list = new BlockList();
    for (const block of blocks) addTo(list, block.cidr);
    this.list = list;
    this.blocks = blocks;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

function addTo(list: BlockList, cidr: string): void {
  const { address, prefix, family } = parseCidr(cidr);
  list.addSubnet(address, prefix, family);
}

/** `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`: anything else is a 400. */
export function parseCidr(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const [address = '', bits] = cidr.split('/');
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!family || !(prefix >= 0 && prefix <= max)) {
    throw new InvalidRequest('cidr must be an IPv4 or IPv6 address with an optional /prefix');
  }
  return { address, prefix, family };
}
