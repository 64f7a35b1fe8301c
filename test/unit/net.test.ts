import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  contains,
  containsAddress,
  formatAddress,
  formatRange,
  intersection,
  looksLikeIpv6,
  overlaps,
  parseAddress,
  parseCidr,
  parseRange,
  prefixMask,
  rangeSize,
  type Parsed,
} from '../../src/net/ipv4';

function value<T>(p: Parsed<T>): T {
  if (!p.ok) throw new Error(`expected a value, got: ${p.reason}`);
  return p.value;
}

function reason<T>(p: Parsed<T>): string {
  if (p.ok) throw new Error(`expected a failure, got ${JSON.stringify(p.value)}`);
  return p.reason;
}

const ip = (text: string) => value(parseAddress(text));

describe('parseAddress', () => {
  it.each([
    ['0.0.0.0', 0],
    ['10.0.0.1', 0x0a000001],
    ['192.168.100.10', 0xc0a8640a],
    ['255.255.255.255', 0xffffffff],
  ])('parses %s', (text, expected) => {
    expect(parseAddress(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', /empty/],
    ['10.0.0.256', /octet 256 is out of range/],
    ['10.0.0.010', /octet "010" has a leading zero/],
    ['10.0.0', /has 3 part\(s\).*4 octets/],
    ['10.0.0.1.2', /has 5 part\(s\)/],
    ['10..0.1', /octet 2 of "10..0.1" is empty/],
    ['10.0.0.x', /octet "x" is not a decimal number/],
    ['10.0.0.-1', /octet "-1" is not a decimal number/],
    [' 10.0.0.1', /whitespace/],
    ['10.0.0.1:22', /has a port/],
    ['10.0.0.0/24', /prefix length; a single address is expected/],
    ['fe80::1', /IPv6/],
    ['::ffff:10.0.0.1', /IPv6/],
  ])('rejects %j', (text, why) => {
    expect(reason(parseAddress(text))).toMatch(why);
  });

  it('formats back', () => {
    expect(formatAddress(0xc0a8640a)).toBe('192.168.100.10');
    expect(formatAddress(0xffffffff)).toBe('255.255.255.255');
    expect(formatAddress(0)).toBe('0.0.0.0');
  });

  it('round-trips every uint32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        expect(parseAddress(formatAddress(n))).toEqual({ ok: true, value: n });
      }),
    );
  });
});

describe('looksLikeIpv6', () => {
  it.each(['::1', 'fe80::1', '2001:db8::/32', '[::1]'])('%s is IPv6', (t) => {
    expect(looksLikeIpv6(t)).toBe(true);
  });
  it.each(['10.0.0.1', '10.0.0.1:22', 'host.example.com'])('%s is not', (t) => {
    expect(looksLikeIpv6(t)).toBe(false);
  });
});

describe('parseCidr', () => {
  it('parses a network', () => {
    expect(value(parseCidr('10.236.0.0/14'))).toEqual({
      kind: 'cidr',
      start: ip('10.236.0.0'),
      end: ip('10.239.255.255'),
      prefix: 14,
      hostBitsSet: false,
      normalized: '10.236.0.0/14',
    });
  });

  it('accepts host bits but reports and normalises them', () => {
    const c = value(parseCidr('192.168.100.10/24'));
    expect(c.hostBitsSet).toBe(true);
    expect(c.normalized).toBe('192.168.100.0/24');
    expect([c.start, c.end]).toEqual([ip('192.168.100.0'), ip('192.168.100.255')]);
  });

  it('handles /0 and /32 without sign or shift surprises', () => {
    expect(value(parseCidr('0.0.0.0/0'))).toMatchObject({ start: 0, end: 0xffffffff });
    expect(value(parseCidr('255.255.255.255/32'))).toMatchObject({
      start: 0xffffffff,
      end: 0xffffffff,
      hostBitsSet: false,
    });
    expect(value(parseCidr('128.0.0.0/1'))).toMatchObject({ start: 0x80000000, end: 0xffffffff });
    expect(value(parseCidr('200.1.2.3/0'))).toMatchObject({ start: 0, hostBitsSet: true });
    expect(prefixMask(0)).toBe(0);
    expect(prefixMask(32)).toBe(0xffffffff);
    expect(prefixMask(24)).toBe(0xffffff00);
  });

  it.each([
    ['10.0.0.0/33', /prefix \/33 is larger than 32/],
    ['10.0.0.0/', /prefix length after "\/" is empty/],
    ['10.0.0.0/08', /leading zero/],
    ['10.0.0.0/x', /not a number/],
    ['10.0.0.0/8/8', /more than one/],
    ['10.0.0.0', /no prefix length/],
    ['10.0.300.0/24', /octet 300 is out of range/],
    ['2001:db8::/32', /IPv6/],
  ])('rejects %j', (text, why) => {
    expect(reason(parseCidr(text))).toMatch(why);
  });
});

