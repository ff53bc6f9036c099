/**
 * The ssh-agent client (draft-miller-ssh-agent): framing and message codecs,
 * AgentClient against an in-memory agent (refusals, pipelining, a broken
 * agent), and against OpenSSH's ssh-agent with keys loaded by ssh-add.
 */
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WireError } from '../../src/wire/errors.ts';
import { Reader } from '../../src/wire/reader.ts';
import { Writer } from '../../src/wire/writer.ts';
import { fromBase64 } from '../../src/wire/base64.ts';
import { createMemoryPair } from '../../src/io/memory-pair.ts';
import type { ByteStream } from '../../src/io/byte-stream.ts';
import { connectUnix } from '../../src/io/node-socket.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { parseSignatureBlob, verifySignature } from '../../src/crypto/signature.ts';
import type { SigningKey } from '../../src/crypto/types.ts';
import { AgentError } from '../../src/auth/errors.ts';
import { AgentClient, agentCredentials } from '../../src/auth/agent-client.ts';
import {
  AGENT_MAX_MESSAGE,
  AGENT_MSG,
  AGENT_SIGN_FLAGS,
  AgentFrameReader,
  agentSignFlags,
  decodeIdentitiesAnswer,
  decodeSignResponse,
  encodeRequestIdentities,
  encodeSignRequest,
} from '../../src/auth/agent-protocol.ts';
import { generateKey, requireOpenSSH, type GeneratedKey } from '../helpers/openssh.ts';
import { startSshAgent, type SshAgentProcess } from '../helpers/ssh-agent.ts';

const framed = (body: Uint8Array): Uint8Array => new Writer(body.length + 4).string(body).bytes().slice();

describe('framing (draft-miller-ssh-agent §3)', () => {
  test('messages split at every point and several in one chunk', () => {
    const a = framed(Uint8Array.of(AGENT_MSG.SUCCESS));
    const b = framed(Uint8Array.of(AGENT_MSG.SIGN_RESPONSE, 0, 0, 0, 1, 9));
    const all = Uint8Array.of(...a, ...b);
    for (let cut = 0; cut <= all.length; cut++) {
      const r = new AgentFrameReader();
      const got = [...r.feed(all.subarray(0, cut)), ...r.feed(all.subarray(cut))];
      expect(got).toEqual([a.subarray(4), b.subarray(4)]);
      expect(r.pending).toBe(0);
    }
    const r = new AgentFrameReader();
    expect(all.reduce<Uint8Array[]>((acc, byte) => [...acc, ...r.feed(Uint8Array.of(byte))], [])).toHaveLength(2);
  });

  test('a zero or oversized length is refused before anything is buffered', () => {
    expect(() => new AgentFrameReader().feed(Uint8Array.of(0, 0, 0, 0))).toThrow(WireError);
    const big = new Writer(8).uint32(AGENT_MAX_MESSAGE + 1).bytes();
    expect(() => new AgentFrameReader().feed(big)).toThrow(/exceeds/);
    expect(new AgentFrameReader().feed(new Writer(8).uint32(AGENT_MAX_MESSAGE).bytes())).toEqual([]);
  });

  test('requests', () => {
    expect(encodeRequestIdentities()).toEqual(Uint8Array.of(0, 0, 0, 1, 11));
    const req = encodeSignRequest(Uint8Array.of(1, 2), Uint8Array.of(3), AGENT_SIGN_FLAGS.RSA_SHA2_512);
    const r = new Reader(req);
    expect(r.uint32()).toBe(req.length - 4);
    expect(r.byte()).toBe(AGENT_MSG.SIGN_REQUEST);
    expect(r.string()).toEqual(Uint8Array.of(1, 2));
    expect(r.string()).toEqual(Uint8Array.of(3));
    expect(r.uint32()).toBe(4);
    r.done();
    expect(() => encodeSignRequest(new Uint8Array(8), new Uint8Array(AGENT_MAX_MESSAGE), 0)).toThrow(RangeError);
  });

  test('answers: identities, signature, failure; trailing bytes refused', () => {
    const ids = new Writer(64).byte(AGENT_MSG.IDENTITIES_ANSWER).uint32(2).string(Uint8Array.of(1)).string('one').string(Uint8Array.of(2)).string('two').bytes();
    expect(decodeIdentitiesAnswer(ids)).toEqual([
      { publicKey: Uint8Array.of(1), comment: 'one' },
      { publicKey: Uint8Array.of(2), comment: 'two' },
    ]);
    expect(() => decodeIdentitiesAnswer(Uint8Array.of(...ids, 0))).toThrow(WireError);
    expect(() => decodeIdentitiesAnswer(new Writer(8).byte(12).uint32(0xffffffff).bytes())).toThrow(/more than/);
    expect(decodeIdentitiesAnswer(Uint8Array.of(AGENT_MSG.FAILURE))).toBeUndefined();
    expect(decodeSignResponse(Uint8Array.of(AGENT_MSG.EXTENSION_FAILURE))).toBeUndefined();
    expect(decodeSignResponse(Uint8Array.of(14, 0, 0, 0, 1, 7))).toEqual(Uint8Array.of(7));
    expect(() => decodeSignResponse(Uint8Array.of(AGENT_MSG.SUCCESS))).toThrow(WireError);
    expect(() => decodeSignResponse(Uint8Array.of(AGENT_MSG.FAILURE, 0))).toThrow(WireError);
  });

  test('flags per signature algorithm (§3.6.1)', () => {
    expect(agentSignFlags('rsa-sha2-256')).toBe(2);
    expect(agentSignFlags('rsa-sha2-512')).toBe(4);
    expect(agentSignFlags('ssh-ed25519')).toBe(0);
  });
});

