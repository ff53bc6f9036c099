/**
 * Packets that straddle received chunks, on whichever runtime executes this
 * file (Node via tsx, Bun, Deno): for every cipher (AES-CTR with an etm and a
 * classic MAC), 60 packets sealed by the noble provider are fed to a
 * PacketReceiver whose opener comes from the provider this runtime selects
 * (`auto`), in chunks of 1 to 5000 bytes. Prints one JSON line per cipher:
 * whether the payloads came out intact and in order, whether the opener
 * took pieces (its runtime's cipher streams a piece of any length from a
 * source into the packet) and whether it opens detached (hands over the
 * runtime's own output buffer; such packets are gathered first). test/transport/pieces-runtimes.test.ts checks them.
 */
import { createOpener, createSealer } from '../src/crypto/packet-protection.ts';
import { cryptoProvidersReady, providerFor } from '../src/crypto/providers/select.ts';
import { PacketReceiver } from '../src/transport/packet-receiver.ts';
import { below, random } from './deterministic-bytes.ts';

const cases = [
  { cipher: 'chacha20-poly1305@openssh.com', mac: 'none' },
  { cipher: 'aes128-gcm@openssh.com', mac: 'none' },
  { cipher: 'aes256-gcm@openssh.com', mac: 'none' },
  { cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com' },
  { cipher: 'aes256-ctr', mac: 'hmac-sha2-512' },
] as const;

const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
await cryptoProvidersReady();

for (const c of cases) {
  const keys = { cipher: c.cipher, mac: c.mac, encKey: random(64), iv: random(16), macKey: random(64) };
  const sealer = createSealer(keys, 'noble');
  const excluded = sealer.lengthExcludedFromPadding;
  const block = Math.max(8, sealer.blockSize);
  const payloads: Uint8Array[] = [];
  const packets: Uint8Array[] = [];
  for (let seq = 0; seq < 60; seq++) {
    const payload = random(1 + below(seq % 5 === 0 ? 33000 : 2000));
    let pad = block - ((payload.length + (excluded ? 1 : 5)) % block);
    if (pad < 4) pad += block;
    const len = 1 + payload.length + pad;
    const buf = new Uint8Array(4 + len + sealer.tagLength);
    new DataView(buf.buffer).setUint32(0, len);
    buf[4] = pad;
    buf.set(payload, 5);
    sealer.seal(seq, buf, 0, 4 + len);
    payloads.push(payload);
    packets.push(buf);
  }
  const stream = new Uint8Array(packets.reduce((n, p) => n + p.length, 0));
  packets.reduce((at, p) => (stream.set(p, at), at + p.length), 0);

  const opener = createOpener(keys, 'auto');
  let pieces = 0;
  const piece = opener.piece?.bind(opener);
  if (piece) opener.piece = (...a) => (pieces++, piece(...a));
  let intact = 0;
  const none = createOpener({ cipher: 'none', mac: 'none', encKey: new Uint8Array(0), iv: new Uint8Array(0), macKey: new Uint8Array(0) }, 'noble');
  const r = new PacketReceiver(none, (p, seq) => {
    const want = payloads[seq]!;
    if (p.length === want.length && p.every((b, i) => b === want[i])) intact++;
  });
  r.setOpener(opener, excluded);
  let error: string | undefined;
  try {
    for (let at = 0; at < stream.length; ) {
      const n = Math.min(stream.length - at, 1 + below(5000));
      r.feed(stream.slice(at, at + n));
      at += n;
    }
  } catch (e) {
    error = String(e);
  }
  console.log(JSON.stringify({ runtime, cipher: c.cipher, mac: c.mac, provider: providerFor(c.cipher), delivered: intact, of: payloads.length, pieces: pieces > 0, detached: opener.openDetached !== undefined, error }));
}
