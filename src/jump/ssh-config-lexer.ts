/**
 * Lines of an ssh_config file (ssh_config(5) DESCRIPTION): one keyword and
 * its arguments a line; the keyword is case-insensitive and separated from
 * the arguments by whitespace and/or one `=`; arguments are separated by
 * spaces or tabs and may be quoted with `"` (or `'`) to hold spaces; a `\`
 * escapes a quote, a backslash, or (outside quotes) a space; an argument
 * starting with `#` starts a comment. Empty lines and lines starting with `#`
 * are comments. No keyword is interpreted here (ssh-config-options.ts does).
 */
import { asciiLowerCase } from '../auth/patterns.ts';
import { ConfigError } from './errors.ts';

/** One keyword line. */
export interface ConfigLine {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** Lower-cased (keywords are case-insensitive). */
  readonly keyword: string;
  /** The arguments, unquoted and unescaped, comment removed. */
  readonly args: readonly string[];
  /** The text after the keyword and its separator, as written (ProxyCommand and ProxyJump take it whole). */
  readonly rest: string;
}

/** Longest line accepted, so that a hostile file cannot make one line cost unbounded work. */
export const MAX_LINE_LENGTH = 65536;

const TRAILING_SPACE = /[ \t\r\n\f]+$/;

/**
 * Splits arguments as OpenSSH's argv_split: undefined when a quote is not
 * closed. A `#` at the start of an argument ends the line.
 */
export function splitArguments(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    let arg = '';
    let quote = '';
    for (; i < text.length; i++) {
      const ch = text[i]!;
      const next = text[i + 1];
      if (ch === '\\') {
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) {
          arg += next;
          i++;
        } else {
          arg += ch;
        }
      } else if (quote === '' && (ch === ' ' || ch === '\t')) {
        break;
      } else if (quote === '' && (ch === '"' || ch === "'")) {
        quote = ch;
      } else if (quote !== '' && ch === quote) {
        quote = '';
      } else {
        arg += ch;
      }
    }
    if (quote !== '') return undefined;
    out.push(arg);
  }
  return out;
}

/**
 * Lexes one line (numbered `line` of `file`): undefined for a blank or
 * comment line. Throws ConfigError for a keyword without an argument, an
 * unclosed quote, or an over-long line.
 */
export function lexConfigLine(text: string, file: string, line: number): ConfigLine | undefined {
  if (text.length > MAX_LINE_LENGTH) throw new ConfigError(file, line, `line longer than ${MAX_LINE_LENGTH} characters`);
  const s = text.replace(TRAILING_SPACE, '');
  let i = 0;
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\r' || s[i] === '\n')) i++;
  if (s[i] === '=') i++;
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  let keyword: string;
  if (s[i] === '"') {
    const close = s.indexOf('"', i + 1);
    if (close < 0) throw new ConfigError(file, line, 'unclosed quote in the keyword');
    keyword = s.slice(i + 1, close);
    i = close + 1;
  } else {
    const start = i;
    while (i < s.length && !' \t\r\n"='.includes(s[i]!)) i++;
    keyword = s.slice(start, i);
  }
  if (keyword === '' || keyword.startsWith('#')) return undefined;
  // Separator: whitespace, and at most one '=' with whitespace around it.
  const sepEquals = s[i] === '=';
  if (i < s.length) i++;
  while (i < s.length && ' \t\r\n'.includes(s[i]!)) i++;
  if (!sepEquals && s[i] === '=') {
    i++;
    while (i < s.length && ' \t\r\n'.includes(s[i]!)) i++;
  }
  const rest = s.slice(i);
  const kw = asciiLowerCase(keyword);
  if (rest === '') throw new ConfigError(file, line, `no argument after keyword "${kw}"`);
  const args = splitArguments(rest);
  if (args === undefined) throw new ConfigError(file, line, 'invalid quotes (a quote is not closed)');
  return { file, line, keyword: kw, args, rest };
}

/** Lexes a whole file's text (lines end at `\n`). Throws ConfigError at the first bad line. */
export function lexConfigText(text: string, file: string): ConfigLine[] {
  const out: ConfigLine[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const l = lexConfigLine(lines[n]!, file, n + 1);
    if (l !== undefined) out.push(l);
  }
  return out;
}
