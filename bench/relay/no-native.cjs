'use strict';
/**
 * Preload (`node --require`) that makes ssh2's optional native binding
 * unloadable in this process only, so ssh2 takes its pure-JavaScript path.
 * ssh2 has no switch for it: lib/protocol/crypto.js just tries
 * `require('./crypto/build/Release/sshcrypto.node')` and falls back when
 * that throws; this makes it throw, as it does where the binding was never
 * built. Nothing else is touched.
 */
const Module = require('node:module');

const loadNative = Module._extensions['.node'];
Module._extensions['.node'] = function (module, filename) {
  if (filename.endsWith('/sshcrypto.node')) throw new Error('ssh2 native binding disabled for this benchmark peer');
  return loadNative.call(this, module, filename);
};
