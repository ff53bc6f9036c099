/**
 * Turning the wire layer's WireError (an SSH or DER field that does not
 * decode) into the auth layer's key errors, for key files.
 */
import { WireError } from '../wire/errors.ts';
import { KeyParseError, TruncatedKeyError } from './errors.ts';

/**
 * TruncatedKeyError when the data ran out (the reader's message ends "… N
 * bytes left"/"M left": a read needed more than remained), KeyParseError
 * otherwise; `format` names the key format, e.g. "openssh-key-v1".
 */
export function keyErrorFromWire(format: string, e: WireError): KeyParseError {
  return /\bleft$/.test(e.message) ? new TruncatedKeyError(format, e.message) : new KeyParseError(format, e.message);
}

/** Runs `f`, rethrowing a WireError as the matching key error. */
export function withKeyErrors<T>(format: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof WireError) throw keyErrorFromWire(format, e);
    throw e;
  }
}
