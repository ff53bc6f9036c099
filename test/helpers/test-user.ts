/**
 * A local Unix account for password-authentication tests against sshd.
 *
 * Accounts persist on the machine (other test processes may be using them),
 * so use a fixed, clearly-test name such as "hoptest".
 */
import { inCI } from './openssh-binaries.ts';
import { run } from './run.ts';

export type TestUser =
  | { ok: true; name: string; uid: number; home: string; created: boolean }
  | { ok: false; skipped: string };

async function lookup(name: string): Promise<{ uid: number; home: string } | undefined> {
  const r = await run(['getent', 'passwd', name]);
  if (r.code !== 0) return undefined;
  const f = r.stdout.trim().split(':');
  return { uid: Number(f[2]), home: f[5] ?? '/' };
}

/**
 * Makes sure user `name` exists (useradd -m -s /bin/bash) and has `password`
 * (chpasswd). Only as root; otherwise returns `{ ok: false, skipped }`.
 * Setting a password also unlocks the account, which sshd requires even for
 * public-key logins when UsePAM is off.
 */
export async function ensureTestUser(name: string, password: string): Promise<TestUser> {
  const user = await makeTestUser(name, password);
  // Under CI=true a test that needs a user must run, never skip: every reason to skip fails here.
  if (!user.ok && inCI()) throw new Error(`CI=true: cannot make test user ${name}: ${user.skipped}`);
  return user;
}

async function makeTestUser(name: string, password: string): Promise<TestUser> {
  if (!/^[a-z_][a-z0-9_-]{0,30}$/.test(name)) throw new RangeError(`ensureTestUser: bad user name ${JSON.stringify(name)}`);
  if (/[:\n]/.test(password)) throw new RangeError('ensureTestUser: password may not contain ":" or a newline');
  if (process.getuid?.() !== 0) return { ok: false, skipped: 'not running as root: cannot create users' };
  let created = false;
  // Another test process may be editing /etc/passwd at the same moment: retry.
  for (let attempt = 0; ; attempt++) {
    if ((await lookup(name)) !== undefined) break;
    const r = await run(['useradd', '-m', '-s', '/bin/bash', name]).catch(() => undefined);
    if (r === undefined) return { ok: false, skipped: 'useradd is not installed' };
    if (r.code === 0) {
      created = true;
      break;
    }
    if (attempt >= 10) throw new Error(`useradd ${name} failed: ${r.stderr.trim()}`);
    await new Promise((res) => setTimeout(res, 100 + 100 * attempt));
  }
  for (let attempt = 0; ; attempt++) {
    const r = await run(['chpasswd'], { input: `${name}:${password}\n` });
    if (r.code === 0) break;
    if (attempt >= 10) throw new Error(`chpasswd for ${name} failed: ${r.stderr.trim()}`);
    await new Promise((res) => setTimeout(res, 100 + 100 * attempt));
  }
  const info = await lookup(name);
  if (info === undefined) throw new Error(`ensureTestUser: ${name} missing after useradd`);
  return { ok: true, name, ...info, created };
}
