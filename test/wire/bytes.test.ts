/** isViewInside: the same memory, wholly inside — not equal bytes elsewhere. */
import { expect, it } from 'vitest';
import { isViewInside } from '../../src/wire/bytes.ts';

it('isViewInside: views of the same buffer within the outer view only', () => {
  const buf = new Uint8Array(64);
  const outer = buf.subarray(8, 40);
  expect(isViewInside(outer, outer)).toBe(true);
  expect(isViewInside(buf.subarray(8, 9), outer)).toBe(true);
  expect(isViewInside(buf.subarray(39, 40), outer)).toBe(true);
  expect(isViewInside(buf.subarray(39, 40).subarray(0, 0), outer)).toBe(true);
  expect(isViewInside(buf.subarray(7, 9), outer)).toBe(false);
  expect(isViewInside(buf.subarray(39, 41), outer)).toBe(false);
  expect(isViewInside(buf.subarray(0, 8), outer)).toBe(false);
  expect(isViewInside(outer.slice(), outer)).toBe(false);
  expect(isViewInside(new Uint8Array(buf.buffer, 10, 4), outer)).toBe(true);
});
