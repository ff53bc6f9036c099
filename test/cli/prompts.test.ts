import { describe, expect, test } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { terminalPrompter } from '../../src/cli/prompts.ts';

describe('terminalPrompter', () => {
  test('questions asked at once are put one at a time (hops prepare concurrently); each gets its own answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hopssh-prompts-'));
    try {
      const log = join(dir, 'log');
      const askpass = join(dir, 'askpass');
      // Logs when each question starts and ends, takes a while to answer, answers with the question.
      writeFileSync(askpass, `#!/bin/sh\necho "start $1" >> '${log}'\nsleep 0.2\necho "end $1" >> '${log}'\necho "answer to $1"\n`);
      chmodSync(askpass, 0o755);
      const p = terminalPrompter({ SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force' });
      const answers = await Promise.all([p.secret('first'), p.line('second'), p.secret('third')]);
      expect(answers).toEqual(['answer to first', 'answer to second', 'answer to third']);
      expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['start first', 'end first', 'start second', 'end second', 'start third', 'end third']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
