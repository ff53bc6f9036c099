/**
 * State-machine fuzzing of the connection layer's channel handling with
 * session channels on top (RFC 4254 §5, §6).
 *
 * 1. A Connection of each role — a server running serveSessions, a client
 *    with an openSession — over a scripted transport: after a valid open, the
 *    peer sends arbitrary sequences of channel messages (data within and past
 *    the window, window adjusts, EOF, CLOSE, session requests with valid or
 *    random data, replies, malformed payloads, global requests) while the
 *    local side writes, pauses, and its socket blocks. Whatever arrives: the
 *    connection either carries on or closes with ProtocolError, WireError or
 *    LimitError; nothing throws elsewhere or rejects unhandled; nothing hangs;
 *    what we send stays within the peer's window and packet size and stops at
 *    our CLOSE; what we hold stays within our window.
 * 2. A model of window accounting: two Connections joined by a link we
 *    deliver step by step; for random writes, deliveries, pauses, blocked
 *    sockets and key exchanges, the sender never exceeds the window, the
 *    window never exceeds its maximum, held and queued bytes stay bounded,
 *    and the bytes read are the bytes written.
 *
 * The scripted transport plays Transport's part for the Connection: payloads
 * in through onMessage (an exception there closes it with that error, as
 * Transport.fail does), payloads out through send or the zero-copy
 * reserve/commit, backpressure through sender.writable and onDrain.
 */
import { afterAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { Connection } from '../src/channel/connection.ts';
import type { Channel } from '../src/channel/channel.ts';
import type { Transport } from '../src/transport/transport.ts';
import { ConnectionClosedError, LimitError, ProtocolError } from '../src/transport/errors.ts';
import { WireError } from '../src/wire/errors.ts';
import { MSG } from '../src/wire/message-numbers.ts';
import { readUint32 } from '../src/wire/bytes.ts';
import { Writer } from '../src/wire/writer.ts';
import {
  encodeChannelData,
  encodeChannelOpen,
  encodeChannelRequest,
  encodeExtendedData,
  encodeGlobalRequest,
  encodeOpenConfirmation,
  encodeRecipientOnly,
  encodeWindowAdjust,
} from '../src/channel/messages.ts';
import { MAX_WINDOW } from '../src/channel/defaults.ts';
import { SESSION_REQUESTS, type SessionRequestType } from '../src/channel/session-requests.ts';
import { openSession, type Session } from '../src/channel/session-client.ts';
import { serveSessions, type ServerSession } from '../src/channel/session-server.ts';
import { checkAsync, ensure, expectAllowed, FuzzFailure, printStats, stat, timeoutFor, watchStrayErrors, type ErrorClass } from './fuzz-config.ts';

const ALLOWED: ErrorClass[] = [ProtocolError, WireError, LimitError];

afterAll(printStats);
const stray = watchStrayErrors();
const tick = () => new Promise<void>((r) => setImmediate(r));

// ------------------------------------------------- the scripted transport

/** What a Connection uses of Transport, scripted. */
class ScriptedTransport {
  onMessage: ((p: Uint8Array) => boolean | void) | undefined;
  onDrain: (() => void) | undefined;
  readonly closed: Promise<Error | undefined>;
  readonly sender = { writable: true };
  /** The zero-copy path is closed during a "key exchange" (reservePayload gives -1). */
  inKex = false;
  isOpen = true;
  closeReason: Error | undefined;
  readonly sendBuffer = new Uint8Array(512 * 1024);
  /** Every payload sent, in order (copies). */
  readonly out: Uint8Array[] = [];
  /** Called for each payload sent (the link of the model test). */
  onSend: ((p: Uint8Array) => void) | undefined;
  private resolveClosed!: (e: Error | undefined) => void;

  constructor(readonly peerIdentification: string) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
  }

  /** Transport.writable: false under backpressure. */
  get writable(): boolean {
    return this.sender.writable;
  }

  private emit(p: Uint8Array): boolean {
    this.out.push(p);
    this.onSend?.(p);
    return this.sender.writable;
  }

  send(payload: Uint8Array): boolean {
    if (!this.isOpen) throw new ConnectionClosedError('cannot send: the connection is closed');
    return this.emit(payload.slice());
  }

  reservePayload(maxLength: number): number {
    if (!this.isOpen || this.inKex) return -1;
    if (maxLength > this.sendBuffer.length) throw new RangeError(`payload of ${maxLength} bytes reserved`);
    return 0;
  }

  commitPayload(length: number): boolean {
    return this.emit(this.sendBuffer.slice(0, length));
  }

  /** A payload from the peer; what the handler throws closes the transport, as Transport.fail does. */
  deliver(payload: Uint8Array): void {
    if (!this.isOpen) return;
    try {
      this.onMessage?.(payload);
    } catch (e) {
      this.close(e instanceof Error ? e : new Error(String(e)));
    }
  }

  setWritable(w: boolean): void {
    const was = this.sender.writable;
    this.sender.writable = w;
    if (w && !was && this.isOpen) this.onDrain?.();
  }

  disconnect(): void {
    this.close();
  }

  close(error?: Error): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.closeReason = error;
    this.resolveClosed(error);
  }
}

