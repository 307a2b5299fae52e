/**
 * IP addresses as bytes, for the `cidr` operator and for exact patterns that name an IP address (AWS
 * compares those as addresses, so `"::1"` matches `"0:0:0:0:0:0:0:1"`).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The address as 4 (IPv4) or 16 (IPv6) bytes; undefined when the text is not an IP address. */
export function ipToBytes(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return Uint8Array.from(text.split('.').map(Number));
  if (!isIPv6(text)) return undefined;
  let head = text;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An embedded IPv4 tail (`::ffff:10.0.0.1`) stands for the last two 16-bit words.
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    head = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left = '', right] = head.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => Number.parseInt(h, 16)));
  const l = parse(left);
  const r = right === undefined ? [] : parse(right);
  const words = right === undefined ? l : [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  if (words.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = (w >> 8) & 0xff;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A CIDR block as its lowest and highest address. */
export interface IpRange {
  min: Uint8Array;
  max: Uint8Array;
}

export function inRange(range: IpRange, address: Uint8Array): boolean {
  if (address.length !== range.min.length) return false;
  for (let i = 0; i < address.length; i++) {
    const a = address[i] as number;
    const lo = range.min[i] as number;
    if (a !== lo) {
      if (a < lo) return false;
      break;
    }
  }
  for (let i = 0; i < address.length; i++) {
    const a = address[i] as number;
    const hi = range.max[i] as number;
    if (a !== hi) return a < hi;
  }
  return true;
}

/** Parses `address/bits` as AWS does; returns the reason (AWS's text) when it is not valid. */
export function parseCidr(text: string): IpRange | string {
  // Java's split drops trailing empty strings, so `10.0.0.0/` has no mask field at all.
  const parts = text.split('/');
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) return "Malformed CIDR, one '/' required";
  const [address = '', mask = ''] = parts;
  if (!/^[+-]?\d+$/.test(mask) || Math.abs(Number(mask)) > 2 ** 31 - 1) {
    return 'Malformed CIDR, mask bits must be an integer';
  }
  const bits = Number(mask);
  if (bits < 0) return 'Malformed CIDR, mask bits must not be negative';
  const bytes = ipToBytes(address);
  if (!bytes) return `Nonstandard IP address: ${address}`;
  if (bytes.length === 4 && bits > 31) return 'IPv4 mask bits must be < 32';
  if (bytes.length === 16 && bits > 127) return 'IPv6 mask bits must be < 128';
  const min = new Uint8Array(bytes.length);
  const max = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    const hostMask = 0xff >> keep;
    min[i] = (bytes[i] as number) & ~hostMask & 0xff;
    max[i] = ((bytes[i] as number) | hostMask) & 0xff;
  }
  return { min, max };
}
