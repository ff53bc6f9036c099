#!/usr/bin/env node
/**
 * The `hopssh` program (ssh(1)-compatible): `node --import tsx/esm
 * src/cli/hopssh.ts`, `bun src/cli/hopssh.ts`, `deno run -A
 * src/cli/hopssh.ts`, or bin/hopssh.js. Exits with main()'s status once
 * stdout and stderr are flushed.
 */
import { main } from './main.ts';

process.exit(await main(process.argv.slice(2)));
