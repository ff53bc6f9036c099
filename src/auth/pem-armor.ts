/**
 * The text armour around private keys: "-----BEGIN <label>-----", optional
 * RFC 1421 §4.6 headers ("Proc-Type: 4,ENCRYPTED"), base64 lines, and
 * "-----END <label>-----" (RFC 7468 §2, read as leniently as OpenSSL:
 * text before BEGIN, CRLF and trailing whitespace are accepted).
 */
import { fromBase64, toBase64 } from '../wire/base64.ts';
import { KeyParseError, TruncatedKeyError, UnsupportedKeyError } from './errors.ts';

export interface Armored {
  /** The label between BEGIN and the dashes, e.g. "OPENSSH PRIVATE KEY". */
  readonly label: string;
  /** RFC 1421 headers by name (e.g. "Proc-Type"), in the order given. */
  readonly headers: ReadonlyMap<string, string>;
  /** The decoded base64 body. */
  readonly body: Uint8Array;
}

const BEGIN = '-----BEGIN ';
const BEGIN_LINE = /^-----BEGIN ([A-Z0-9][A-Z0-9 ]*)-----[ \t\r]*$/gm;

/**
 * Finds the first armoured block in `text` whose label `wanted` accepts
 * (skipping e.g. the "EC PARAMETERS" block `openssl ecparam -genkey` writes
 * first). `formatOf(label)` names the format for error messages. Throws
 * TruncatedKeyError when the text ends before the END line (or inside the
 * BEGIN line), KeyParseError when there is no wanted BEGIN line or the body
 * is not base64, and UnsupportedKeyError for a PuTTY key file.
 */
export function readArmor(text: string, wanted: (label: string) => boolean, formatOf: (label: string) => string): Armored {
  const labels = [...text.matchAll(BEGIN_LINE)];
  const begin = labels.find((m) => wanted(m[1]!));
  if (begin === undefined) {
    if (labels.length > 0) throw new KeyParseError('private key', `found "${labels.map((m) => m[1]).join('", "')}" but no private key`);
    throw noArmor(text);
  }
  const label = begin[1]!;
  const format = formatOf(label);
  const afterBegin = begin.index + begin[0].length;
  const endMarker = `-----END ${label}-----`;
  const end = text.indexOf(endMarker, afterBegin);
  if (end < 0) {
    const other = /^-----END ([^\r\n]*)-----/m.exec(text.slice(afterBegin));
    if (other !== null) throw new KeyParseError(format, `BEGIN ${label} is closed by END ${other[1]}`);
    throw new TruncatedKeyError(format, `no "${endMarker}" line: the key is truncated`);
  }
  const lines = text.slice(afterBegin, end).split('\n').map((l) => l.replace(/[ \t\r]+$/, ''));
  while (lines.length > 0 && lines[0] === '') lines.shift();
  const headers = new Map<string, string>();
  // RFC 1421 §4.6: headers, each "Name: value" (continued by indented lines), then a blank line.
  if (lines.length > 0 && /^[A-Za-z][A-Za-z0-9-]*:/.test(lines[0]!)) {
    let name = '';
    while (lines.length > 0 && lines[0] !== '') {
      const line = lines.shift()!;
      const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
      if (m !== null) headers.set((name = m[1]!), m[2]!);
      else if (/^\s/.test(line) && name !== '') headers.set(name, `${headers.get(name)!} ${line.trim()}`);
      else throw new KeyParseError(format, `malformed header line ${JSON.stringify(line.slice(0, 40))}`);
    }
  }
  let body: Uint8Array;
  try {
    body = fromBase64(lines.join('').replace(/\s+/g, ''));
  } catch (e) {
    throw new KeyParseError(format, `the body is not base64 (${(e as Error).message})`);
  }
  return { label, headers, body };
}

/** The error for text without a complete BEGIN line: truncated, a public key, PuTTY, or not a key. */
function noArmor(text: string): Error {
  const trimmed = text.trim();
  if (trimmed === '') return new TruncatedKeyError('private key', 'no key data (empty input)');
  const lastLine = trimmed.slice(trimmed.lastIndexOf('\n') + 1).trimStart();
  if (BEGIN.startsWith(lastLine) || lastLine.startsWith(BEGIN)) {
    return new TruncatedKeyError('private key', 'the data ends inside the BEGIN line: the key is truncated');
  }
  if (trimmed.startsWith('PuTTY-User-Key-File-')) {
    return new UnsupportedKeyError('PuTTY', 'PuTTY .ppk keys are not supported; convert with "puttygen key.ppk -O private-openssh -o key"');
  }
  if (/^(ssh-|ecdsa-|sk-)\S* [A-Za-z0-9+/]/.test(trimmed)) {
    return new KeyParseError('private key', 'this is a public key line (.pub), not a private key');
  }
  return new KeyParseError('private key', 'no "-----BEGIN … PRIVATE KEY-----" line: not an OpenSSH or PEM private key');
}

/** Armours `body` under `label` with base64 lines of `width` characters (70 for OpenSSH keys, 64 for PEM). */
export function writeArmor(label: string, body: Uint8Array, width: number): string {
  const b64 = toBase64(body);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