function connectionOn(t: ScriptedTransport): Connection {
  return new Connection(t as unknown as Transport);
}

// ------------------------------------------------- peer actions

const PEER_ID = 7;
const REQUEST_TYPES = Object.keys(SESSION_REQUESTS) as SessionRequestType[];

type Action =
  | { k: 'data'; frac: number; ext: number | null; wrongChannel: boolean }
  | { k: 'adjust'; bytes: number }
  | { k: 'eof' }
  | { k: 'close' }
  | { k: 'request'; type: string; wantReply: boolean; data: Uint8Array }
  | { k: 'reply'; success: boolean }
  | { k: 'raw'; bytes: Uint8Array }
  | { k: 'global'; name: string; wantReply: boolean }
  | { k: 'local'; op: 'pause' | 'resume' | 'block' | 'unblock' | 'kex' | 'nokex' | 'write' | 'end' | 'closeRead' | 'close' }
  | { k: 'tick' };

/** Request data: a valid encoding of a random value, or random bytes. */
const requestArb: fc.Arbitrary<Action> = fc
  .tuple(fc.oneof(fc.constantFrom(...REQUEST_TYPES), fc.constantFrom('x11-req', 'keepalive@openssh.com', 'nonsense')), fc.boolean(), fc.uint8Array({ maxLength: 64 }), fc.boolean())
  .map(([type, wantReply, random, valid]) => {
    const data: Uint8Array = valid && type in SESSION_REQUESTS ? VALID[type as SessionRequestType] : random;
    return { k: 'request' as const, type, wantReply, data };
  });

const w = () => new Writer(64);
/** One valid data encoding per session request (the codec tests cover the values; here the handlers are the target). */
const VALID: Record<SessionRequestType, Uint8Array> = {
  'pty-req': w().string('xterm').uint32(80).uint32(24).uint32(0).uint32(0).string(Uint8Array.of(53, 0, 0, 0, 1, 0)).bytes(),
  env: w().string('LC_X').string('1').bytes(),
  shell: new Uint8Array(0),
  exec: w().string('run').bytes(),
  subsystem: w().string('sftp').bytes(),
  'window-change': w().uint32(100).uint32(30).uint32(0).uint32(0).bytes(),
  'xon-xoff': Uint8Array.of(1),
  signal: w().string('INT').bytes(),
  'exit-status': w().uint32(3).bytes(),
  'exit-signal': w().string('TERM').boolean(false).string('').string('').bytes(),
  break: w().uint32(10).bytes(),
  'eow@openssh.com': new Uint8Array(0),
  'auth-agent-req@openssh.com': new Uint8Array(0),
};

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('data' as const), frac: fc.double({ min: 0, max: 1.05, noNaN: true }), ext: fc.option(fc.nat(3)), wrongChannel: fc.nat(39).map((n) => n === 0) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('adjust' as const), bytes: fc.oneof({ weight: 9, arbitrary: fc.nat(1 << 20) }, { weight: 1, arbitrary: fc.nat({ max: 0xffffffff }) }) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'eof' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'close' as const }) },
  { weight: 6, arbitrary: requestArb },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('reply' as const), success: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('raw' as const), bytes: fc.tuple(fc.integer({ min: 90, max: 100 }), fc.uint8Array({ maxLength: 40 })).map(([t, b]) => Uint8Array.from([t, ...b])) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('global' as const), name: fc.constantFrom('keepalive@openssh.com', 'tcpip-forward', 'x'), wantReply: fc.boolean() }) },
  {
    weight: 6,
    arbitrary: fc.record({ k: fc.constant('local' as const), op: fc.constantFrom('pause', 'resume', 'block', 'unblock', 'kex', 'nokex', 'write', 'end', 'closeRead', 'close') }),
  },
  { weight: 3, arbitrary: fc.constant({ k: 'tick' as const }) },
);

