/**
 * hopssh's library as a relay-benchmark peer: `connect()` with the jump
 * hosts as an OpenSSH -J string (each hop inherits the key, known_hosts and
 * algorithms, as one `Host *` block gives them to ssh), then a session on
 * the target running the command, with this process's stdin and stdout
 * relayed through it with backpressure both ways — what a program built on
 * the library does to relay a command's bytes.
 *
 *   node --import tsx bench/relay/hopssh-peer.ts '<spec JSON>'     (PeerSpec in peers.ts)
 *
 * The report (a JSON file) has the in-process setup time (connect through
 * every hop + exec + exit status), what protects each hop's packets, and
 * with `rssTrace` this process's RSS every 64 MiB relayed; `relayUs`, the
 * window from the exec request to the exit status on process.hrtime's clock
 * (µs; V8's too, so --profile can pick the relay's samples out of a
 * --cpu-prof profile).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Session } from '../../src/index.ts';
import type { PeerSpec } from './peer-spec.ts';

const spec = JSON.parse(process.argv[2]!) as PeerSpec;
const TRACE_EVERY = 64 << 20;
const rssTrace: [bytes: number, rss: number][] = [];
let relayed = 0;
let nextTrace = 0;

function vmRss(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

function counted(n: number): void {
  relayed += n;
  if (spec.rssTrace && relayed >= nextTrace) {
    rssTrace.push([relayed, vmRss()]);
    nextTrace += TRACE_EVERY;
  }
}

/** stdin → session (paused while the channel is full), session → stdout (channel paused while stdout is). */
function relay(session: Session): void {
  session.onData = (d) => {
    counted(d.length);
    // Kept (Session.keep: node's output buffer itself where the transport hands it over, else a copy): the view is valid only during this call.
    const k = session.keep(d);
    if (!process.stdout.write(Buffer.from(k.buffer, k.byteOffset, k.byteLength))) {
      session.pause();
      process.stdout.once('drain', () => session.resume());
    }
  };
  session.onStderr = (d) => process.stderr.write(Buffer.from(d));
  session.onDrain = () => process.stdin.resume();
  process.stdin.on('data', (d: Buffer) => {
    counted(d.length);
    if (!session.write(d)) process.stdin.pause();
  });
  process.stdin.on('end', () => session.end());
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const client = await connect({
    host: spec.target.host,
    port: spec.target.port,
    username: spec.user,
    identityFiles: [spec.keyFile],
    knownHosts: { files: [spec.knownHosts], globalFiles: [], strict: 'yes' },
    algorithms: { kex: [spec.kex], hostKeyAlgorithms: [spec.hostKeyAlgorithm], ciphers: [spec.cipher], ...(spec.mac && { macs: [spec.mac] }) },
    ...(spec.crypto && { transport: { crypto: spec.crypto } }),
    jump: spec.jumps.map((j) => `${spec.user}@${j.host}:${j.port}`).join(',') || undefined,
  });
  const connected = performance.now();
  for (const h of client.hops) {
    const n = h.transport.negotiated!;
    if (n.cipherCtoS !== spec.cipher || n.cipherStoC !== spec.cipher || n.kex !== spec.kex) throw new Error(`hop ${h.address.host}: negotiated ${n.kex} ${n.cipherCtoS}/${n.cipherStoC}`);
  }
  if (spec.rssTrace) rssTrace.push([0, vmRss()]);
  const session = await client.openSession();
  if (spec.mode === 'setup') {
    session.onData = () => undefined;
    session.onStderr = () => undefined;
    session.end();
  } else relay(session);
  const relayFrom = process.hrtime.bigint();
  await session.exec(spec.command);
  const exit = await session.done;
  const done = performance.now();
  const relayTo = process.hrtime.bigint();
  if (spec.rssTrace) rssTrace.push([relayed, vmRss()]);
  writeFileSync(
    spec.report,
    JSON.stringify({
      connectMs: connected - t0,
      setupMs: done - t0,
      implementation: client.hops.map((h) => h.transport.cipherDescription.receive).join(' / '),
      relayUs: [Number(relayFrom / 1000n), Number(relayTo / 1000n)],
      ...(spec.rssTrace && { rssTrace, peakRss: process.resourceUsage().maxRSS * 1024 }),
    }),
  );
  await client.close();
  return exit.exitStatus ?? 255;
}

/** Resolves once everything written to stdout so far has gone (a pipe may still queue the last chunks). */
const stdoutFlushed = (): Promise<void> => new Promise((resolve) => process.stdout.write('', () => resolve()));

main().then(
  async (status) => {
    await stdoutFlushed();
    process.exit(status);
  },
  (e: unknown) => {
    process.stderr.write(`hopssh peer: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(255);
  },
);
