/**
 * Local forwarding through a chain of OpenSSH jump hosts:
 * `hopssh -J jump1,jump2 -L <port>:127.0.0.1:<echo> target`, the echo
 * server listening on the target's own loopback (nothing else reaches it,
 * not even the last jump host). Bytes go through the local listener in the
 * client's namespace and come back checked by SHA-256, on two connections at
 * once; when hopssh ends (SIGTERM with -N, or the remote command exiting)
 * the listener is gone and no session is left on any host of the chain.
 */
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { requireNetns, requireOpenSSH } from '../helpers/openssh.ts';
import { hashedEcho, type TestServer } from '../helpers/echo-server.ts';
import { useCliChain } from '../helpers/suite-fixtures.ts';

const describeOpenSSH = requireOpenSSH();
const describeNetns = requireNetns();

const MiB = 1 << 20;
/** Ports inside the test's own namespaces (fresh, so free). */
const LOCAL = 7000;
const ECHO = 7001;

describeOpenSSH('hopssh -J jump1,jump2 -L', () => {
  describeNetns('through jump hosts in network namespaces', () => {
    const chain = useCliChain();
    let echo: TestServer;

    beforeAll(async () => {
      echo = await chain.echoOnTarget(ECHO);
    });
    afterAll(async () => {
      await echo?.close();
    });

    test('the echo server is reachable from the target only', async () => {
      const { net } = chain.topo;
      expect(await net.canConnect('target', '127.0.0.1', ECHO)).toBe(true);
      expect(await net.canConnect('jump2', '127.0.0.1', ECHO)).toBe(false);
      expect(await net.canConnect('client', '127.0.0.1', ECHO)).toBe(false);
    });

    test('-N -L: 2 × 8 MiB at once through the chain by SHA-256; SIGTERM ends hopssh and its listener', async () => {
      const before = echo.accepted;
      const hopssh = chain.spawnHopssh(['-N', '-L', `${LOCAL}:127.0.0.1:${ECHO}`, ...chain.args]);
      try {
        const sockets = [await chain.connectInClient(LOCAL), await chain.connectInClient(LOCAL)];
        const results = await Promise.all(sockets.map((s) => hashedEcho(s, 8 * MiB)));
        for (const r of results) {
          expect(r.bytes).toBe(8 * MiB);
          expect(r.received).toBe(r.sent);
        }
        expect(echo.accepted - before).toBe(2);
      } finally {
        await hopssh.stop();
      }
      expect(hopssh.stderr).toBe('');
      expect(await chain.topo.net.canConnect('client', '127.0.0.1', LOCAL)).toBe(false);
      await chain.sessionsEnded();
    });

    test('-L with a command: forwards while it runs; its exit status is hopssh\'s, and the listener goes with it', async () => {
      const done = join(chain.topo.dir, 'forward-done');
      // The filesystem is shared between namespaces: the test tells the remote command when to end.
      const hopssh = chain.spawnHopssh(['-L', `127.0.0.1:${LOCAL}:127.0.0.1:${ECHO}`, ...chain.args, `while [ ! -e ${done} ]; do sleep 0.1; done; exit 3`]);
      try {
        const r = await hashedEcho(await chain.connectInClient(LOCAL), 4 * MiB);
        expect(r.bytes).toBe(4 * MiB);
        expect(r.received).toBe(r.sent);
        await writeFile(done, '');
        expect(await hopssh.exited, hopssh.stderr).toBe(3);
      } finally {
        await hopssh.stop('SIGKILL');
      }
      expect(await chain.topo.net.canConnect('client', '127.0.0.1', LOCAL)).toBe(false);
      await chain.sessionsEnded();
    });
  });
});
