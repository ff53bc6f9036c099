/** The error for a sealer or opener used after dispose() (API misuse: its keys are gone). */
export function usedAfterDispose(description: string): Error {
  return new TypeError(`${description}: used after dispose()`);
}
