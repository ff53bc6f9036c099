import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { MSG } from '../wire/message-numbers.ts';
import { randomBytes } from '../crypto/random.ts';

/** SSH_MSG_KEXINIT (RFC 4253 §7.1). */
export interface KexInit {
  cookie: Uint8Array;
  kex: string[];
  hostKey: string[];
  cipherCtoS: string[];
  cipherStoC: string[];
  macCtoS: string[];
  macStoC: string[];
  compressionCtoS: string[];
  compressionStoC: string[];
  languagesCtoS: string[];
  languagesStoC: string[];
  firstKexPacketFollows: boolean;
}

export function encodeKexInit(k: Omit<KexInit, 'cookie'> & { cookie?: Uint8Array }): Uint8Array {
  const w = new Writer(512);
  w.byte(MSG.KEXINIT).raw(k.cookie ?? randomBytes(16));
  for (const list of [k.kex, k.hostKey, k.cipherCtoS, k.cipherStoC, k.macCtoS, k.macStoC, k.compressionCtoS, k.compressionStoC, k.languagesCtoS, k.languagesStoC]) {
    w.nameList(list);
  }
  w.boolean(k.firstKexPacketFollows).uint32(0);
  return w.bytes().slice();
}

export function decodeKexInit(payload: Uint8Array): KexInit {
  const r = new Reader(payload, 0, payload.length, 'KEXINIT');
  r.byte('type');
  const cookie = r.bytes(16, 'cookie').slice();
  const k: KexInit = {
    cookie,
    kex: r.nameList('kex_algorithms'),
    hostKey: r.nameList('server_host_key_algorithms'),
    cipherCtoS: r.nameList('encryption_algorithms_client_to_server'),
    cipherStoC: r.nameList('encryption_algorithms_server_to_client'),
    macCtoS: r.nameList('mac_algorithms_client_to_server'),
    macStoC: r.nameList('mac_algorithms_server_to_client'),
    compressionCtoS: r.nameList('compression_algorithms_client_to_server'),
    compressionStoC: r.nameList('compression_algorithms_server_to_client'),
    languagesCtoS: r.nameList('languages_client_to_server'),
    languagesStoC: r.nameList('languages_server_to_client'),
    firstKexPacketFollows: r.boolean('first_kex_packet_follows'),
  };
  r.uint32('reserved');
  // RFC 4253 §7.1 allows nothing after the reserved field.
  r.done();
  return k;
}
