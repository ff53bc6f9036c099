import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { MSG } from '../wire/message-numbers.ts';
import type { HashName, ProviderChoice, SigningKey } from '../crypto/types.ts';
import { createHash } from '../crypto/hash.ts';
import { kexMath, loadFiniteFieldDh } from '../crypto/kex-registry.ts';
import { verifySignature } from '../crypto/signature.ts';
import { fingerprintSha256 } from '../crypto/fingerprint.ts';
import { KexMathError, KeyFormatError } from '../crypto/errors.ts';
import { HostKeyError, ProtocolError } from './errors.ts';
import type { Negotiated } from './negotiate.ts';
import { CIPHERS, MACS } from '../crypto/cipher-registry.ts';

/** What the message flow of one key exchange needs from the handshake. */
export interface KexChannel {
  /** Send a key-exchange message now (never queued behind the key exchange). */
  send(payload: Uint8Array): void;
  /** The next key-exchange-method message (numbers 30–49), copied. */
  receive(): Promise<Uint8Array>;
}

/** Inputs of the exchange hash common to every method (RFC 4253 §8). */
export interface KexContext {
  clientVersion: string;
  serverVersion: string;
  clientKexInit: Uint8Array;
  serverKexInit: Uint8Array;
  negotiated: Negotiated;
}

export interface KexResult {
  hash: HashName;
  /** Exchange hash H. */
  H: Uint8Array;
  /** Shared secret K encoded for key derivation. */
  K: Uint8Array;
  /** The server's host key blob (K_S). */
  hostKey: Uint8Array;
}

/** Information given to the client's host-key verifier. */
export interface HostKeyInfo {
  /** Negotiated host-key algorithm, e.g. rsa-sha2-512. */
  algorithm: string;
  /** The public key blob. */
  publicKey: Uint8Array;
  /** "SHA256:…" as ssh-keygen prints it. */
  fingerprint: string;
}

/** Decides whether a server's host key is trusted; false or a throw refuses it. */
export type HostKeyVerifier = (info: HostKeyInfo) => boolean | Promise<boolean>;

export interface ClientKexOptions {
  verifyHostKey: HostKeyVerifier;
  /** Preferred, min and max group sizes for diffie-hellman-group-exchange (RFC 4419 §3). */
  gexMin: number;
  gexMax: number;
  provider: ProviderChoice;
}

export interface ServerKexOptions {
  hostKeys: readonly SigningKey[];
  provider: ProviderChoice;
}

const GEX = 'diffie-hellman-group-exchange-sha256';

function expect(payload: Uint8Array, type: number, name: string): Reader {
  if (payload[0] !== type) throw new ProtocolError(name, `expected message ${type}, got ${payload[0]}`);
  const r = new Reader(payload, 1, payload.length, name);
  return r;
}

/** Appends a string field (also used for mpint fields whose body came off the wire, RFC 4251 §5). */
function str(w: Writer, b: Uint8Array): Writer {
  return w.string(b);
}

/** Common prefix of the exchange hash: V_C, V_S, I_C, I_S, K_S (RFC 4253 §8). */
function hashPrefix(ctx: KexContext, hostKey: Uint8Array): Writer {
  const w = new Writer(4096);
  w.string(ctx.clientVersion).string(ctx.serverVersion);
  str(w, ctx.clientKexInit);
  str(w, ctx.serverKexInit);
  str(w, hostKey);
  return w;
}

function digest(hash: HashName, w: Writer): Uint8Array {
  return createHash(hash).update(w.bytes()).digest();
}

/** Group size the client asks for, from the strength it needs (as OpenSSH's dh_estimate does). */
export function gexPreferredBits(neg: Negotiated, min: number, max: number): number {
  let need = 0;
  for (const c of [neg.cipherCtoS, neg.cipherStoC]) {
    const info = CIPHERS[c];
    if (info) need = Math.max(need, info.keyLength, info.blockSize, info.ivLength);
  }
  for (const m of [neg.macCtoS, neg.macStoC]) {
    const info = MACS[m];
    if (info) need = Math.max(need, info.keyLength);
  }
  const bits = need * 8;
  const n = bits <= 112 ? 2048 : bits <= 128 ? 3072 : bits <= 192 ? 7680 : 8192;
  return Math.min(Math.max(n, min), max);
}

