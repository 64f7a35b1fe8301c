// IPv4 address, CIDR and address-range arithmetic on uint32 numbers.
// Pure functions, no dependencies. JavaScript bitwise operators work on signed 32-bit integers,
// so every bitwise result is brought back to uint32 with `>>> 0`.

/** The outcome of a parse: a value, or a human reason naming what is wrong. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** An inclusive block of addresses, as uint32 numbers; `start <= end`. */
export interface AddressRange {
  start: number;
  end: number;
}

export type RangeKind = 'address' | 'cidr' | 'range';

export interface ParsedRange extends AddressRange {
  /** How the text was written: a single address, `a.b.c.d/n`, or `a.b.c.d-e.f.g.h`. */
  kind: RangeKind;
  /** The prefix length, for a CIDR. */
  prefix?: number;
  /**
   * A CIDR written with host bits set (`10.0.0.5/24`). The range is the whole network
   * (`10.0.0.0/24`), like Go's net.ParseCIDR reads it; the caller decides whether that is
   * acceptable.
   */
  hostBitsSet: boolean;
  /** The canonical text: `10.0.0.0/24`, `10.0.0.1-10.0.0.9` or `10.0.0.1`. */
  normalized: string;
}

const MAX = 0xffffffff;

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function fail<T>(reason: string): Parsed<T> {
  return { ok: false, reason };
}

/** True when the text is most likely an IPv6 address or prefix (has colons, is not host:port). */
export function looksLikeIpv6(text: string): boolean {
  const t = text.trim();
  if (t.startsWith('[')) return true;
  return t.split(':').length - 1 >= 2;
}

/** Parses `a.b.c.d` strictly: four decimal octets 0-255, no leading zeros, no whitespace. */
export function parseAddress(text: string): Parsed<number> {
  if (text === '') return fail('the address is empty');
  if (/\s/.test(text)) return fail(`"${text}" contains whitespace`);
  if (looksLikeIpv6(text))
    return fail(`${text} looks like an IPv6 address; only IPv4 is supported`);
  if (/^[^:]+:\d*$/.test(text)) return fail(`"${text}" has a port; write the address alone`);
  if (text.includes('/'))
    return fail(`"${text}" has a prefix length; a single address is expected`);
  const parts = text.split('.');
  if (parts.length !== 4) {
    return fail(`"${text}" has ${parts.length} part(s); an IPv4 address has 4 octets (a.b.c.d)`);
  }
  let value = 0;
  for (const [i, part] of parts.entries()) {
    if (part === '') return fail(`octet ${i + 1} of "${text}" is empty`);
    if (!/^\d+$/.test(part)) return fail(`octet "${part}" is not a decimal number`);
    if (part.length > 1 && part.startsWith('0')) {
      return fail(`octet "${part}" has a leading zero (some tools read it as octal)`);
    }
    const n = Number(part);
    if (n > 255) return fail(`octet ${part} is out of range (0-255)`);
    value = value * 256 + n;
  }
  return ok(value);
}

/** uint32 -> `a.b.c.d` */
export function formatAddress(value: number): string {
  const v = value >>> 0;
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join('.');
}

/** The netmask of a prefix length as uint32 (`/24` -> 255.255.255.0). */
export function prefixMask(prefix: number): number {
  // `x << 32` is `x << 0` in JavaScript, so /0 needs its own case.
  return prefix === 0 ? 0 : (MAX << (32 - prefix)) >>> 0;
}

function parsePrefix(text: string): Parsed<number> {
  if (text === '') return fail('the prefix length after "/" is empty');
  if (!/^\d+$/.test(text)) return fail(`prefix "/${text}" is not a number`);
  if (text.length > 1 && text.startsWith('0')) return fail(`prefix "/${text}" has a leading zero`);
  const n = Number(text);
  if (n > 32) return fail(`prefix /${text} is larger than 32`);
  return ok(n);
}

/** Parses `a.b.c.d/n`. Host bits set are accepted and reported through `hostBitsSet`. */
export function parseCidr(text: string): Parsed<ParsedRange> {
  if (looksLikeIpv6(text))
    return fail(`${text} looks like an IPv6 network; only IPv4 is supported`);
  const slash = text.indexOf('/');
  if (slash < 0) return fail(`"${text}" has no prefix length; write it as a.b.c.d/n`);
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (prefixText.includes('/')) return fail(`"${text}" has more than one "/"`);
  const address = parseAddress(addressText);
  if (!address.ok) return address;
  const prefix = parsePrefix(prefixText);
  if (!prefix.ok) return prefix;
  const mask = prefixMask(prefix.value);
  const start = (address.value & mask) >>> 0;
  const end = (start | (~mask >>> 0)) >>> 0;
  return ok({
    kind: 'cidr',
    start,
    end,
    prefix: prefix.value,
    hostBitsSet: start !== address.value,
    normalized: `${formatAddress(start)}/${prefix.value}`,
  });
}

/**
 * Parses what a MetalLB IPAddressPool accepts in `addresses`: a CIDR, a range
 * `a.b.c.d-e.f.g.h` (spaces around the dash allowed), or a single address.
 */
export function parseRange(text: string): Parsed<ParsedRange> {
  const t = text.trim();
  if (t === '') return fail('the entry is empty');
  if (t.includes('/')) return parseCidr(t);
  if (t.includes('-')) {
    const parts = t.split('-');
    if (parts.length !== 2) return fail(`"${t}" has more than one "-"; write start-end`);
    const startText = (parts[0] ?? '').trim();
    const endText = (parts[1] ?? '').trim();
    const start = parseAddress(startText);
    if (!start.ok) return fail(`range start: ${start.reason}`);
    const end = parseAddress(endText);
    if (!end.ok) return fail(`range end: ${end.reason}`);
    if (end.value < start.value) {
      return fail(`range end ${endText} is before start ${startText}`);
    }
    return ok({
      kind: 'range',
      start: start.value,
      end: end.value,
      hostBitsSet: false,
      normalized: `${formatAddress(start.value)}-${formatAddress(end.value)}`,
    });
  }
  const address = parseAddress(t);
  if (!address.ok) return address;
  return ok({
    kind: 'address',
    start: address.value,
    end: address.value,
    hostBitsSet: false,
    normalized: formatAddress(address.value),
  });
}

/** The number of addresses in the range (up to 2^32, so not a uint32). */
export function rangeSize(r: AddressRange): number {
  return r.end - r.start + 1;
}

/** True when the two ranges share at least one address. Symmetric. */
export function overlaps(a: AddressRange, b: AddressRange): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** True when every address of `inner` is in `outer`. */
export function contains(outer: AddressRange, inner: AddressRange): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

/** True when `address` (uint32) is in `range`. */
export function containsAddress(range: AddressRange, address: number): boolean {
  return range.start <= address && address <= range.end;
}

/** The shared addresses of two ranges, or undefined when they do not overlap. */
export function intersection(a: AddressRange, b: AddressRange): AddressRange | undefined {
  if (!overlaps(a, b)) return undefined;
  return { start: Math.max(a.start, b.start), end: Math.min(a.end, b.end) };
}

/** A range as the shortest text: a single address, an aligned CIDR, or `start-end`. */
export function formatRange(r: AddressRange): string {
  if (r.start === r.end) return formatAddress(r.start);
  const size = rangeSize(r);
  const bits = Math.log2(size);
  if (Number.isInteger(bits) && r.start % size === 0) {
    return `${formatAddress(r.start)}/${32 - bits}`;
  }
  return `${formatAddress(r.start)}-${formatAddress(r.end)}`;
}
