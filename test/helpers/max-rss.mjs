// Preloaded with `node --import` into a process whose peak memory a test measures: on exit, writes
// the process's own peak resident set size in kilobytes (children such as Postgres excluded) to
// the file named by SCHEMAGATE_MAX_RSS_FILE.
import { writeFileSync } from 'node:fs';

const out = process.env.SCHEMAGATE_MAX_RSS_FILE;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
