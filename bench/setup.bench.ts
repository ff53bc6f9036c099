/**
 * Connection setup latency through 0, 1 and 2 jump hosts (issue 6): connect
 * through the hops, authenticate at each, run `true` on the target, close.
 *
 * Hosts: the interop tests' topology (test/helpers/jump-topology.ts), each
 * host a network namespace running OpenSSH's sshd with an Ed25519 host key;
 * the client's namespace reaches jump1 only. Both clients are pinned to
 * curve25519-sha256 and ssh-ed25519, log in as root with each host's own
 * Ed25519 key, and check every host key against the same known_hosts.
 *
 * - OpenSSH: `ssh -F <throwaway config> -J jump1[,jump2] target true`
 *   (ControlMaster no, BatchMode), timed from spawn to exit. ProxyJump runs
 *   one more `ssh -W` process per jump host: that is how OpenSSH does it.
 * - hopssh: the library, connect() → exec('true') → close(), in a worker
 *   process that stays up (as a program embedding the library would), with
 *   crypto "auto" (default providers) and "noble".
 *
 * Both run from the same worker inside the client's namespace, interleaved
 * (order alternating per round), N rounds after a warm-up. Reported: median
 * ms with min–max, and hopssh ÷ ssh of the medians (issue 6's target: ≤ 0.8
 * for 1 and 2 hops).
 *
 * Run: npm run bench:setup  → bench/results/setup.json and setup.md
 *      npm run bench:setup -- --quick   (3 rounds, writes nothing)
 */
import { startBenchHosts } from './lib/jump-hosts.ts';
import { startNetnsWorker } from './lib/netns-worker.ts';
import { benchEnvironment, environmentLine } from './lib/environment.ts';
import { writeResults } from './lib/results.ts';
import { fmtSpread, round, spread, type Spread } from './lib/stats.ts';
import type { SetupReply, SetupRequest } from './lib/setup-worker.ts';
import type { ProviderChoice } from '../src/crypto/types.ts';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 10;
const WARMUP = 2;
const HOPS = [0, 1, 2];

interface Client {
  label: string;
  req: Omit<SetupRequest, 'hops'>;
}
const CLIENTS: Client[] = [
  { label: 'OpenSSH ssh -J', req: { tool: 'ssh' } },
  { label: 'hopssh (auto)', req: { tool: 'hopssh', crypto: 'auto' as ProviderChoice } },
  { label: 'hopssh (noble)', req: { tool: 'hopssh', crypto: 'noble' as ProviderChoice } },
];

const env = benchEnvironment();
console.log(environmentLine(env));
const hosts = await startBenchHosts();
const worker = await startNetnsWorker(hosts.topology.net, 'client', new URL('./lib/setup-worker.ts', import.meta.url), hosts.routes);
const samples = new Map<string, number[]>();
const negotiated = new Map<number, string[]>();
let providers: SetupReply['providers'] = [];
try {
  const once = async (c: Client, hops: number): Promise<SetupReply> => worker.request<SetupRequest, SetupReply>({ ...c.req, hops });
  for (let i = 0; i < WARMUP; i++) for (const hops of HOPS) for (const c of CLIENTS) await once(c, hops);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? CLIENTS : [...CLIENTS].reverse();
    for (const hops of HOPS) {
      for (const c of order) {
        const r = await once(c, hops);
        const key = `${c.label}|${hops}`;
        samples.set(key, [...(samples.get(key) ?? []), r.ms]);
        if (r.negotiated) negotiated.set(hops, r.negotiated);
      }
    }
    process.stdout.write(`round ${round + 1}/${ROUNDS}\r`);
  }
  providers = (await worker.request<SetupRequest, SetupReply>({ tool: 'providers', hops: 0 })).providers;
} finally {
  await worker.close();
  await hosts.teardown();
}

