/**
 * nodeProcessSpawner (src/io/node-process.ts), what ProxyCommand runs on:
 * `sh -c "exec …"` (no shell left between us and the command), stdio as a
 * ByteStream with half-close, stderr passed on or captured, the exit
 * reported, and close() ending the command (SIGHUP, then SIGKILL).
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { nodeProcessSpawner } from '../../src/io/node-process.ts';
import { ProcessExitError, describeExit } from '../../src/io/process.ts';
import type { ByteStream } from '../../src/io/byte-stream.ts';
import { fromUtf8, utf8 } from '../../src/wire/bytes.ts';

/** Starts `stream`, collecting what it delivers until it closes. */
function collect(stream: ByteStream): Promise<{ out: string; ended: boolean; error: Error | undefined }> {
  return new Promise((resolve) => {
    let out = '';
    let ended = false;
    stream.start({
      data: (d) => (out += fromUtf8(d)),
      drain: () => undefined,
      end: () => (ended = true),
      close: (error) => resolve({ out, ended, error }),
    });
  });
}

describe('nodeProcessSpawner', () => {
  test('stdin and stdout are the stream; EOF from us reaches the command, its EOF reaches us', async () => {
    const p = nodeProcessSpawner.spawn('tr a-z A-Z');
    const r = collect(p.stream);
    p.stream.write(utf8('hello '));
    p.stream.write(utf8('proxy\n'));
    p.stream.end();
    expect(await r).toEqual({ out: 'HELLO PROXY\n', ended: true, error: undefined });
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  test('exec: the process is the command itself, not a shell waiting for it', async () => {
    const p = nodeProcessSpawner.spawn('sleep 30');
    collect(p.stream).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(`/proc/${p.pid}/comm`, 'utf8').trim()).toBe('sleep');
    p.stream.close();
    expect(await p.exited).toEqual({ code: null, signal: 'SIGHUP' });
  });

  test('close() ends a command that ignores SIGHUP with SIGKILL', async () => {
    const p = nodeProcessSpawner.spawn(`sh -c 'trap "" HUP; echo ready; while :; do sleep 0.1; done'`);
    const r = collect(p.stream);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        try {
          // The trap is set once "ready" could be printed; wait for the shell to be in its loop.
          if (readFileSync(`/proc/${p.pid}/status`, 'utf8').includes('SigIgn:\t0000000000000001')) {
            clearInterval(t);
            resolve();
          }
        } catch {
          // not there yet
        }
      }, 20);
    });
    const t0 = Date.now();
    p.stream.close();
    expect(await p.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_500);
    expect((await r).error).toBeUndefined();
  }, 10_000);

  test('a command failing on its own closes the stream with ProcessExitError; stderr can be captured', async () => {
    let stderr = '';
    const p = nodeProcessSpawner.spawn(`sh -c 'echo oops >&2; exit 3'`, { onStderr: (d) => (stderr += fromUtf8(d)) });
    const r = await collect(p.stream);
    expect(r.error).toBeInstanceOf(ProcessExitError);
    expect(r.error!.message).toBe(`"sh -c 'echo oops >&2; exit 3'" exited with status 3`);
    expect(stderr).toBe('oops\n');
    expect(describeExit({ code: null, signal: 'SIGTERM' })).toBe('was killed by SIGTERM');
  });

  test('writing after the command exited is refused, not thrown', async () => {
    const p = nodeProcessSpawner.spawn('true');
    const r = collect(p.stream);
    await p.exited;
    await r;
    expect(p.stream.write(utf8('late'))).toBe(false);
  });
});