describe('parseRange', () => {
  it('parses a start-end range', () => {
    expect(value(parseRange('192.168.100.200-192.168.100.220'))).toEqual({
      kind: 'range',
      start: ip('192.168.100.200'),
      end: ip('192.168.100.220'),
      hostBitsSet: false,
      normalized: '192.168.100.200-192.168.100.220',
    });
  });

  it('allows spaces around the dash, as MetalLB does', () => {
    expect(value(parseRange('10.0.0.1 - 10.0.0.9')).normalized).toBe('10.0.0.1-10.0.0.9');
  });

  it('parses a CIDR and a single address', () => {
    expect(value(parseRange('10.0.0.0/30'))).toMatchObject({ kind: 'cidr', prefix: 30 });
    expect(value(parseRange('10.0.0.7'))).toMatchObject({
      kind: 'address',
      start: ip('10.0.0.7'),
      end: ip('10.0.0.7'),
    });
  });

  it('accepts a one-address range', () => {
    expect(rangeSize(value(parseRange('10.0.0.5-10.0.0.5')))).toBe(1);
  });

  it.each([
    ['10.0.0.9-10.0.0.1', 'range end 10.0.0.1 is before start 10.0.0.9'],
    ['10.0.0.1-10.0.0.256', 'range end: octet 256 is out of range (0-255)'],
    [
      '10.0.0.01-10.0.0.9',
      'range start: octet "01" has a leading zero (some tools read it as octal)',
    ],
    [
      '10.0.0.1-10.0.0.5-10.0.0.9',
      '"10.0.0.1-10.0.0.5-10.0.0.9" has more than one "-"; write start-end',
    ],
    ['', 'the entry is empty'],
  ])('rejects %j', (text, why) => {
    expect(reason(parseRange(text))).toBe(why);
  });
});

describe('range arithmetic', () => {
  const r = (text: string) => value(parseRange(text));

  it('computes sizes beyond uint32 range', () => {
    expect(rangeSize(r('0.0.0.0/0'))).toBe(2 ** 32);
    expect(rangeSize(r('10.0.0.0/24'))).toBe(256);
    expect(rangeSize(r('10.0.0.1-10.0.0.9'))).toBe(9);
  });

  it('tests overlap, containment and intersection', () => {
    expect(overlaps(r('10.0.0.0/24'), r('10.0.0.255-10.0.1.5'))).toBe(true);
    expect(overlaps(r('10.0.0.0/24'), r('10.0.1.0/24'))).toBe(false);
    expect(contains(r('10.0.0.0/16'), r('10.0.3.0/24'))).toBe(true);
    expect(contains(r('10.0.3.0/24'), r('10.0.0.0/16'))).toBe(false);
    expect(containsAddress(r('192.168.0.0/16'), ip('192.168.255.255'))).toBe(true);
    expect(containsAddress(r('192.168.0.0/16'), ip('192.169.0.0'))).toBe(false);
    const shared = r('10.0.0.128/25');
    expect(intersection(r('10.0.0.0/24'), r('10.0.0.128-10.0.1.5'))).toEqual({
      start: shared.start,
      end: shared.end,
    });
    expect(intersection(r('10.0.0.0/24'), r('10.0.1.0/24'))).toBeUndefined();
  });

  it('works in the upper half of the address space (no signed 32-bit surprises)', () => {
    expect(overlaps(r('200.0.0.0/8'), r('200.1.2.3'))).toBe(true);
    expect(contains(r('128.0.0.0/1'), r('255.255.255.0/24'))).toBe(true);
    expect(contains(r('0.0.0.0/1'), r('128.0.0.0/24'))).toBe(false);
  });

  it('formats ranges as the shortest text', () => {
    expect(formatRange(r('10.0.0.0/24'))).toBe('10.0.0.0/24');
    expect(formatRange(r('10.0.0.0-10.0.0.255'))).toBe('10.0.0.0/24');
    expect(formatRange(r('10.0.0.1-10.0.0.9'))).toBe('10.0.0.1-10.0.0.9');
    expect(formatRange(r('10.0.0.4'))).toBe('10.0.0.4');
    expect(formatRange(r('0.0.0.0/0'))).toBe('0.0.0.0/0');
  });
});