/** An in-memory agent holding `keys`; `behave` may replace an answer body (or return 'close'). */
function memoryAgent(keys: SigningKey[], behave?: (body: Uint8Array) => Uint8Array | 'close' | undefined): { client: AgentClient; agentEnd: ByteStream } {
  const [a, b] = createMemoryPair({ maxChunk: 7 });
  const frames = new AgentFrameReader();
  b.start({
    data: (chunk) => {
      for (const body of frames.feed(chunk)) {
        const special = behave?.(body);
        if (special === 'close') return b.close();
        b.write(framed(special ?? answer(keys, body)));
      }
    },
    drain: () => undefined,
    end: () => undefined,
    close: () => undefined,
  });
  return { client: new AgentClient(a), agentEnd: b };
}

function answer(keys: SigningKey[], body: Uint8Array): Uint8Array {
  const r = new Reader(body);
  const type = r.byte();
  if (type === AGENT_MSG.REQUEST_IDENTITIES) {
    const w = new Writer(256).byte(AGENT_MSG.IDENTITIES_ANSWER).uint32(keys.length);
    for (const k of keys) w.string(k.publicBlob).string(`${k.type} key`);
    return w.bytes().slice();
  }
  if (type === AGENT_MSG.SIGN_REQUEST) {
    const blob = r.string();
    const data = r.string();
    const flags = r.uint32();
    const key = keys.find((k) => k.publicBlob.every((x, i) => blob[i] === x) && k.publicBlob.length === blob.length);
    if (!key) return Uint8Array.of(AGENT_MSG.FAILURE);
    const alg = key.type !== 'ssh-rsa' ? key.type : flags & 4 ? 'rsa-sha2-512' : flags & 2 ? 'rsa-sha2-256' : 'ssh-rsa';
    return new Writer(512).byte(AGENT_MSG.SIGN_RESPONSE).string(key.sign(alg, data)).bytes().slice();
  }
  return Uint8Array.of(AGENT_MSG.FAILURE);
}

