import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  exitOf,
  lineFrom,
  noProcessesMentioning,
  processesMentioning,
  repoRoot,
  spawnTypeScript,
} from './providers-support.js';

// The program starts a primary with one replica, prints the cluster's directory and waits.
const program = `
import pg from 'pg';
import { embeddedProvider } from ${JSON.stringify(join(repoRoot, 'src/provision/embedded.ts'))};
import { silentLogger } from ${JSON.stringify(join(repoRoot, 'src/core/logger.ts'))};

const cluster = await embeddedProvider.start({ replicas: 1, logger: silentLogger });
const client = new pg.Client(cluster.primary);
await client.connect();
const { rows } = await client.query('show data_directory');
await client.end();
console.log('READY ' + rows[0].data_directory.replace(/\\/primary$/, ''));
setInterval(() => {}, 1000);
`;

describe('a cluster of a process that receives a signal', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`is stopped and removed on ${signal}`, async () => {
      const child = spawnTypeScript(`signal-${signal}`, program);
      let workDir = '';
      try {
        workDir = await lineFrom(child, 'READY ');
        expect(existsSync(join(workDir, 'replica_1'))).toBe(true);
        expect(processesMentioning(workDir).length).toBe(2);
      } finally {
        child.kill(signal);
      }
      expect(await exitOf(child)).toBe(signal === 'SIGTERM' ? 143 : 130);
      expect(await noProcessesMentioning(workDir)).toEqual([]);
      expect(existsSync(workDir)).toBe(false);
    });
  }
});
