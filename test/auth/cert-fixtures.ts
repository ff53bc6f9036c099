/**
 * Certificates made by OpenSSH's `ssh-keygen -s`, for the certificate tests
 * (test/auth/certificates.test.ts, test/interop/host-certificate.test.ts).
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerDir } from '../helpers/cleanup.ts';
import { findSshKeygen } from '../helpers/openssh-binaries.ts';
import { generateKey, type GeneratedKey, type KeyType } from '../helpers/keygen.ts';
import { runChecked } from '../helpers/run.ts';
import { formatPublicKeyLine, parsePublicKeyLine, type PublicKeyLine } from '../../src/auth/public-key-line.ts';

export interface CertOptions {
  /** -I key id (default "test-id"). */
  id?: string;
  /** -h: a host certificate. */
  host?: boolean;
  /** -n principals, comma-separated; omitted: no principals. */
  principals?: string;
  /** -V validity interval, e.g. "+1h", "-2h:-1h", "20200101:20400101". */
  validity?: string;
  /** -z serial. */
  serial?: number;
  /** -t signature algorithm for an RSA CA (ssh-rsa, rsa-sha2-256, rsa-sha2-512). */
  algorithm?: string;
  /** -O options, e.g. ["force-command=ls", "clear", "permit-pty", "critical:x@y=z"]. */
  options?: string[];
}

export interface CertWorkspace {
  dir: string;
  /** A key made by ssh-keygen, generated once per name. */
  key(name: string, type: KeyType): Promise<GeneratedKey & { pub: PublicKeyLine }>;
  /** Signs the public key line `subjectPub` with the CA's private key file; returns the parsed -cert.pub line. */
  certify(caPath: string, subjectPub: string, opts?: CertOptions): Promise<PublicKeyLine & { text: string }>;
}

export async function certWorkspace(): Promise<CertWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), 'hop-certs-'));
  registerDir(dir);
  const keys = new Map<string, Promise<GeneratedKey & { pub: PublicKeyLine }>>();
  let n = 0;
  return {
    dir,
    key(name, type) {
      let k = keys.get(name);
      if (k === undefined) {
        k = generateKey(type, join(dir, name), name).then(async (g) => ({ ...g, pub: parsePublicKeyLine(await readFile(`${g.path}.pub`, 'utf8')) }));
        keys.set(name, k);
      }
      return k;
    },
    async certify(caPath, subjectPub, opts = {}) {
      const base = join(dir, `subject-${++n}`);
      await writeFile(`${base}.pub`, subjectPub.trim() + '\n');
      const args = [findSshKeygen(), '-q', '-s', caPath, '-I', opts.id ?? 'test-id'];
      if (opts.host) args.push('-h');
      if (opts.principals !== undefined) args.push('-n', opts.principals);
      if (opts.validity !== undefined) args.push('-V', opts.validity);
      if (opts.serial !== undefined) args.push('-z', String(opts.serial));
      if (opts.algorithm !== undefined) args.push('-t', opts.algorithm);
      for (const o of opts.options ?? []) args.push('-O', o);
      args.push(`${base}.pub`);
      await runChecked(args);
      const text = await readFile(`${base}-cert.pub`, 'utf8');
      return { ...parsePublicKeyLine(text), text };
    },
  };
}

/** The `.pub` line of a public key blob, for ssh-keygen to certify. */
export function pubLine(blob: Uint8Array, comment = 'subject'): string {
  return formatPublicKeyLine(blob, comment);
}
