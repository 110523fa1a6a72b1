import { describe, expect, it } from 'vitest';
import { discoverMigrations } from '../src/discover/index.js';
import { initSqlParser } from '../src/sql/split.js';
import { ids } from './discover-support.js';

/**
 * A Spring Boot service whose Flyway folder keeps SQL callbacks beside the migrations
 * (afterMigrate.sql re-granting a reporting role after every migrate):
 * they are named as callbacks in the notes, not as files Flyway ignores.
 */
const dir = 'fixtures/formats/flyway-callbacks/src/main/resources/db/migration';

describe('Flyway callbacks', () => {
  it('names afterMigrate.sql and beforeMigrate__x.sql as callbacks and reads the migrations around them', async () => {
    await initSqlParser();
    const d = await discoverMigrations(process.cwd(), dir, 'auto');
    expect(d.format).toBe('flyway');
    expect(d.reason).toBe(
      'found 3 files named V{version}__{description}.sql or R__{description}.sql',
    );
    expect(ids(d)).toEqual(['1.1', '1.2', '1.10']);
    expect(d.findings).toEqual([]);
    expect(d.notes).toEqual([
      `${dir}/afterMigrate.sql is a Flyway callback (afterMigrate): Flyway runs it after every migrate; this check does not run callbacks, so what it creates or grants is missing from the replayed databases`,
      `${dir}/beforeMigrate__lock_timeout.sql is a Flyway callback (beforeMigrate): Flyway runs it before every migrate; this check does not run callbacks, so what it creates or grants is missing from the replayed databases`,
      `${dir}/cleanup.sql is not named like a Flyway migration; Flyway ignores it, and so does this check`,
    ]);
  });
});
