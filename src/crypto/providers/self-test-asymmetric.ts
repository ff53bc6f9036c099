/**
 * Known-answer self-tests of the public-key operations (asymmetric-primitives.ts),
 * run on the runtime provider before it is ever used, as self-test.ts does
 * for ciphers. X25519: RFC 7748 §6.1, and a low-order peer refused. Ed25519:
 * RFC 8032 §7.1 TEST 2, plus a tampered message and a non-canonical S
 * (S + L) that must not verify. ECDSA: a fixed signature per curve must
 * verify, its high-S twin (n − s) too, and not over other data.
 */
import { NIST_CURVES } from '../kex-ecdh-nist.ts';
import { bigintToBytes, bytesToBigint } from '../../wire/mpint.ts';
import { constantTimeEqual, fromHex } from '../../wire/bytes.ts';
import type { AsymmetricId, AsymmetricProvider, EcdsaCurve } from './asymmetric-primitives.ts';

/** The order L of Ed25519's base point (RFC 8032 §5.1). */
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** Inputs the self-tests and the speed measurement share. */
export const X25519_VECTOR = {
  secretKey: fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
  publicKey: fromHex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'),
  peer: fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'),
  shared: fromHex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'),
};

export const ED25519_VECTOR = {
  seed: fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'),
  publicKey: fromHex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c'),
  message: fromHex('72'),
  signature: fromHex(
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  ),
};

/**
 * ECDSA verify vectors: the key with d = SHA-256("nistpNNN") mod (n − 1) + 1,
 * signing "hopssh self-test nistpNNN" with the curve's SSH hash (RFC 5656
 * §6.2.1), k by RFC 6979; made with noble and verified by OpenSSL.
 */
const ECDSA_VECTORS: Record<EcdsaCurve, { point: string; signature: string }> = {
  nistp256: {
    point: '043522634be5e4455c9445cfd008c52ec7f9fc56c9df3f8aa98ecfb5f77184bd2d69f0df98eab3c25b4cc7c65b5bda2316516be565c40ecea063730e8625381326',
    signature: '4514cf092e31f4032d59c4aa362a2c974367edfdb0e5009f960b9d1da288039b171a79f7eb586898feece82a02d5a44263486461ebfd6e6979cf42c2b27166f0',
  },
  nistp384: {
    point:
      '04b4594e35a33cd10e313078002a5945a97ffc16ba80e823397848b040d1d7f92aa42110f1a07dc3586b45937cc64e2ac81a75c2edcd67661ee78afa92a7e2290e' +
      '339ce98931d240aa188a7389839b0e88c76d6928c3cb3f4a936161fc4190f311',
    signature:
      'bd8b2e7f2157f5316483b6a42ec29a2786df4961070d3f25692c233380891bd99bdfd52648d66d9b137fc2cb1037efe77d8163ad367f974a0e5415d355fdeb2a' +
      '4eb3039c1c1db5cbf6c8cbfc935bcfc291cde8f19279f820788d310687b8ce97',
  },
  nistp521: {
    point:
      '040023573081eef7ff65cf348205bfc2929057f6f6c8da7b9dcf10cbee94c2d81ddd066e11a1b44e7a5d1daf5b518fbc5888b0a61da17c2f3de5411f704595f9c9' +
      'edac0167f69c4d283b9744926160d7119456b301344db9ff3dc016f3d1d9672f3846704f7e2cf48ce96cb6225016b357d3e77e7a337a5351f38e3c1734b1b848267641b1',
    signature:
      '00fd319bb118c88ee426c8e52a2ed7ef5f37118535362bc7a24e8e9eb62b504e7a4b6244b0fc0e32aad6d57bc7295758c8118903d3a2f9064b26aa2e8c80fb2d4a4f' +
      '001641798b553ab3468e21c0329863cf0d5dc23a678ca6710d03360259ccc572a85469b15c8d4534ffbfdadae844c6a6b35614087a96487dff4a2a8c956dfd6755b5',
  },
};

/** The ECDSA verify vector of `curve` (see ECDSA_VECTORS). */
export function ecdsaVector(curve: EcdsaCurve): { point: Uint8Array; message: Uint8Array; signature: Uint8Array } {
  const v = ECDSA_VECTORS[curve];
  return { point: fromHex(v.point), message: new TextEncoder().encode(`hopssh self-test ${curve}`), signature: fromHex(v.signature) };
}

function testX25519(p: AsymmetricProvider): boolean {
  const v = X25519_VECTOR;
  if (!constantTimeEqual(p.x25519PublicKey(v.secretKey), v.publicKey)) return false;
  if (!constantTimeEqual(p.x25519(v.secretKey, v.publicKey, v.peer), v.shared)) return false;
  // u = 0 has order 1: the result is all-zero and must be refused (RFC 7748 §6.1, RFC 8731 §3).
  try {
    p.x25519(v.secretKey, v.publicKey, new Uint8Array(32));
    return false;
  } catch {
    return true;
  }
}

function testEd25519(p: AsymmetricProvider): boolean {
  const v = ED25519_VECTOR;
  if (!constantTimeEqual(p.ed25519PublicKey(v.seed), v.publicKey)) return false;
  if (!constantTimeEqual(p.ed25519Sign(v.seed, v.publicKey, v.message), v.signature)) return false;
  if (!p.ed25519Verify(v.publicKey, v.signature, v.message)) return false;
  if (p.ed25519Verify(v.publicKey, v.signature, Uint8Array.of(0x73))) return false;
  // S + L encodes the same scalar non-canonically: RFC 8032 §5.1.7 rejects it.
  const s = bytesToBigint(v.signature.slice(32).reverse()) + ED25519_L;
  const malleated = v.signature.slice();
  malleated.set(bigintToBytes(s, 32).reverse(), 32);
  return !p.ed25519Verify(v.publicKey, malleated, v.message);
}

function testEcdsa(p: AsymmetricProvider, curve: EcdsaCurve): boolean {
  const v = ecdsaVector(curve);
  const fn = NIST_CURVES[curve].curve.Point.Fn;
  if (!p.ecdsaVerify(curve, v.point, v.signature, v.message)) return false;
  const twin = v.signature.slice();
  twin.set(bigintToBytes(fn.ORDER - bytesToBigint(v.signature.subarray(fn.BYTES)), fn.BYTES), fn.BYTES);
  if (!p.ecdsaVerify(curve, v.point, twin, v.message)) return false;
  return !p.ecdsaVerify(curve, v.point, v.signature, new TextEncoder().encode('another message'));
}

/** Runs the known-answer test of `id` on `p`. False when it fails or throws. */
export function asymmetricSelfTest(p: AsymmetricProvider, id: AsymmetricId): boolean {
  try {
    switch (id) {
      case 'x25519':
        return testX25519(p);
      case 'ed25519':
        return testEd25519(p);
      case 'ecdsa-nistp256':
        return testEcdsa(p, 'nistp256');
      case 'ecdsa-nistp384':
        return testEcdsa(p, 'nistp384');
      case 'ecdsa-nistp521':
        return testEcdsa(p, 'nistp521');
    }
  } catch {
    return false;
  }
}
