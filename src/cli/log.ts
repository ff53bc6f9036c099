/**
 * hopssh's own messages on stderr (or the -E log file), filtered by
 * ssh_config(5) LogLevel as ssh(1) filters them: -q is QUIET (nothing, not
 * even fatal errors), the default INFO, each -v one DEBUG level more. While
 * the terminal is in raw mode lines end in CR LF, as ssh(1) writes them.
 */
import { appendFileSync } from 'node:fs';
import type { LogLevel } from '../jump/ssh-config.ts';

const RANK: Readonly<Record<LogLevel, number>> = { QUIET: 0, FATAL: 1, ERROR: 2, INFO: 3, VERBOSE: 4, DEBUG1: 5, DEBUG2: 6, DEBUG3: 7 };

/** Control characters other than tab and newline, which a server's text must not send to the terminal. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** Text from the server (a banner, a keyboard-interactive instruction) made safe for a terminal. */
export function printable(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(CONTROL, '');
}

export class Log {
  /** ssh_config(5) LogLevel. */
  level: LogLevel = 'INFO';
  /** The terminal is raw: end lines with CR LF. */
  raw = false;

  constructor(
    /** -E log_file: append there instead of stderr. */
    private readonly file?: string,
  ) {}

  /** Whether messages of `level` are shown. */
  enabled(level: LogLevel): boolean {
    return RANK[level] <= RANK[this.level];
  }

  /** Writes `text` as it is (a message ssh(1) prints whatever the level, such as usage). */
  write(text: string): void {
    const out = this.raw ? text.replace(/\r?\n/g, '\r\n') : text;
    if (this.file !== undefined) {
      try {
        appendFileSync(this.file, out);
        return;
      } catch {
        // an unwritable log file: fall back to stderr, as ssh(1) does when it cannot open it
      }
    }
    process.stderr.write(out);
  }

  private at(level: LogLevel, message: string, prefix = ''): void {
    if (this.enabled(level)) this.write(`${prefix}${message}\n`);
  }

  fatal(message: string): void {
    this.at('FATAL', message);
  }

  error(message: string): void {
    this.at('ERROR', message);
  }

  info(message: string): void {
    this.at('INFO', message);
  }

  verbose(message: string): void {
    this.at('VERBOSE', message);
  }

  /** `debug1: …` (-v), `debug2: …` (-vv), `debug3: …` (-vvv). */
  debug(message: string, level: 1 | 2 | 3 = 1): void {
    this.at(`DEBUG${level}`, message, `debug${level}: `);
  }
}