interface Scenario {
  role: 'server' | 'client';
  peerIsOpenSSH: boolean;
  /** The window and packet size the peer grants us. */
  peerWindow: number;
  peerMaxPacket: number;
  /** Ours. */
  ourWindow: number;
  ourMaxPacket: number;
  writeHighWater: number;
  /** Bytes the local program writes per write() (server: output; client: stdin). */
  writeSize: number;
  /** Handlers decide at once or asynchronously. */
  asyncDecisions: boolean;
  actions: Action[];
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  role: fc.constantFrom('server' as const, 'client' as const),
  peerIsOpenSSH: fc.boolean(),
  peerWindow: fc.oneof(fc.integer({ min: 0, max: 1 << 16 }), fc.constant(2 * 1024 * 1024)),
  peerMaxPacket: fc.oneof(fc.integer({ min: 1, max: 1 << 15 }), fc.constant(0xffffffff)),
  ourWindow: fc.integer({ min: 1, max: 1 << 17 }),
  ourMaxPacket: fc.integer({ min: 1, max: 1 << 15 }),
  writeHighWater: fc.integer({ min: 1, max: 1 << 17 }),
  writeSize: fc.integer({ min: 0, max: 1 << 16 }),
  asyncDecisions: fc.boolean(),
  actions: fc.array(actionArb, { minLength: 1, maxLength: 60, size: 'large' }),
});

// ------------------------------------------------- the local side

/** The local program's side of the session: writes with backpressure, consumes what arrives. */
interface Local {
  channel: Channel;
  write(): void;
  end(): void;
  closeRead(): void;
  close(): void;
  pause(): void;
  resume(): void;
  /** Settles when the local side considers the session over. */
  done: Promise<unknown>;
}

function serverHandlers(s: ServerSession, sc: Scenario, data: Uint8Array, onSession: (l: Local) => void): void {
  const decide = (v: boolean) => (sc.asyncDecisions ? Promise.resolve(v) : v);
  let blocked = false;
  const write = (): void => {
    if (!s.writable || blocked) return;
    blocked = !s.write(data);
  };
  s.onDrain = () => {
    blocked = false;
  };
  s.onData = () => undefined;
  s.onPty = () => decide(true);
  s.onEnv = (name) => decide(name.startsWith('LC_'));
  s.onExec = () => (queueMicrotask(write), decide(true));
  s.onShell = () => decide(true);
  s.onSubsystem = () => decide(false);
  s.onSignal = (name) => {
    if (name === 'INT') s.exitSignal('INT');
    return decide(true);
  };
  s.onBreak = () => decide(true);
  const done = new Promise<unknown>((resolve) => (s.onClose = resolve));
  onSession({
    channel: s.channel,
    write,
    end: () => s.end(),
    closeRead: () => s.closeRead(),
    close: () => s.exit(0),
    pause: () => s.pause(),
    resume: () => s.resume(),
    done,
  });
}

