/**
 * Fuzzing the ssh-agent client's decoding (draft-miller-ssh-agent): the
 * frame reader on arbitrary bytes in arbitrary chunks (the same messages
 * whatever the chunking, or a WireError; never more than one message
 * buffered), and the answer decoders on arbitrary bodies.
 */
import { describe, test } from 'vitest';
import fc from 'fast-check';
import { WireError } from '../src/wire/errors.ts';
import { AGENT_MAX_MESSAGE, AgentFrameReader, decodeIdentitiesAnswer, decodeSignResponse } from '../src/auth/agent-protocol.ts';
import { check, chunk, concat, cutsArb, ensure, ensureBytes, outcome, sshString, timeoutFor, u32 } from './fuzz-config.ts';

const bodyArb = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 40 }),
  fc.tuple(fc.constantFrom(5, 6, 12, 14, 28), fc.array(fc.oneof(fc.uint8Array({ maxLength: 10 }).map(sshString), fc.constantFrom(0, 1, 2, 0xffffffff).map(u32)), { maxLength: 6 })).map(([t, f]) =>
    concat([Uint8Array.of(t), ...f]),
  ),
);

/** A stream of frames, some with lying lengths. */
const streamArb = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: bodyArb.map((b) => concat([u32(b.length), b])) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(0, 1, AGENT_MAX_MESSAGE, AGENT_MAX_MESSAGE + 1, 0xffffffff), fc.uint8Array({ maxLength: 8 })).map(([n, b]) => concat([u32(n), b])) },
  ),
  { maxLength: 6 },
);

describe('fuzz: ssh-agent protocol', () => {
  test(
    'frames: the same messages whatever the chunking, or a WireError',
    () => {
      check(
        fc.property(streamArb, cutsArb, (frames, cuts) => {
          const bytes = concat(frames);
          const whole = outcome([WireError], () => new AgentFrameReader().feed(bytes), 'feed whole');
          const r = new AgentFrameReader();
          const parts = outcome(
            [WireError],
            () =>
              chunk(bytes, cuts).flatMap((c) => {
                const out = r.feed(c);
                ensure(r.pending <= AGENT_MAX_MESSAGE + 4, 'more than one message buffered');
                return out;
              }),
            'feed chunks',
          );
          ensure(whole.ok === parts.ok, 'chunking changed whether the stream is valid');
          if (whole.ok && parts.ok) {
            ensure(whole.value.length === parts.value.length, 'chunking changed the message count');
            whole.value.forEach((m, i) => ensureBytes(parts.value[i]!, m, `message ${i}`));
          }
        }),
      );
    },
    timeoutFor(),
  );

  test(
    'answers: a value, undefined (failure) or a WireError',
    () => {
      check(
        fc.property(bodyArb, (body) => {
          outcome([WireError], () => decodeIdentitiesAnswer(body), 'identities');
          outcome([WireError], () => decodeSignResponse(body), 'sign response');
        }),
      );
    },
    timeoutFor(),
  );
});