describe('properties', () => {
  const uint32 = fc.integer({ min: 0, max: 0xffffffff });
  const prefix = fc.integer({ min: 0, max: 32 });
  const range = fc
    .tuple(uint32, uint32)
    .map(([a, b]) => ({ start: Math.min(a, b), end: Math.max(a, b) }));

  it('every address of a CIDR is contained in it, and the CIDR is aligned', () => {
    fc.assert(
      fc.property(uint32, prefix, fc.double({ min: 0, max: 1, noNaN: true }), (a, p, f) => {
        const cidr = value(parseCidr(`${formatAddress(a)}/${p}`));
        const size = rangeSize(cidr);
        expect(size).toBe(2 ** (32 - p));
        expect(cidr.start % size).toBe(0);
        expect(containsAddress(cidr, a)).toBe(true);
        const inside = cidr.start + Math.min(size - 1, Math.floor(f * size));
        expect(containsAddress(cidr, inside)).toBe(true);
        if (cidr.start > 0) expect(containsAddress(cidr, cidr.start - 1)).toBe(false);
        if (cidr.end < 0xffffffff) expect(containsAddress(cidr, cidr.end + 1)).toBe(false);
      }),
    );
  });

  it('a normalised CIDR parses to the same network without host bits', () => {
    fc.assert(
      fc.property(uint32, prefix, (a, p) => {
        const cidr = value(parseCidr(`${formatAddress(a)}/${p}`));
        const again = value(parseCidr(cidr.normalized));
        expect(again).toMatchObject({ start: cidr.start, end: cidr.end, hostBitsSet: false });
        // a /32 is written as the bare address
        expect(formatRange(cidr)).toBe(p === 32 ? formatAddress(cidr.start) : cidr.normalized);
      }),
    );
  });

  it('overlap is symmetric and equals a non-empty intersection', () => {
    fc.assert(
      fc.property(range, range, (a, b) => {
        expect(overlaps(a, b)).toBe(overlaps(b, a));
        const shared = intersection(a, b);
        expect(shared !== undefined).toBe(overlaps(a, b));
        if (shared) {
          expect(contains(a, shared)).toBe(true);
          expect(contains(b, shared)).toBe(true);
        }
      }),
    );
  });

  it('containment implies overlap, and ranges contain themselves', () => {
    fc.assert(
      fc.property(range, range, (a, b) => {
        expect(contains(a, a)).toBe(true);
        if (contains(a, b)) expect(overlaps(a, b)).toBe(true);
      }),
    );
  });

  it('formatRange output parses back to the same range', () => {
    fc.assert(
      fc.property(range, (a) => {
        const back = value(parseRange(formatRange(a)));
        expect([back.start, back.end]).toEqual([a.start, a.end]);
      }),
    );
  });
});
