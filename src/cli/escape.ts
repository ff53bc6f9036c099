/**
 * Escape sequences of an interactive session (ssh(1) ESCAPE CHARACTERS):
 * the escape character (`~` by default, EscapeChar / -e) is recognised only
 * right after a newline, and is followed by a command:
 *
 *   ~.   disconnect            ~?   list the escapes
 *   ~R   request a rekey       ~~   send one escape character
 *
 * An escape character followed by anything else is sent with it, as ssh(1)
 * sends it.
 */

export type EscapeAction = 'disconnect' | 'help' | 'rekey';

/** What one chunk of keyboard input becomes: bytes for the server, and the commands met, in order. */
export interface Filtered {
  readonly data: Uint8Array;
  readonly actions: readonly EscapeAction[];
}

const COMMANDS: Readonly<Record<string, EscapeAction>> = { '.': 'disconnect', '?': 'help', R: 'rekey' };

/** The help text for `~?`, naming the escape character in use. */
export function escapeHelp(escape: string): string {
  return [
    'Supported escape sequences:',
    ` ${escape}.   - terminate connection`,
    ` ${escape}R   - request rekey`,
    ` ${escape}?   - this message`,
    ` ${escape}${escape}   - send the escape character by typing it twice`,
    '(Note that escapes are only recognized immediately after newline.)',
    '',
  ].join('\n');
}

/**
 * Parses an EscapeChar / -e value: a single character, `^X` for a control
 * character, or `none`. Undefined for `none`; throws RangeError otherwise.
 */
export function parseEscapeChar(value: string): number | undefined {
  if (value.toLowerCase() === 'none') return undefined;
  if (value.length === 1) return value.charCodeAt(0);
  if (value.length === 2 && value[0] === '^') return value.charCodeAt(1) & 0x1f;
  throw new RangeError(`Bad escape character '${value}'.`);
}

export class EscapeFilter {
  private atLineStart = true;
  private pending = false;

  constructor(private readonly escape: number) {}

  /** Filters one chunk of input; stops at a disconnect (the rest is not sent). */
  filter(input: Uint8Array): Filtered {
    // The common case: no escape character at all, nothing to copy.
    if (!this.pending && !input.includes(this.escape)) {
      if (input.length > 0) this.atLineStart = isNewline(input[input.length - 1]!);
      return { data: input, actions: [] };
    }
    const out: number[] = [];
    const actions: EscapeAction[] = [];
    for (const b of input) {
      if (this.pending) {
        this.pending = false;
        const action = COMMANDS[String.fromCharCode(b)];
        if (action !== undefined) {
          actions.push(action);
          if (action === 'disconnect') break;
          continue;
        }
        if (b !== this.escape) out.push(this.escape);
        out.push(b);
        this.atLineStart = isNewline(b);
        continue;
      }
      if (this.atLineStart && b === this.escape) {
        this.pending = true;
        continue;
      }
      out.push(b);
      this.atLineStart = isNewline(b);
    }
    return { data: Uint8Array.from(out), actions };
  }
}

function isNewline(b: number): boolean {
  return b === 0x0d || b === 0x0a;
}