interface Row {
  hops: number;
  client: string;
  ms: Spread;
  /** Median ÷ OpenSSH's median, same hop count. */
  vsSsh: number;
}
const rows: Row[] = [];
for (const hops of HOPS) {
  const ssh = spread(samples.get(`${CLIENTS[0]!.label}|${hops}`)!, 1);
  for (const c of CLIENTS) {
    const ms = spread(samples.get(`${c.label}|${hops}`)!, 1);
    rows.push({ hops, client: c.label, ms, vsSsh: round(ms.median / ssh.median, 2) });
  }
}

const md = [
  '# Connection setup benchmark',
  '',
  environmentLine(env),
  '',
  'Shared, noisy machine: read the ratios (measured in the same run), not the absolute times.',
  '',
  `One setup: connect through the jump hosts, authenticate at each (Ed25519 user keys), run \`true\` on the target, close.`,
  `Hosts: OpenSSH sshd in network namespaces (test/helpers/jump-topology.ts); ${hosts.routes.kex} and ssh-ed25519 on every hop for both clients.`,
  '0 hops is jump1 as the target. OpenSSH: `ssh -J` with a throwaway ssh_config (ControlMaster no, BatchMode), timed',
  'from spawn to exit (ProxyJump spawns one `ssh -W` per jump host). hopssh: the library — connect(), exec(\'true\'),',
  'close() — in a long-running worker; both run from that worker inside the client namespace, interleaved.',
  `N = ${ROUNDS} per cell after ${WARMUP} warm-up rounds; median ms (min–max); ratio = median ÷ ssh's median (issue 6 target: ≤ 0.8 at 1 and 2 hops).`,
  '',
  '| hops | client | setup ms | ÷ ssh -J |',
  '| ---: | --- | ---: | ---: |',
  ...rows.map((r) => `| ${r.hops} | ${r.client} | ${fmtSpread(r.ms)} | ${r.vsSsh.toFixed(2)}× |`),
  '',
  `hopssh negotiated (per hop, 2-hop route): ${(negotiated.get(2) ?? []).join(' · ')}.`,
  '',
  'hopssh\'s public-key providers with crypto "auto" (src/crypto/providers/asymmetric.ts), ms per operation as measured in the worker:',
  ...(providers ?? []).map((p) => `- ${p.id}: ${p.provider} (runtime self-test ${p.runtimeSelfTest}${p.msPerOp ? `; runtime ${p.msPerOp.runtime.toFixed(3)} ms, noble ${p.msPerOp.noble.toFixed(3)} ms` : ''})`),
  '',
  'Messages waited for per hop (a jump host: up to its channel to the next hop; the target: up to the exec request):',
  '',
  '| step | OpenSSH ssh | hopssh |',
  '| --- | --- | --- |',
  '| version exchange | waits for the server\'s line before KEXINIT | KEXINIT sent with its own line |',
  '| KEXINIT, ECDH (curve25519) | 2 | 2 |',
  '| NEWKEYS, SERVICE_REQUEST → SERVICE_ACCEPT | 1 | 1 |',
  '| userauth none → FAILURE | 1 | 1 |',
  '| publickey query → PK_OK | 1 | 0 (an in-process key signs at once, RFC 4252 §7) |',
  '| signed publickey → SUCCESS | 1 | 1 |',
  '| channel open (direct-tcpip / session) → CONFIRMATION | 1 | 1 |',
  '',
  'sshd writes with Nagle\'s algorithm on (TCP_NODELAY only for interactive sessions): where it sends two packets in a row',
  '(the key-option DEBUG lines then the channel confirmation; EOF then exit-status; a next host\'s version line then its',
  'KEXINIT through a jump host) the second waits for the client\'s delayed ACK, 40 ms on Linux. hopssh acknowledges those',
  'at once with SSH_MSG_IGNORE (src/jump/prompt-ack.ts); OpenSSH\'s client does not. The remaining time is sshd\'s: a',
  'fork and re-exec per connection, its privilege-separated authentication, and running `true` on the target.',
  '',
];
console.log('\n' + md.join('\n'));
if (!QUICK) {
  writeResults('setup', { ...env, rounds: ROUNDS, warmup: WARMUP, kex: hosts.routes.kex, rows, providers, samples: Object.fromEntries(samples) }, md.join('\n'));
}