function clientLocal(s: Session, data: Uint8Array): Local {
  let blocked = false;
  s.onData = () => undefined;
  s.onStderr = () => undefined;
  s.onDrain = () => {
    blocked = false;
  };
  // Requests a client sends; the peer's replies (or none) decide them.
  for (const p of [s.pty(), s.env('LC_A', 'b'), s.exec('run')]) p.catch(() => undefined);
  s.windowChange(90, 30);
  return {
    channel: s.channel,
    write: () => {
      if (!s.writable || blocked) return;
      blocked = !s.write(data);
    },
    end: () => s.end(),
    closeRead: () => s.closeRead(),
    close: () => s.close(),
    pause: () => s.pause(),
    resume: () => s.resume(),
    done: s.done.catch((e: unknown) => e),
  };
}

// ------------------------------------------------- what we sent, checked

/** Watches our output for the peer's channel: data within the window and packet size, nothing after CLOSE. */
class OutputCheck {
  granted: number;
  sentData = 0;
  closeSent = false;
  /** Our receive window as the peer sees it: initial plus our adjusts. */
  ourGranted: number;
  private seen = 0;

  constructor(
    peerWindow: number,
    private readonly peerMaxPacket: number,
    ourWindow: number,
  ) {
    this.granted = peerWindow;
    this.ourGranted = ourWindow;
  }

  scan(out: readonly Uint8Array[]): void {
    for (; this.seen < out.length; this.seen++) {
      const p = out[this.seen]!;
      const type = p[0]!;
      if (type < MSG.CHANNEL_WINDOW_ADJUST || type > MSG.CHANNEL_FAILURE || readUint32(p, 1) !== PEER_ID) continue;
      ensure(!this.closeSent, `message ${type} sent after our CHANNEL_CLOSE`);
      if (type === MSG.CHANNEL_DATA || type === MSG.CHANNEL_EXTENDED_DATA) {
        const len = readUint32(p, type === MSG.CHANNEL_DATA ? 5 : 9);
        ensure(len <= this.peerMaxPacket, `a ${len}-byte data packet, over the peer's maximum ${this.peerMaxPacket}`);
        this.sentData += len;
        ensure(this.sentData <= this.granted, `sent ${this.sentData} bytes with a window of ${this.granted}`);
      } else if (type === MSG.CHANNEL_WINDOW_ADJUST) {
        this.ourGranted += readUint32(p, 5);
      } else if (type === MSG.CHANNEL_CLOSE) {
        this.closeSent = true;
      }
    }
  }
}

// ------------------------------------------------- one run

