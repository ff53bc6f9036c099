/**
 * Flow control against OpenSSH's sshd: a slow hopssh consumer of 1 GiB of
 * `head -c` output keeps what it holds within the window it granted (sshd
 * waits for our WINDOW_ADJUST, sent only once data was taken), and 200 MB
 * written to `sha256sum`'s stdin as fast as sshd's window allows arrive intact.
 */
import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { requireOpenSSH } from '../helpers/openssh.ts';
import { useSshd } from '../helpers/suite-fixtures.ts';
import { loginToSshd } from '../helpers/sshd-login.ts';
import { openSession } from '../../src/channel/session-client.ts';
import { GiB, MiB, PatternSource, Peaks, SlowConsumer, produce, socketOf, transportQueued } from '../channel/flow-control-harness.ts';

const describeOpenSSH = requireOpenSSH();

describeOpenSSH('channel flow control against sshd', () => {
  const sshd = useSshd({ hostKeys: ['ed25519'], config: ['LogLevel INFO'] });

  test('a slow consumer of 1 GiB from `head -c 1G /dev/zero` holds at most its window', { timeout: 180_000 }, async () => {
    const WINDOW = 2 * MiB;
    const TOTAL = GiB;
    const { transport, connection } = await loginToSshd(sshd);
    const socket = socketOf(transport);
    const session = await openSession(connection, { window: WINDOW, maxPacket: 32 * 1024 });
    const peaks = new Peaks();
    const consumer = new SlowConsumer(session, {
      seed: 31,
      burst: [1 * MiB, 32 * MiB],
      delayMs: [2, 20],
      beforeResume: () => {
        peaks.sample('channel held', session.channel.heldBytes);
        peaks.sample('receiver pending', transport.receiver.pendingBytes);
        peaks.sample('transport queue', transportQueued(transport));
        peaks.sample('socket writableLength', socket.writableLength);
      },
    });
    let stderr = '';
    session.onStderr = (d) => (stderr += new TextDecoder().decode(d));
    const stopRss = peaks.watchRss();
    const started = Date.now();
    await session.exec(`head -c ${TOTAL} /dev/zero`);
    const got = await consumer.ended;
    const exit = await session.done;
    stopRss();
    const secs = (Date.now() - started) / 1000;
    console.log(
      `[flow-control sshd download] ${TOTAL / GiB} GiB in ${secs.toFixed(1)} s, ${transport.negotiated?.cipherStoC}, ` +
        `${consumer.pauses} pauses, ${transport.kexCount - 1} rekeys; peaks: ${peaks}`,
    );
    expect(stderr).toBe('');
    expect(exit.exitStatus).toBe(0);
    expect(got).toBe(TOTAL);
    const zeros = createHash('sha256');
    const block = new Uint8Array(MiB);
    for (let i = 0; i < TOTAL / MiB; i++) zeros.update(block);
    expect(consumer.digest()).toBe(zeros.digest('hex'));
    expect(consumer.pauses).toBeGreaterThan(10);
    expect(peaks.get('channel held')).toBeGreaterThan(0);
    expect(peaks.get('channel held')).toBeLessThanOrEqual(WINDOW);
    expect(peaks.get('receiver pending')).toBeLessThanOrEqual(256 * 1024);
    expect(peaks.get('socket writableLength')).toBeLessThanOrEqual(64 * 1024);
    connection.close();
  });

  test('200 MB written to `sha256sum` as fast as the window allows: the digest matches, the send queue stays bounded', { timeout: 120_000 }, async () => {
    const TOTAL = 200_000_000;
    const CHUNK = 100_000;
    const HIGH_WATER = 512 * 1024;
    const { transport, connection } = await loginToSshd(sshd);
    const socket = socketOf(transport);
    const session = await openSession(connection, { writeHighWater: HIGH_WATER });
    let stdout = '';
    let stderr = '';
    session.onData = (d) => (stdout += new TextDecoder().decode(d));
    session.onStderr = (d) => (stderr += new TextDecoder().decode(d));
    await session.exec('sha256sum');
    const src = new PatternSource(TOTAL, CHUNK, 17);
    const peaks = new Peaks();
    const stopRss = peaks.watchRss();
    const started = Date.now();
    const stalls = await produce(session, src, {
      afterWrite: () => {
        peaks.sample('channel pending', session.channel.pendingWriteBytes);
        peaks.sample('socket writableLength', socket.writableLength);
      },
    });
    const exit = await session.done;
    stopRss();
    const secs = (Date.now() - started) / 1000;
    console.log(
      `[flow-control sshd upload] ${TOTAL / 1e6} MB in ${secs.toFixed(1)} s, ${transport.negotiated?.cipherCtoS}, ${stalls} write stalls; peaks: ${peaks}`,
    );
    expect(stderr).toBe('');
    expect(exit.exitStatus).toBe(0);
    expect(stdout).toBe(`${src.digest()}  -\n`);
    expect(stalls).toBeGreaterThan(0);
    expect(peaks.get('channel pending')).toBeLessThanOrEqual(HIGH_WATER + CHUNK);
    // One coalesced write (an arena) beyond the socket's high-water mark.
    expect(peaks.get('socket writableLength')).toBeLessThanOrEqual(socket.writableHighWaterMark + 132 * 1024);
    connection.close();
  });
});
