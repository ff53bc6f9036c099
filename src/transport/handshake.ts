import { MSG } from '../wire/message-numbers.ts';
import { wipe } from '../wire/bytes.ts';
import type { DirectionKeys, ProviderChoice, SigningKey } from '../crypto/types.ts';
import { CIPHERS, MACS } from '../crypto/cipher-registry.ts';
import { createOpener, createSealer } from '../crypto/packet-protection.ts';
import { cryptoProvidersReady } from '../crypto/providers/select.ts';
import { ProtocolError, LimitError } from './errors.ts';
import { decodeKexInit, encodeKexInit, type KexInit } from './kexinit.ts';
import { guessWasWrong, negotiate, type Negotiated } from './negotiate.ts';
import { runClientKex, runServerKex, type HostKeyVerifier, type KexChannel, type KexResult } from './kex-exchange.ts';
import { deriveKey } from './key-derivation.ts';
import type { AlgorithmLists } from './algorithms.ts';
import type { PacketSender } from './packet-sender.ts';
import type { PacketReceiver } from './packet-receiver.ts';

const STRICT_C = 'kex-strict-c-v00@openssh.com';
const STRICT_S = 'kex-strict-s-v00@openssh.com';
const MAX_KEX_INBOX = 4;

/** What the handshake needs from its transport. */
export interface HandshakeHost {
  readonly role: 'client' | 'server';
  readonly sender: PacketSender;
  readonly receiver: PacketReceiver;
  readonly clientVersion: string;
  readonly serverVersion: string;
  /** Called when a key exchange completes (both NEWKEYS done). */
  kexComplete(first: boolean): void;
  /** Called right after our first NEWKEYS is sent (EXT_INFO goes here, RFC 8308 §2.4). */
  afterFirstNewKeysSent(): void;
  /** A fatal error in the handshake. */
  fail(error: unknown): void;
}

export interface HandshakeConfig {
  algorithms: AlgorithmLists;
  strictKex: boolean;
  provider: ProviderChoice;
  kexTimeoutMs: number;
  verifyHostKey?: HostKeyVerifier;
  hostKeys?: readonly SigningKey[];
  gexMin: number;
  gexMax: number;
}

/**
 * One owner of key exchange (RFC 4253 §7): sends and receives KEXINIT,
 * runs the negotiated method, switches keys at NEWKEYS, enforces strict kex
 * (OpenSSH PROTOCOL §1.10) and tells the transport when upper-layer traffic
 * may flow again.
 */
export class Handshake {
  /** True from sending or receiving KEXINIT until both NEWKEYS are done. */
  inKex = false;
  /** True once the peer's KEXINIT of the current exchange has been received. */
  peerKexInitReceived = false;
  firstDone = false;
  strict = false;
  sessionId: Uint8Array | undefined;
  negotiated: Negotiated | undefined;
  /** Number of completed key exchanges. */
  count = 0;
  /** The server's host key blob (client role), from the latest exchange. */
  serverHostKey: Uint8Array | undefined;
  /** Whether the peer offered ext-info in its first KEXINIT (RFC 8308 §2.1). */
  peerWantsExtInfo = false;

  private ourKexInit: Uint8Array | undefined;
  private peerKexInit: Uint8Array | undefined;
  private inbox: Uint8Array[] = [];
  private waiter: ((m: Uint8Array) => void) | undefined;
  private ignoreNextKexPacket = false;
  private newKeysSent = false;
  private newKeysReceived = false;
  private peerNewKeysWaiting = false;
  private incoming: { opener: ReturnType<typeof createOpener>; excluded: boolean } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private completion: { resolve: () => void; reject: (e: unknown) => void; promise: Promise<void> } | undefined;

  constructor(
    private readonly host: HandshakeHost,
    private readonly config: HandshakeConfig,
  ) {}

  /** Start a key exchange (the first, or a rekey); resolves when it completes. */
  start(): Promise<void> {
    if (!this.inKex) this.sendKexInit();
    return this.done();
  }

