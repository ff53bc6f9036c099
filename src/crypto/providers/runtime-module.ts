/**
 * The runtime's built-in `node:crypto` (Node, Bun, Deno), found once for every
 * runtime provider (runtime.ts, runtime-asymmetric.ts, ../kex-modp-runtime.ts):
 * synchronously where the runtime offers process.getBuiltinModule (Node >=
 * 20.16, Bun, Deno), otherwise by a dynamic import, so a runtime without
 * node:crypto still loads hopssh. No top-level await: importers stay
 * synchronous (and require()-able). Each provider checks the part it uses.
 */

export type RuntimeModuleState = 'loaded' | 'loading' | 'absent';

let module: object | undefined;
let state: RuntimeModuleState = 'loading';

/** Resolves once node:crypto has been loaded or found absent. */
export const runtimeModuleLoaded: Promise<void> = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  let builtin: unknown;
  try {
    builtin = proc?.getBuiltinModule?.('node:crypto');
  } catch {
    builtin = undefined;
  }
  if (typeof builtin === 'object' && builtin !== null) {
    module = builtin;
    state = 'loaded';
    return Promise.resolve();
  }
  const specifier = 'node:crypto'; // a variable, so bundlers and tsc leave it alone
  return import(specifier).then(
    (m: unknown) => {
      const def = (m as { default?: unknown }).default;
      const found = typeof def === 'object' && def !== null ? def : m;
      module = typeof found === 'object' && found !== null ? found : undefined;
      state = module ? 'loaded' : 'absent';
    },
    () => {
      state = 'absent';
    },
  );
})();

/** node:crypto once loaded, else undefined (still loading, or absent). */
export function runtimeModule(): object | undefined {
  return module;
}

export function runtimeModuleState(): RuntimeModuleState {
  return state;
}