describe('AgentClient (in memory)', () => {
  const ed = generateSigningKey('ssh-ed25519');
  const rsa = generateSigningKey('ssh-rsa', { bits: 2048 });

  test('identities, credentials and overlapping signs answered in order', async () => {
    const { client } = memoryAgent([ed, rsa]);
    const ids = await client.identities();
    expect(ids.map((i) => i.comment)).toEqual(['ssh-ed25519 key', 'ssh-rsa key']);
    const creds = await agentCredentials(client);
    expect(creds.map((c) => [c.type, c.comment])).toEqual([
      ['agent', 'ssh-ed25519 key'],
      ['agent', 'ssh-rsa key'],
    ]);
    const data = Uint8Array.of(1, 2, 3);
    const [s1, s2, s3] = await Promise.all([
      client.sign(ed.publicBlob, data),
      client.sign(rsa.publicBlob, data, AGENT_SIGN_FLAGS.RSA_SHA2_256),
      client.sign(rsa.publicBlob, data, AGENT_SIGN_FLAGS.RSA_SHA2_512),
    ]);
    expect([s1, s2, s3].map((s) => parseSignatureBlob(s).algorithm)).toEqual(['ssh-ed25519', 'rsa-sha2-256', 'rsa-sha2-512']);
    expect(verifySignature('rsa-sha2-256', rsa.publicBlob, s2, data)).toBe(true);
    client.close();
  });

  test('SSH_AGENT_FAILURE is an AgentError naming the key; the connection stays usable', async () => {
    const { client } = memoryAgent([ed]);
    await expect(client.sign(rsa.publicBlob, Uint8Array.of(1))).rejects.toThrow(/sign with ssh-rsa SHA256:.*refused/);
    expect((await client.identities()).length).toBe(1);
  });

  test('a malformed answer closes the connection; later requests reject', async () => {
    const { client } = memoryAgent([ed], () => Uint8Array.of(AGENT_MSG.IDENTITIES_ANSWER, 0, 0));
    await expect(client.identities()).rejects.toThrow(/malformed answer/);
    await expect(client.identities()).rejects.toBeInstanceOf(AgentError);
  });

  test('the agent going away rejects what is pending', async () => {
    const { client } = memoryAgent([ed], () => 'close');
    await expect(client.sign(ed.publicBlob, Uint8Array.of(1))).rejects.toBeInstanceOf(AgentError);
  });

  test('an unrequested message closes the connection', async () => {
    const { client, agentEnd } = memoryAgent([ed]);
    agentEnd.write(framed(Uint8Array.of(AGENT_MSG.SUCCESS)));
    await new Promise((r) => setTimeout(r, 20));
    await expect(client.identities()).rejects.toThrow(/closed/);
  });
});

const describeOpenSSH = requireOpenSSH();

describeOpenSSH("AgentClient against OpenSSH's ssh-agent", () => {
  let agent: SshAgentProcess;
  let dir: string;
  const keys: GeneratedKey[] = [];

  beforeAll(async () => {
    agent = await startSshAgent();
    dir = await mkdtemp(join(tmpdir(), 'hop-agent-keys-'));
    for (const t of ['ed25519', 'ecdsa-256', 'ecdsa-384', 'ecdsa-521', 'rsa'] as const) {
      const k = await generateKey(t, join(dir, `id_${t}`), `agent-${t}`);
      await agent.add(k.path);
      keys.push(k);
    }
  });
  afterAll(async () => {
    await agent?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('lists the keys ssh-add loaded, with their comments', async () => {
    const client = new AgentClient(await connectUnix(agent.socket));
    const ids = await client.identities();
    expect(ids.map((i) => i.comment)).toEqual(keys.map((k) => `agent-${k.type}`));
    expect(ids.map((i) => i.publicKey)).toEqual(keys.map((k) => fromBase64(k.publicKeyLine.split(' ')[1]!)));
    client.close();
  });

  test('signs with every key; RSA with rsa-sha2-256 and rsa-sha2-512 by flag', async () => {
    const client = new AgentClient(await connectUnix(agent.socket));
    const data = new TextEncoder().encode('data to sign');
    for (const k of keys) {
      const blob = fromBase64(k.publicKeyLine.split(' ')[1]!);
      const algs = k.type === 'rsa' ? ['rsa-sha2-256', 'rsa-sha2-512'] : [k.algorithm];
      for (const alg of algs) {
        const sig = await client.sign(blob, data, agentSignFlags(alg));
        expect(parseSignatureBlob(sig).algorithm).toBe(alg);
        expect(verifySignature(alg, blob, sig, data)).toBe(true);
      }
    }
    client.close();
  });

  test('a key the agent does not hold: AgentError', async () => {
    const client = new AgentClient(await connectUnix(agent.socket));
    await expect(client.sign(generateSigningKey('ssh-ed25519').publicBlob, Uint8Array.of(1))).rejects.toBeInstanceOf(AgentError);
    client.close();
  });
});