  /** Resolves when the current (or next) exchange completes. */
  done(): Promise<void> {
    if (!this.completion) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => undefined);
      this.completion = { resolve, reject, promise };
    }
    return this.completion.promise;
  }

  /** Reject waiters; called by the transport when it closes. */
  abort(error: unknown): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.completion?.reject(error);
    this.completion = undefined;
  }

  private sendKexInit(): void {
    const a = this.config.algorithms;
    const kex = [...a.kex];
    if (!this.firstDone) {
      // Signals go only in the first KEXINIT (RFC 8308 §2.1, PROTOCOL §1.10).
      kex.push(this.host.role === 'client' ? 'ext-info-c' : 'ext-info-s');
      if (this.config.strictKex) kex.push(this.host.role === 'client' ? STRICT_C : STRICT_S);
    }
    const hostKey = this.host.role === 'server' ? a.hostKey.filter((alg) => this.config.hostKeys!.some((k) => k.algorithms.includes(alg))) : a.hostKey;
    const payload = encodeKexInit({
      kex,
      hostKey,
      cipherCtoS: a.cipher,
      cipherStoC: a.cipher,
      macCtoS: a.mac,
      macStoC: a.mac,
      compressionCtoS: a.compression,
      compressionStoC: a.compression,
      languagesCtoS: [],
      languagesStoC: [],
      firstKexPacketFollows: false,
    });
    this.ourKexInit = payload;
    this.beginExchange();
    this.host.sender.send(payload);
  }

  private beginExchange(): void {
    if (this.inKex) return;
    this.inKex = true;
    this.newKeysSent = false;
    this.newKeysReceived = false;
    const ms = this.config.kexTimeoutMs;
    if (ms > 0) {
      this.timer = setTimeout(() => this.host.fail(new LimitError('key exchange timeout', `key exchange did not complete within ${ms} ms`)), ms);
    }
  }

  /** SSH_MSG_KEXINIT from the peer. `seq` is its sequence number. */
  onKexInit(payload: Uint8Array, seq: number): void {
    if (this.peerKexInitReceived) throw new ProtocolError('KEXINIT', 'second KEXINIT during a key exchange');
    const peer = decodeKexInit(payload);
    this.peerKexInit = payload.slice();
    this.peerKexInitReceived = true;
    if (!this.inKex) this.sendKexInit();
    const isClient = this.host.role === 'client';
    const ours = decodeKexInit(this.ourKexInit!);
    const client = isClient ? ours : peer;
    const server = isClient ? peer : ours;
    if (!this.firstDone) {
      this.strict = this.config.strictKex && client.kex.includes(STRICT_C) && server.kex.includes(STRICT_S);
      // Strict kex: the peer's KEXINIT must be its first packet (PROTOCOL §1.10).
      if (this.strict && seq !== 0) throw new ProtocolError('strict key exchange', `KEXINIT was packet ${seq}, not the first`);
      this.peerWantsExtInfo = isClient ? server.kex.includes('ext-info-s') : client.kex.includes('ext-info-c');
    }
    const hostKeys = this.config.hostKeys;
    const neg = negotiate(client, server, {
      role: this.host.role,
      hostKeyUsable: (alg) => (isClient ? true : hostKeys!.some((k) => k.algorithms.includes(alg))),
    });
    this.negotiated = neg;
    if (peer.firstKexPacketFollows && guessWasWrong(client, server)) this.ignoreNextKexPacket = true;
    this.runMethod(client, server, neg);
  }

  private runMethod(client: KexInit, server: KexInit, neg: Negotiated): void {
    void client;
    void server;
    const isClient = this.host.role === 'client';
    const io: KexChannel = {
      send: (p) => this.host.sender.send(p),
      receive: () => this.nextMethodMessage(),
    };
    const ctx = {
      clientVersion: this.host.clientVersion,
      serverVersion: this.host.serverVersion,
      clientKexInit: isClient ? this.ourKexInit! : this.peerKexInit!,
      serverKexInit: isClient ? this.peerKexInit! : this.ourKexInit!,
      negotiated: neg,
    };
    const run = isClient
      ? runClientKex(io, ctx, { verifyHostKey: this.config.verifyHostKey!, gexMin: this.config.gexMin, gexMax: this.config.gexMax, provider: this.config.provider })
      : runServerKex(io, ctx, { hostKeys: this.config.hostKeys!, provider: this.config.provider });
    run
      // node:crypto may still be loading (Node < 20.16 has no getBuiltinModule): choose providers with it present.
      .then((result) => cryptoProvidersReady().then(() => result))
      .then(
        (result) => {
          try {
            this.installKeys(result, neg);
          } catch (e) {
            this.host.fail(e);
          }
        },
        (e) => this.host.fail(e),
      );
  }

  private nextMethodMessage(): Promise<Uint8Array> {
    const m = this.inbox.shift();
    if (m) return Promise.resolve(m);
    // The peer already sent NEWKEYS, so the message this method waits for can never come.
    if (this.peerNewKeysWaiting) return Promise.reject(new ProtocolError('NEWKEYS', 'received before the key exchange method finished'));
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Key-exchange method messages (30–49). */
  onMethodMessage(payload: Uint8Array): void {
    if (!this.inKex || !this.peerKexInitReceived) {
      throw new ProtocolError('key exchange', `message ${payload[0]} outside a key exchange`);
    }
    if (this.ignoreNextKexPacket) {
      this.ignoreNextKexPacket = false;
      return;
    }
    const copy = payload.slice();
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(copy);
      return;
    }
    if (this.inbox.length >= MAX_KEX_INBOX) throw new ProtocolError('key exchange', 'too many unexpected key exchange messages');
    this.inbox.push(copy);
  }

  private keys(result: KexResult, neg: Negotiated, cToS: boolean): DirectionKeys {
    const cipher = cToS ? neg.cipherCtoS : neg.cipherStoC;
    const mac = cToS ? neg.macCtoS : neg.macStoC;
    const ci = CIPHERS[cipher]!;
    const mi = MACS[mac]!;
    const sid = this.sessionId!;
    const d = (letter: string, len: number) => deriveKey(result.hash, result.K, result.H, letter, sid, len);
    // RFC 4253 §7.2: A/B initial IVs, C/D encryption keys, E/F integrity keys.
    return {
      cipher,
      mac,
      iv: d(cToS ? 'A' : 'B', ci.ivLength),
      encKey: d(cToS ? 'C' : 'D', ci.keyLength),
      macKey: ci.aead ? new Uint8Array(0) : d(cToS ? 'E' : 'F', mi.keyLength),
    };
  }

  private installKeys(result: KexResult, neg: Negotiated): void {
    if (!this.sessionId) this.sessionId = result.H;
    this.serverHostKey = result.hostKey;
    const isClient = this.host.role === 'client';
    const out = this.keys(result, neg, isClient);
    const inn = this.keys(result, neg, !isClient);
    const provider = this.config.provider;
    const sealer = createSealer(out, provider);
    const opener = createOpener(inn, provider);
    const excluded = (k: DirectionKeys) => CIPHERS[k.cipher]!.aead || MACS[k.mac]!.etm;
    this.incoming = { opener, excluded: excluded(inn) };
    wipe(out.encKey, out.iv, out.macKey, inn.encKey, inn.iv, inn.macKey, result.K);
    const s = this.host.sender;
    s.send(Uint8Array.of(MSG.NEWKEYS));
    s.setSealer(sealer);
    // Strict kex resets sequence numbers after each NEWKEYS (PROTOCOL §1.10).
    if (this.strict) s.seq = 0;
    this.newKeysSent = true;
    if (!this.firstDone) this.host.afterFirstNewKeysSent();
    if (this.peerNewKeysWaiting) {
      // Packets held since the peer's NEWKEYS are opened with the new keys, after completion.
      this.peerNewKeysWaiting = false;
      this.applyIncoming();
      this.maybeComplete();
      this.host.receiver.resume();
      return;
    }
    this.maybeComplete();
  }

  /** SSH_MSG_NEWKEYS from the peer (RFC 4253 §7.3). */
  onNewKeys(payload: Uint8Array): void {
    if (payload.length !== 1) throw new ProtocolError('NEWKEYS', 'unexpected bytes after the message number');
    if (!this.inKex || !this.peerKexInitReceived || this.newKeysReceived || this.peerNewKeysWaiting) {
      throw new ProtocolError('NEWKEYS', 'unexpected NEWKEYS');
    }
    if (this.waiter) throw new ProtocolError('NEWKEYS', 'received while the key exchange method still expects a message');
    if (!this.incoming) {
      // Our side of the method is still running (e.g. host-key verification):
      // hold further packets until the new keys exist.
      this.peerNewKeysWaiting = true;
      this.host.receiver.pause();
      return;
    }
    this.applyIncoming();
    this.maybeComplete();
  }

  private applyIncoming(): void {
    const inc = this.incoming!;
    this.incoming = undefined;
    const r = this.host.receiver;
    r.setOpener(inc.opener, inc.excluded);
    if (this.strict) r.seq = 0;
    this.newKeysReceived = true;
  }

  private maybeComplete(): void {
    if (!this.newKeysSent || !this.newKeysReceived) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const first = !this.firstDone;
    this.inKex = false;
    this.peerKexInitReceived = false;
    this.firstDone = true;
    this.count++;
    this.ourKexInit = undefined;
    this.peerKexInit = undefined;
    this.inbox = [];
    this.host.kexComplete(first);
    const c = this.completion;
    this.completion = undefined;
    c?.resolve();
  }

  /** True while strict kex forbids any message other than kex messages (the initial exchange). */
  get strictInitial(): boolean {
    return this.strict && !this.firstDone;
  }
}
