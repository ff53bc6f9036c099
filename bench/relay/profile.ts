/**
 * `--profile`: one more transfer per route, cipher and direction for each
 * hopssh library peer, after the timed ones, under `node --cpu-prof`; its
 * profile summarized by category (profile-categories.ts) over the relay
 * itself — the samples between the peer's exec request and its exit status
 * (the peer reports that window on process.hrtime's clock, which is V8's).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORIES, selfTimeByCategory, type CategoryTimes, type CpuProfile } from './profile-categories.ts';
import type { PeerName } from './peers.ts';

/** The peers --profile profiles: hopssh's library, with either provider choice. */
export const PROFILED_PEERS: readonly PeerName[] = ['hopssh', 'hopssh-noble'];

/** Sampling interval, µs (node's default is 1000: too few samples in a sub-second relay). */
export const CPU_PROF_INTERVAL_US = 250;

/** Node options that make the peer write its profile(s) into `dir` at exit. */
export const cpuProfArgs = (dir: string): string[] => ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${CPU_PROF_INTERVAL_US}`];

const ROOT_URL = new URL('../../', import.meta.url).href;
/** A script's address relative to the repository (or the bench build's copy of it): "src/crypto/aes-wasm.js". */
const shortUrl = (url: string): string => (url.startsWith(ROOT_URL) ? url.slice(ROOT_URL.length).replace(/^node_modules\/\.cache\/hopssh-bench-relay-\d+\/out\//, '') : url);

/** A fresh directory for one profiled run. */
export function profileDir(parent: string, n: number): string {
  const dir = join(parent, `cpu-prof-${n}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Every thread's profile in `dir` (node writes one per thread), summed by
 * category within `window`; wallUs is the longest thread's. Removes `dir`.
 */
export function readProfiles(dir: string, window: readonly [number, number]): CategoryTimes & { threads: number } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`--profile: the peer wrote no .cpuprofile into ${dir}`);
  const each = files.map((f) => selfTimeByCategory(JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile, window));
  rmSync(dir, { recursive: true, force: true });
  const wallUs = Math.max(...each.map((t) => t.wallUs));
  if (wallUs === 0) throw new Error(`--profile: no sample within the relay window ${window.join('–')} µs (the peer's clock is not the profile's?)`);
  const us = Object.fromEntries(CATEGORIES.map((c) => [c, each.reduce((s, t) => s + t.us[c], 0)])) as CategoryTimes['us'];
  const top = each
    .flatMap((t) => t.top)
    .sort((a, b) => b.us - a.us)
    .slice(0, 10)
    .map((f) => ({ ...f, url: shortUrl(f.url) }));
  return { us, wallUs, top, threads: files.length };
}