async function runScenario(sc: Scenario): Promise<void> {
  const t = new ScriptedTransport(sc.peerIsOpenSSH ? 'SSH-2.0-OpenSSH_9.9' : 'SSH-2.0-fuzz_1.0');
  const conn = connectionOn(t);
  const data = new Uint8Array(sc.writeSize).fill(0x5a);
  let local: Local | undefined;
  let ourId: number;
  const channelOpts = { window: sc.ourWindow, maxPacket: sc.ourMaxPacket, writeHighWater: sc.writeHighWater };

  // A valid open, from the peer (server role) or from us (client role).
  if (sc.role === 'server') {
    serveSessions(conn, (s) => serverHandlers(s, sc, data, (l) => (local = l)), channelOpts);
    t.deliver(encodeChannelOpen({ channelType: 'session', sender: PEER_ID, window: sc.peerWindow, maxPacket: sc.peerMaxPacket, data: new Uint8Array(0) }));
    const conf = t.out.find((p) => p[0] === MSG.CHANNEL_OPEN_CONFIRMATION);
    ensure(conf && local, 'the session open was not confirmed');
    ourId = readUint32(conf, 5);
  } else {
    const opening = openSession(conn, channelOpts);
    const open = t.out.find((p) => p[0] === MSG.CHANNEL_OPEN);
    ensure(open, 'no CHANNEL_OPEN sent');
    ourId = readUint32(open, 5 + readUint32(open, 1));
    t.deliver(encodeOpenConfirmation({ recipient: ourId, sender: PEER_ID, window: sc.peerWindow, maxPacket: sc.peerMaxPacket, data: new Uint8Array(0) }));
    local = clientLocal(await opening, data);
  }
  const l = local!;
  const check = new OutputCheck(sc.peerWindow, Math.min(sc.peerMaxPacket, 256 * 1024 - 64), sc.ourWindow);
  let peerSent = 0;

  for (const a of sc.actions) {
    // Past the CLOSE exchange every message for the channel is a protocol error: the run is over.
    if (!t.isOpen || l.channel.isClosed) break;
    switch (a.k) {
      case 'data': {
        // Mostly within the window we have left; sometimes past it or the packet size (a protocol error).
        const left = check.ourGranted - peerSent;
        const len = Math.min(Math.floor(left * a.frac), 70_000);
        const bytes = new Uint8Array(Math.max(0, len));
        const to = a.wrongChannel ? ourId + 1 : ourId;
        t.deliver(a.ext === null ? encodeChannelData(to, bytes) : encodeExtendedData(to, a.ext, bytes));
        peerSent += bytes.length;
        break;
      }
      case 'adjust':
        t.deliver(encodeWindowAdjust(ourId, a.bytes));
        if (t.isOpen) check.granted += a.bytes;
        break;
      case 'eof':
        t.deliver(encodeRecipientOnly(MSG.CHANNEL_EOF, ourId));
        break;
      case 'close':
        t.deliver(encodeRecipientOnly(MSG.CHANNEL_CLOSE, ourId));
        break;
      case 'request':
        t.deliver(encodeChannelRequest({ recipient: ourId, requestType: a.type, wantReply: a.wantReply, data: a.data }));
        break;
      case 'reply':
        t.deliver(encodeRecipientOnly(a.success ? MSG.CHANNEL_SUCCESS : MSG.CHANNEL_FAILURE, ourId));
        break;
      case 'raw':
        t.deliver(a.bytes);
        break;
      case 'global':
        t.deliver(encodeGlobalRequest({ name: a.name, wantReply: a.wantReply, data: new Uint8Array(0) }));
        break;
      case 'local':
        switch (a.op) {
          case 'pause':
            l.pause();
            break;
          case 'resume':
            l.resume();
            break;
          case 'block':
            t.setWritable(false);
            break;
          case 'unblock':
            t.setWritable(true);
            break;
          case 'kex':
            t.inKex = true;
            break;
          case 'nokex':
            t.inKex = false;
            break;
          case 'write':
            l.write();
            break;
          case 'end':
            l.end();
            break;
          case 'closeRead':
            l.closeRead();
            break;
          case 'close':
            l.close();
            break;
        }
        break;
      case 'tick':
        await tick();
        break;
    }
    stat('actions', a.k === 'local' ? `local ${a.op}` : a.k);
    check.scan(t.out);
    ensure(l.channel.heldBytes <= sc.ourWindow, () => `${l.channel.heldBytes} bytes held with a window of ${sc.ourWindow}`);
    ensure(l.channel.pendingWriteBytes <= sc.writeHighWater + sc.writeSize, () => `${l.channel.pendingWriteBytes} bytes queued (high water ${sc.writeHighWater})`);
  }
  await tick();
  check.scan(t.out);

  stat('outcome', t.isOpen ? (l.channel.isClosed ? 'open, channel closed' : 'open, channel open') : `closed: ${t.closeReason?.constructor.name ?? 'clean'}`);
  if (t.closeReason) stat('close reasons', t.closeReason.message.replace(/\d+/g, '#').slice(0, 80));
  if (!t.isOpen && t.closeReason) expectAllowed(t.closeReason, ALLOWED, 'the connection closed with');
  // The end: the consumer takes what it held, the connection goes away; everything pending must settle.
  l.resume();
  t.close();
  await conn.closed;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<'hang'>((r) => (timer = setTimeout(() => r('hang'), 2000)));
  const res = await Promise.race([l.done, hang]);
  clearTimeout(timer);
  if (res === 'hang') throw new FuzzFailure('the session did not settle within 2 s of the connection closing');
  await stray.assertNone('channel handlers');
}