function wrapMath<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof KexMathError || e instanceof KeyFormatError) throw new ProtocolError(where, e.message, { cause: e });
    throw e;
  }
}

/** Client side of the negotiated method; resolves once the host key is verified. */
export async function runClientKex(io: KexChannel, ctx: KexContext, opts: ClientKexOptions): Promise<KexResult> {
  const kexName = ctx.negotiated.kex;
  let result: KexResult;
  let signature: Uint8Array;
  if (kexName === GEX) {
    const min = opts.gexMin;
    const max = opts.gexMax;
    const n = gexPreferredBits(ctx.negotiated, min, max);
    const dhLoaded = loadFiniteFieldDh(); // while the request is on its way
    io.send(new Writer(16).byte(MSG.KEX_DH_GEX_REQUEST).uint32(min).uint32(n).uint32(max).bytes().slice());
    const groupMsg = await io.receive();
    const gr = expect(groupMsg, MSG.KEX_DH_GEX_GROUP, 'KEX_DH_GEX_GROUP');
    const p = gr.positiveMpint('p');
    const g = gr.positiveMpint('g');
    gr.done();
    const bits = p.toString(2).length;
    if (bits < min || bits > max) {
      throw new ProtocolError('KEX_DH_GEX_GROUP', `server sent a ${bits}-bit group, outside the requested ${min}..${max}`);
    }
    const [dh] = await dhLoaded;
    const math = wrapMath('KEX_DH_GEX_GROUP', () => dh.createGexMath(p, g, 'sha256', opts.provider));
    const agreement = math.client();
    io.send(new Writer(1100).byte(MSG.KEX_DH_GEX_INIT).string(agreement.publicValue).bytes().slice());
    const reply = await io.receive();
    const rr = expect(reply, MSG.KEX_DH_GEX_REPLY, 'KEX_DH_GEX_REPLY');
    const hostKey = rr.string('K_S').slice();
    const f = rr.string('f').slice();
    signature = rr.string('signature').slice();
    rr.done();
    const K = wrapMath('KEX_DH_GEX_REPLY.f', () => agreement.computeSecret(f));
    const w = hashPrefix(ctx, hostKey).uint32(min).uint32(n).uint32(max);
    w.mpint(p).mpint(g);
    str(w, agreement.publicValue);
    str(w, f);
    w.raw(K);
    result = { hash: math.hash, H: digest(math.hash, w), K, hostKey };
  } else {
    const found = kexMath(kexName, opts.provider);
    // Awaited only while its code loads (kex-registry.ts): a loaded method's reply leaves in this tick, with whatever else it sends.
    const math = found instanceof Promise ? await found : found;
    const agreement = math.client();
    io.send(new Writer(agreement.publicValue.length + 8).byte(MSG.KEXDH_INIT).string(agreement.publicValue).bytes().slice());
    const reply = await io.receive();
    const rr = expect(reply, MSG.KEXDH_REPLY, 'KEX reply');
    const hostKey = rr.string('K_S').slice();
    const serverValue = rr.string('server public value').slice();
    signature = rr.string('signature').slice();
    rr.done();
    const K = wrapMath(`${kexName} reply`, () => agreement.computeSecret(serverValue));
    const w = hashPrefix(ctx, hostKey);
    str(w, agreement.publicValue);
    str(w, serverValue);
    w.raw(K);
    result = { hash: math.hash, H: digest(math.hash, w), K, hostKey };
  }
  const alg = ctx.negotiated.hostKey;
  const fp = fingerprintSha256(result.hostKey);
  let ok: boolean;
  try {
    ok = verifySignature(alg, result.hostKey, signature, result.H, opts.provider);
  } catch (e) {
    throw new HostKeyError(alg, fp, `malformed host key or signature: ${(e as Error).message}`);
  }
  if (!ok) throw new HostKeyError(alg, fp, 'the server\'s signature of the exchange hash does not verify');
  let accepted: boolean;
  try {
    accepted = await opts.verifyHostKey({ algorithm: alg, publicKey: result.hostKey, fingerprint: fp });
  } catch (e) {
    if (e instanceof HostKeyError) throw e;
    throw new HostKeyError(alg, fp, `refused: ${(e as Error).message}`);
  }
  if (accepted !== true) throw new HostKeyError(alg, fp, 'refused by the host key verifier');
  return result;
}

