/**
 * The command line of hopssh, parsed as ssh(1) parses its own: OpenSSH's
 * option letters (9.2), BSD getopt rules — flags may be combined (`-tt`,
 * `-NT`, `-vvv`), an option's argument may be attached (`-p2222`,
 * `-oKey=Value`) — options end at the first word that is not one, or at `--`;
 * the destination follows, and options may follow it too (`ssh host -p 2222
 * cmd`) unless `--` ended them; the remaining words are the command, joined
 * by spaces as ssh joins them.
 */

/** Option letters that take an argument (ssh(1) SYNOPSIS). */
const WITH_ARGUMENT = new Set('BDEFIJLOPQRSWbceilmopw');
/** Option letters without an argument. */
const FLAGS = new Set('1246ACGKMNTVXYafgknqstvxy');

/** The command line, before ssh_config(5) is read. Repeated options keep every value, in order. */
export interface CommandLine {
  /** How often each flag letter was given (`-vvv`: v → 3). */
  readonly flags: Map<string, number>;
  /** Values of the options that take one, by letter, in order (`-o` values are ssh_config lines, `Key=Value` or `Key Value`). */
  readonly values: Map<string, string[]>;
  /** The destination (`[user@]host` or `ssh://[user@]host[:port]`); undefined when none was given. */
  readonly destination: string | undefined;
  /** The command words (joined with spaces for the server, as ssh(1)). */
  readonly command: string[];
}

/** A command line that ssh(1) would refuse with its usage message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** ssh(1)'s usage text, with hopssh's name. */
export const USAGE = `usage: hopssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]
              [-c cipher_spec] [-D [bind_address:]port] [-E log_file]
              [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]
              [-J destination] [-L address] [-l login_name] [-m mac_spec]
              [-O ctl_cmd] [-o option] [-P tag] [-p port] [-Q query_option]
              [-R address] [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]
              destination [command [argument ...]]`;

interface Parsed {
  flags: Map<string, number>;
  values: Map<string, string[]>;
}

/**
 * Parses options from `args[start]` on (BSD getopt: no reordering). Returns
 * the index of the first word that is not an option, and whether `--` ended
 * the options.
 */
function getopt(args: readonly string[], start: number, into: Parsed): { next: number; terminated: boolean } {
  let i = start;
  while (i < args.length) {
    const word = args[i]!;
    if (word === '--') return { next: i + 1, terminated: true };
    if (word.length < 2 || word[0] !== '-') break;
    for (let j = 1; j < word.length; j++) {
      const letter = word[j]!;
      if (WITH_ARGUMENT.has(letter)) {
        let value = word.slice(j + 1);
        if (value === '') {
          if (i + 1 >= args.length) throw new UsageError(`option requires an argument -- ${letter}`);
          value = args[++i]!;
        }
        const list = into.values.get(letter) ?? [];
        list.push(value);
        into.values.set(letter, list);
        break;
      }
      if (!FLAGS.has(letter)) throw new UsageError(`unknown option -- ${letter}`);
      into.flags.set(letter, (into.flags.get(letter) ?? 0) + 1);
    }
    i++;
  }
  return { next: i, terminated: false };
}

/** Parses hopssh's arguments (without the program name). Throws UsageError. */
export function parseCommandLine(args: readonly string[]): CommandLine {
  const parsed: Parsed = { flags: new Map(), values: new Map() };
  let { next, terminated } = getopt(args, 0, parsed);
  let destination: string | undefined;
  if (next < args.length) {
    destination = args[next++];
    // ssh(1) restarts option parsing after the destination unless `--` came before it.
    if (!terminated && next < args.length) ({ next } = getopt(args, next, parsed));
  }
  return { ...parsed, destination, command: args.slice(next) };
}

/** The value of a single-valued option: the last one given, as ssh(1) overwrites (-p, -l, -F, -E, -e …). */
export function lastValue(cl: CommandLine, letter: string): string | undefined {
  const list = cl.values.get(letter);
  return list?.[list.length - 1];
}

/** Every value of a repeatable option (-i, -L, -R, -D, -o). */
export function allValues(cl: CommandLine, letter: string): readonly string[] {
  return cl.values.get(letter) ?? [];
}

/** How often a flag was given (0 when not). */
export function count(cl: CommandLine, letter: string): number {
  return cl.flags.get(letter) ?? 0;
}
