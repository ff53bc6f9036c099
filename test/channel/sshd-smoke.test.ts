import { afterAll, beforeAll, expect, test } from 'vitest';
import { requireOpenSSH, startSshd, type SshdServer } from '../helpers/openssh.ts';
import { loginToSshd } from '../helpers/sshd-login.ts';
import { Writer } from '../../src/wire/writer.ts';

const describeOpenSSH = requireOpenSSH();

describeOpenSSH('channels against sshd', () => {
  let sshd: SshdServer;
  beforeAll(async () => {
    sshd = await startSshd({ hostKeys: ['ed25519'], config: ['LogLevel INFO'] });
  });
  afterAll(() => sshd?.stop());

  test('a session channel runs a command: stdout, stderr and exit status', async () => {
    const { connection } = await loginToSshd(sshd);
    const ch = await connection.openChannel('session');
    let out = '';
    let err = '';
    let status = -1;
    ch.onData = (d) => (out += new TextDecoder().decode(d));
    ch.onExtendedData = (_t, d) => (err += new TextDecoder().decode(d));
    ch.onRequest = (r) => {
      if (r.type === 'exit-status') status = new DataView(r.data.buffer, r.data.byteOffset).getUint32(0);
      return true;
    };
    const closed = new Promise<void>((res) => (ch.onClose = () => res()));
    await ch.request('exec', new Writer().string('echo out; echo err >&2; exit 3').bytes());
    await closed;
    expect(out).toBe('out\n');
    expect(err).toBe('err\n');
    expect(status).toBe(3);
    connection.close();
  });
});