describe('channel handlers on arbitrary peer messages', () => {
  test('server (serveSessions) and client (openSession): typed errors or results, bounded, no hang', async () => {
    await checkAsync(fc.asyncProperty(scenarioArb, runScenario), 1, 50);
  }, timeoutFor(1, 50));
});

// ------------------------------------------------- the window model

type ModelAction =
  | { k: 'write'; n: number }
  | { k: 'deliver'; dir: 'ab' | 'ba'; n: number }
  | { k: 'pause' }
  | { k: 'resume' }
  | { k: 'block' }
  | { k: 'unblock' }
  | { k: 'kex' }
  | { k: 'nokex' };

/** Model steps; a write is at most `maxWrite` bytes. */
const modelActionArb = (maxWrite: number): fc.Arbitrary<ModelAction> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ k: fc.constant('write' as const), n: fc.integer({ min: 0, max: maxWrite }) }) },
    { weight: 8, arbitrary: fc.record({ k: fc.constant('deliver' as const), dir: fc.constantFrom('ab' as const, 'ba' as const), n: fc.integer({ min: 1, max: 20 }) }) },
    { weight: 1, arbitrary: fc.constant({ k: 'pause' as const }) },
    { weight: 2, arbitrary: fc.constant({ k: 'resume' as const }) },
    { weight: 1, arbitrary: fc.constant({ k: 'block' as const }) },
    { weight: 2, arbitrary: fc.constant({ k: 'unblock' as const }) },
    { weight: 1, arbitrary: fc.constant({ k: 'kex' as const }) },
    { weight: 1, arbitrary: fc.constant({ k: 'nokex' as const }) },
  );

// Writes are bounded by the packet size the window allows, so that a run stays within some 20 000 packets.
const modelArb = fc
  .record({ window: fc.integer({ min: 1, max: 200_000 }), maxPacket: fc.integer({ min: 1, max: 40_000 }), highWater: fc.integer({ min: 1, max: 100_000 }) })
  .chain((sizes) =>
    fc.array(modelActionArb(Math.min(50_000, 250 * Math.min(sizes.window, sizes.maxPacket))), { maxLength: 80, size: 'large' }).map((actions) => ({ ...sizes, actions })),
  );

/** The byte at stream position i (a pattern that shows reordering and loss). */
const byteAt = (i: number) => (i * 31 + (i >>> 8)) & 0xff;

