/**
 * mpint body bytes (RFC 4251 §5): minimal two's-complement big-endian.
 * Returns the bytes without the uint32 length prefix.
 */
export function mpintBytes(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  if (v < 0n) {
    // Smallest n with -2^(8n-1) <= v.
    let n = 1;
    while (-(1n << BigInt(8 * n - 1)) > v) n++;
    const out = new Uint8Array(n);
    let x = (1n << BigInt(8 * n)) + v;
    for (let i = n - 1; i >= 0; i--) {
      out[i] = Number(x & 0xffn);
      x >>= 8n;
    }
    return out;
  }
  const hex = v.toString(16);
  const bodyLen = (hex.length + 1) >> 1;
  const padded = hex.padStart(bodyLen * 2, '0');
  const lead = parseInt(padded.slice(0, 2), 16) & 0x80 ? 1 : 0;
  const out = new Uint8Array(bodyLen + lead);
  for (let i = 0; i < bodyLen; i++) out[lead + i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** mpint body for an unsigned big-endian magnitude (e.g. a shared secret): strips zeros, adds a sign byte if needed. */
export function mpintFromUnsigned(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const body = bytes.subarray(i);
  if (body.length === 0) return new Uint8Array(0);
  if (body[0]! & 0x80) {
    const out = new Uint8Array(body.length + 1);
    out.set(body, 1);
    return out;
  }
  return body.slice();
}

/** Unsigned big-endian bytes to bigint. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** bigint to unsigned big-endian bytes of exactly `len` bytes (throws if it does not fit). */
export function bigintToBytes(v: bigint, len: number): Uint8Array {
  if (v < 0n) throw new RangeError('negative value');
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new RangeError(`value does not fit in ${len} bytes`);
  return out;
}

/**
 * A whole `mpint` field (uint32 length included) for an unsigned big-endian
 * magnitude, as a shared secret K enters the exchange hash (RFC 4253 §8).
 * The intermediate body is wiped; the caller wipes `bytes` and the result.
 */
export function mpintFieldFromUnsigned(bytes: Uint8Array): Uint8Array {
  const body = mpintFromUnsigned(bytes);
  const out = new Uint8Array(4 + body.length);
  const n = body.length;
  out[0] = n >>> 24;
  out[1] = n >>> 16;
  out[2] = n >>> 8;
  out[3] = n;
  out.set(body, 4);
  body.fill(0);
  return out;
}
