/**
 * A command on its own pseudo-terminal, made by script(1) (Node has no pty):
 * what it prints is collected, keys are typed into it, and a test waits for
 * output to match.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** One shell word for `s` (single quotes). */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** A shell command line running `argv` (each word quoted). */
export const shellCommand = (argv: readonly string[]): string => argv.map(shellQuote).join(' ');

/** A command running on its own pseudo-terminal (script -qefc), with its output collected. */
export class OnTerminal {
  readonly child: ChildProcessWithoutNullStreams;
  output = '';
  readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  constructor(shellCommand: string, env: NodeJS.ProcessEnv) {
    this.child = spawn('script', ['-qefc', shellCommand, '/dev/null'], { env, stdio: 'pipe' });
    this.child.stdout.on('data', (b: Buffer) => {
      this.output += b.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr.on('data', (b: Buffer) => (this.output += b.toString('latin1')));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Resolves once the output matches `re`; rejects after `timeoutMs` with the output so far. */
  async waitFor(re: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.output.match(re);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`no ${re} in terminal output within ${timeoutMs} ms:\n${JSON.stringify(this.output)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  type(text: string): void {
    this.child.stdin.write(text);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
