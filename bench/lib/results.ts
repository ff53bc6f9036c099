/** Writing a bench's results: bench/results/<name>.json (the samples) and <name>.md (the report the README quotes). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RESULTS = new URL('../results/', import.meta.url);

/** Path of bench/results/<file>, wherever the bench was started from. */
export const resultsPath = (file: string): string => fileURLToPath(new URL(file, RESULTS));

/** Writes <name>.json (2-space JSON and a newline) unless `json` is undefined, and <name>.md as given; says so. */
export function writeResults(name: string, json: unknown, md: string): void {
  mkdirSync(RESULTS, { recursive: true });
  if (json !== undefined) writeFileSync(resultsPath(`${name}.json`), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(resultsPath(`${name}.md`), md);
  console.log(`wrote ${json === undefined ? '' : `bench/results/${name}.json and `}bench/results/${name}.md`);
}