/** Server side of the negotiated method. */
export async function runServerKex(io: KexChannel, ctx: KexContext, opts: ServerKexOptions): Promise<KexResult> {
  const kexName = ctx.negotiated.kex;
  const alg = ctx.negotiated.hostKey;
  const key = opts.hostKeys.find((k) => k.algorithms.includes(alg));
  if (!key) throw new ProtocolError('key exchange', `no host key for ${alg}`);
  const hostKey = key.publicBlob;
  if (kexName === GEX) {
    const req = await io.receive();
    const rq = expect(req, MSG.KEX_DH_GEX_REQUEST, 'KEX_DH_GEX_REQUEST');
    const min = rq.uint32('min');
    const n = rq.uint32('n');
    const max = rq.uint32('max');
    rq.done();
    if (min > n || n > max || max < 1024) {
      throw new ProtocolError('KEX_DH_GEX_REQUEST', `invalid group size request min=${min} n=${n} max=${max}`);
    }
    const [dh] = await loadFiniteFieldDh();
    const group = dh.chooseGexGroup(min, n, max);
    if (!group) throw new ProtocolError('KEX_DH_GEX_REQUEST', `no group between ${min} and ${max} bits`);
    io.send(new Writer(1100).byte(MSG.KEX_DH_GEX_GROUP).mpint(group.p).mpint(group.g).bytes().slice());
    const math = dh.createGexMath(group.p, group.g, 'sha256', opts.provider);
    const init = await io.receive();
    const ir = expect(init, MSG.KEX_DH_GEX_INIT, 'KEX_DH_GEX_INIT');
    const e = ir.string('e').slice();
    ir.done();
    const agreement = wrapMath('KEX_DH_GEX_INIT.e', () => math.server(e));
    const K = wrapMath('KEX_DH_GEX_INIT.e', () => agreement.computeSecret(e));
    const w = hashPrefix(ctx, hostKey).uint32(min).uint32(n).uint32(max);
    w.mpint(group.p).mpint(group.g);
    str(w, e);
    str(w, agreement.publicValue);
    w.raw(K);
    const H = digest(math.hash, w);
    const sig = key.sign(alg, H, opts.provider);
    io.send(new Writer(2048).byte(MSG.KEX_DH_GEX_REPLY).string(hostKey).string(agreement.publicValue).string(sig).bytes().slice());
    return { hash: math.hash, H, K, hostKey };
  }
  const found = kexMath(kexName, opts.provider);
  const math = found instanceof Promise ? await found : found;
  const init = await io.receive();
  const ir = expect(init, MSG.KEXDH_INIT, 'KEX init');
  const clientValue = ir.string('client public value').slice();
  ir.done();
  const agreement = wrapMath(`${kexName} init`, () => math.server(clientValue));
  const K = wrapMath(`${kexName} init`, () => agreement.computeSecret(clientValue));
  const w = hashPrefix(ctx, hostKey);
  str(w, clientValue);
  str(w, agreement.publicValue);
  w.raw(K);
  const H = digest(math.hash, w);
  const sig = key.sign(alg, H, opts.provider);
  io.send(new Writer(2048).byte(MSG.KEXDH_REPLY).string(hostKey).string(agreement.publicValue).string(sig).bytes().slice());
  return { hash: math.hash, H, K, hostKey };
}

