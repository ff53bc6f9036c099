/**
 * hopssh's keys and questions against sshd, as ssh(1) behaves: keys from an
 * ssh-agent (SSH_AUTH_SOCK), the agent forwarded with -A, a passphrase
 * asked for an encrypted identity file, the host-key question of
 * StrictHostKeyChecking=ask (yes records the key, no refuses; BatchMode
 * never asks), a key file readable by others refused.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { findSshKeygen, requireOpenSSH, runChecked } from '../helpers/openssh.ts';
import { startSshAgent, type SshAgentProcess } from '../helpers/ssh-agent.ts';
import { describeRun, LOGIN, runHopssh } from '../helpers/hopssh-cli.ts';
import { useCliHost } from '../helpers/suite-fixtures.ts';

const describeOpenSSH = requireOpenSSH();

describeOpenSSH('hopssh keys and questions', () => {
  const host = useCliHost();
  let agent: SshAgentProcess;

  beforeAll(async () => {
    agent = await startSshAgent();
    await agent.add(host.key.path);
  });
  afterAll(async () => {
    await agent?.stop();
  });

  /** The server, with no identity file: only what the test adds. */
  const bare = (...extra: string[]) => [
    '-F',
    '/dev/null',
    '-o',
    `UserKnownHostsFile=${host.knownHostsPath}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    ...extra,
    '-p',
    String(host.sshd.port),
    `${LOGIN}@127.0.0.1`,
  ];

  /** An askpass program answering `answer`, logging each prompt. */
  async function askpass(name: string, answer: string): Promise<{ env: Record<string, string>; asked: () => Promise<string> }> {
    const log = join(host.dir, `${name}.log`);
    const program = join(host.dir, name);
    await writeFile(program, `#!/bin/sh\nprintf '%s\\n---\\n' "$1" >> ${log}\nprintf '%s\\n' '${answer}'\n`, { mode: 0o755 });
    return { env: { SSH_ASKPASS: program, SSH_ASKPASS_REQUIRE: 'force' }, asked: async () => (existsSync(log) ? readFile(log, 'utf8') : '') };
  }

  test('keys from the agent at SSH_AUTH_SOCK', async () => {
    const r = await runHopssh([...bare('-o', 'IdentityFile=none'), 'echo', 'agent-ok'], { env: { SSH_AUTH_SOCK: agent.socket } });
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('agent-ok\n');
  });

  test('-A forwards the agent: the server lists its key; without -A it has none', async () => {
    const withA = await runHopssh(['-A', ...bare(), 'ssh-add -L'], { env: { SSH_AUTH_SOCK: agent.socket } });
    expect(withA.code, describeRun(withA)).toBe(0);
    expect(withA.stdout).toContain(host.key.publicKeyLine);
    const without = await runHopssh([...bare(), 'ssh-add -L; echo "status $?"'], { env: { SSH_AUTH_SOCK: agent.socket } });
    expect(without.stdout).toMatch(/status 2\n$/); // ssh-add: cannot connect to the agent
  });

  test('an encrypted identity file: the passphrase is asked, the login succeeds', async () => {
    const path = join(host.dir, 'encrypted');
    await runChecked([findSshKeygen(), '-q', '-t', 'ed25519', '-N', 'secret phrase', '-C', 'enc', '-f', path]);
    await host.sshd.authorize(LOGIN, await readFile(`${path}.pub`, 'utf8'));
    const a = await askpass('passphrase', 'secret phrase');
    const r = await runHopssh([...bare('-i', path), 'echo', 'decrypted'], { env: a.env });
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('decrypted\n');
    expect(await a.asked()).toBe(`Enter passphrase for key '${path}': \n---\n`);
  });

  test('a private key readable by others is refused, as ssh refuses it', async () => {
    const path = join(host.dir, 'open-key');
    await runChecked([findSshKeygen(), '-q', '-t', 'ed25519', '-N', '', '-f', path]);
    await host.sshd.authorize(LOGIN, await readFile(`${path}.pub`, 'utf8'));
    await chmod(path, 0o644);
    const r = await runHopssh([...bare('-i', path, '-o', 'BatchMode=yes'), 'true']);
    expect(r.code, describeRun(r)).toBe(255);
    expect(r.stderr).toMatch(/Permissions 0644 for '.*open-key' are too open/);
  });

  test('StrictHostKeyChecking=ask: the question names the key; "yes" records it', async () => {
    const kh = join(host.dir, 'kh-yes');
    const a = await askpass('yes', 'yes');
    const args = ['-F', host.configPath, '-o', `UserKnownHostsFile=${kh}`, '-o', 'StrictHostKeyChecking=ask', '-o', 'BatchMode=no', '-p', String(host.sshd.port), `${LOGIN}@127.0.0.1`];
    const r = await runHopssh([...args, 'echo', 'accepted'], { env: a.env });
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('accepted\n');
    const asked = await a.asked();
    expect(asked).toMatch(new RegExp(`^The authenticity of host '\\[127\\.0\\.0\\.1\\]:${host.sshd.port}' can't be established\\.\nED25519 key fingerprint is SHA256:`));
    expect(asked).toMatch(/Are you sure you want to continue connecting \(yes\/no\/\[fingerprint\]\)\? \n---\n$/);
    expect(await readFile(kh, 'utf8')).toContain(host.sshd.hostKeys[0]!.publicKeyLine.split(' ')[1]);
    // Known now: no second question.
    const again = await askpass('again', 'no');
    const r2 = await runHopssh([...args, 'true'], { env: again.env });
    expect(r2.code, describeRun(r2)).toBe(0);
    expect(await again.asked()).toBe('');
  });

  test('StrictHostKeyChecking=ask: "no" refuses (255); BatchMode=yes refuses without asking', async () => {
    const kh = join(host.dir, 'kh-no');
    const a = await askpass('no', 'no');
    const args = ['-F', host.configPath, '-o', `UserKnownHostsFile=${kh}`, '-o', 'StrictHostKeyChecking=ask', '-p', String(host.sshd.port), `${LOGIN}@127.0.0.1`, 'true'];
    const r = await runHopssh(['-o', 'BatchMode=no', ...args], { env: a.env });
    expect(r.code, describeRun(r)).toBe(255);
    expect(r.stderr).toMatch(/Host key verification failed\.\n$/);
    expect(await a.asked()).toMatch(/continue connecting/);
    const batch = await askpass('batch', 'yes');
    const rb = await runHopssh(['-o', 'BatchMode=yes', ...args], { env: batch.env });
    expect(rb.code, describeRun(rb)).toBe(255);
    expect(await batch.asked()).toBe('');
    expect(existsSync(kh)).toBe(false);
  });
});