async function runModel(m: { window: number; maxPacket: number; highWater: number; actions: ModelAction[] }): Promise<void> {
  const ta = new ScriptedTransport('SSH-2.0-a');
  const tb = new ScriptedTransport('SSH-2.0-b');
  const ab: Uint8Array[] = [];
  const ba: Uint8Array[] = [];
  ta.onSend = (p) => ab.push(p);
  tb.onSend = (p) => ba.push(p);
  const a = connectionOn(ta);
  const b = connectionOn(tb);
  let rx!: Channel;
  b.onChannelOpen = (o) => (rx = o.accept({ window: m.window, maxPacket: m.maxPacket }));
  const opening = a.openChannel('direct-tcpip', { writeHighWater: m.highWater });
  const deliver = (q: Uint8Array[], to: ScriptedTransport, n: number) => {
    for (let i = 0; i < n && q.length > 0; i++) to.deliver(q.shift()!);
  };
  deliver(ab, tb, 1);
  deliver(ba, ta, 1);
  const tx = await opening;

  let written = 0;
  let read = 0;
  let canWrite = true;
  tx.onDrain = () => (canWrite = true);
  rx.onData = (d) => {
    for (let i = 0; i < d.length; i++) if (d[i] !== byteAt(read + i)) throw new FuzzFailure(`byte ${read + i} differs`);
    read += d.length;
  };
  // The window as the link shows it: what the receiver granted (initial + adjusts sent), and what reached the sender.
  let grantedByRx = m.window;
  let grantedAtTx = m.window;
  let dataSent = 0;
  let dataArrived = 0;
  ta.onSend = (p) => {
    ab.push(p);
    if (p[0] === MSG.CHANNEL_DATA) {
      const len = readUint32(p, 5);
      ensure(len <= m.maxPacket, `a ${len}-byte packet over the maximum ${m.maxPacket}`);
      dataSent += len;
      ensure(dataSent <= grantedAtTx, `the sender sent ${dataSent} bytes with a window of ${grantedAtTx}`);
    }
  };
  tb.onSend = (p) => {
    ba.push(p);
    if (p[0] === MSG.CHANNEL_WINDOW_ADJUST) {
      grantedByRx += readUint32(p, 5);
      ensure(grantedByRx - dataArrived <= m.window, `the receiver's window reached ${grantedByRx - dataArrived}, over its maximum ${m.window}`);
    }
  };
  const deliverAB = (n: number) => {
    for (let i = 0; i < n && ab.length > 0; i++) {
      const p = ab.shift()!;
      if (p[0] === MSG.CHANNEL_DATA) dataArrived += readUint32(p, 5);
      tb.deliver(p);
    }
  };
  const deliverBA = (n: number) => {
    for (let i = 0; i < n && ba.length > 0; i++) {
      const p = ba.shift()!;
      if (p[0] === MSG.CHANNEL_WINDOW_ADJUST) grantedAtTx += readUint32(p, 5);
      ta.deliver(p);
    }
  };
  const invariants = () => {
    ensure(ta.isOpen && tb.isOpen, () => `a side closed: ${String(ta.closeReason ?? tb.closeReason)}`);
    ensure(tx.sendWindow >= 0 && tx.sendWindow <= MAX_WINDOW, `send window ${tx.sendWindow}`);
    ensure(tx.sendWindow === grantedAtTx - dataSent, `send window ${tx.sendWindow}, the link says ${grantedAtTx - dataSent}`);
    ensure(rx.heldBytes <= m.window, `${rx.heldBytes} bytes held with a window of ${m.window}`);
    ensure(tx.pendingWriteBytes <= m.highWater + 50_000, `${tx.pendingWriteBytes} bytes queued (high water ${m.highWater})`);
  };

  for (const act of m.actions) {
    switch (act.k) {
      case 'write':
        // A well-behaved writer: stops when write() says so, until onDrain.
        if (canWrite) {
          const chunk = Uint8Array.from({ length: act.n }, (_, i) => byteAt(written + i));
          written += act.n;
          canWrite = tx.write(chunk);
        }
        break;
      case 'deliver':
        if (act.dir === 'ab') deliverAB(act.n);
        else deliverBA(act.n);
        break;
      case 'pause':
        rx.pause();
        break;
      case 'resume':
        rx.resume();
        break;
      case 'block':
        ta.setWritable(false);
        break;
      case 'unblock':
        ta.setWritable(true);
        break;
      case 'kex':
        ta.inKex = true;
        break;
      case 'nokex':
        ta.inKex = false;
        break;
    }
    stat('model actions', act.k);
    invariants();
  }
  // Quiesce: everything flows, every byte arrives, in order.
  rx.resume();
  ta.inKex = false;
  ta.setWritable(true);
  // With a 1-byte window a round moves one byte: rounds are bounded by the bytes written.
  for (let rounds = 0; (ab.length > 0 || ba.length > 0 || tx.pendingWriteBytes > 0) && rounds <= written + 100; rounds++) {
    deliverAB(ab.length);
    deliverBA(ba.length);
    invariants();
  }
  ensure(read === written, `read ${read} bytes of ${written} written`);
  ta.close();
  tb.close();
  await stray.assertNone('window model');
}

describe('window accounting (model)', () => {
  test('the sender stays within the window, the window within its maximum, and every byte arrives in order', async () => {
    await checkAsync(fc.asyncProperty(modelArb, runModel), 1, 50);
  }, timeoutFor(1, 50));
});
