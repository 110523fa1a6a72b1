import { describe, expect, it } from 'vitest';
import type { Discovery, Finding, Format, Migration } from '../src/core/model.js';
import type { GateContext } from '../src/gates/gate.js';
import {
  duplicateVersionFindings,
  mergedEditedFindings,
  outOfOrderFindings,
} from '../src/gates/graph/integrity.js';
import {
  heads,
  missingParentFindings,
  multipleHeadsFindings,
} from '../src/gates/graph/revisions.js';

function migration(id: string, format: Format = 'golang-migrate'): Migration {
  const file = `db/${id}_x.sql`;
  return {
    id,
    name: 'x',
    format,
    sortKey: id.split('.').map(Number),
    file,
    up: { file, transaction: 'transaction', statements: [] },
    checksum: id,
    state: 'new',
  };
}

function context(
  format: Format,
  merged: Migration[],
  added: Migration[],
  findings: Finding[] = [],
): GateContext {
  const discovery: Discovery = {
    format,
    reason: '',
    migrations: [...merged, ...added],
    findings,
    notes: [],
  };
  return { discovery, plan: { merged, added, changed: [], removed: [] } } as unknown as GateContext;
}

const outOfOrder = (format: Format) =>
  outOfOrderFindings(
    context(format, [migration('1', format), migration('3', format)], [migration('2', format)]),
  );

describe('out-of-order', () => {
  it('says what each production tool does with a version below the newest merged one', () => {
    expect(outOfOrder('goose')[0].message).toBe(
      'new migration 2 sorts before 3 (db/3_x.sql), the newest merged one; goose refuses it: `goose up` on a database at 3 fails with "found 1 missing migrations" unless run with -allow-missing, which then applies 2 after 3',
    );
    expect(outOfOrder('flyway')[0].message).toContain(
      'Flyway refuses it with outOfOrder=false (the default): migrate fails validation with "Detected resolved migration not applied to database: 2"',
    );
    expect(outOfOrder('dbmate')[0].message).toContain(
      'dbmate applies it anyway: production runs 2 after 3, the reverse of the order a fresh database uses',
    );
    expect(outOfOrder('drizzle')[0].message).toContain(
      'drizzle-orm does not order by index: on a database at 3 it runs 2 after 3',
    );
    expect(outOfOrder('plain')[0].message).toContain(
      'the production tool either skips it or runs it after 3',
    );
  });

  it('places the finding on the new file and leaves newer versions and Alembic alone', () => {
    expect(outOfOrder('goose').map((f) => [f.rule, f.severity, f.file, f.line])).toEqual([
      ['out-of-order', 'blocker', 'db/2_x.sql', 1],
    ]);
    expect(
      outOfOrderFindings(context('goose', [migration('1'), migration('3')], [migration('4')])),
    ).toEqual([]);
    expect(outOfOrder('alembic')).toEqual([]);
  });

  it('warns instead under Flyway outOfOrder=true, saying which order each database uses', () => {
    const flyway = (id: string) => migration(id, 'flyway');
    const ctx = context('flyway', [flyway('1'), flyway('2'), flyway('3')], [flyway('1.5')]);
    ctx.discovery.outOfOrder = true;
    expect(
      outOfOrderFindings(ctx).map((f) => [f.rule, f.severity, f.file, f.line, f.message, f.help]),
    ).toEqual([
      [
        'out-of-order',
        'warning',
        'db/1.5_x.sql',
        1,
        'new migration 1.5 sorts before 3 (db/3_x.sql), the newest merged one; Flyway is configured with outOfOrder=true, so databases already at 3 (production) run 1.5 after 3, while fresh databases (CI, new tenants, restores) run it before 2, 3',
        'Make sure 1.5 and the merged versions after it (2, 3) touch different objects, so that both orders give the same schema, or renumber it after 3 so that every database applies it last.',
      ],
    ]);
    // Other tools do not read Flyway's setting.
    const goose = context('goose', [migration('1'), migration('3')], [migration('2')]);
    goose.discovery.outOfOrder = true;
    expect(outOfOrderFindings(goose).map((f) => f.severity)).toEqual(['blocker']);
  });

  it('compares versions numerically, not as text', () => {
    const ctx = context('flyway', [migration('1.9')], [migration('1.10')]);
    expect(outOfOrderFindings(ctx)).toEqual([]);
  });
});

describe('duplicate-version', () => {
  it('reports the second file of a version', () => {
    const a = migration('2');
    const b = { ...migration('2'), file: 'db/2_y.sql' };
    const found = duplicateVersionFindings(context('goose', [migration('1')], [a, b]));
    expect(found.map((f) => [f.rule, f.severity, f.file, f.line, f.message])).toEqual([
      [
        'duplicate-version',
        'blocker',
        'db/2_y.sql',
        1,
        'version 2 is used twice: db/2_x.sql and db/2_y.sql; the production tool records one version once and fails or skips the other',
      ],
    ]);
  });

  it('leaves it to discovery when discovery already reported it', () => {
    const reported: Finding = {
      gate: 'replay',
      rule: 'duplicate-version',
      severity: 'blocker',
      message: 'x',
    };
    const ctx = context(
      'goose',
      [],
      [migration('2'), { ...migration('2'), file: 'db/2_y.sql' }],
      [reported],
    );
    expect(duplicateVersionFindings(ctx)).toEqual([]);
  });
});

function revision(id: string, parents: string[]): Migration {
  return {
    ...migration(id, 'alembic'),
    file: `alembic/versions/${id}_x.py`,
    parents,
    parentsLine: 9,
  };
}

describe('alembic revision graph', () => {
  const base = revision('a1', []);
  const second = revision('b2', ['a1']);

  it('finds the heads of a revision graph, merges included', () => {
    expect(heads([base, second, revision('c3', ['a1'])]).map((m) => m.id)).toEqual(['b2', 'c3']);
    expect(
      heads([base, second, revision('c3', ['a1']), revision('d4', ['b2', 'c3'])]).map((m) => m.id),
    ).toEqual(['d4']);
  });

  it('blocks a new revision that branches the history, at its down_revision line', () => {
    const branch = revision('c3', ['a1']);
    const found = multipleHeadsFindings(context('alembic', [base, second], [branch]));
    expect(found.map((f) => [f.rule, f.severity, f.file, f.line, f.message])).toEqual([
      [
        'alembic-multiple-heads',
        'blocker',
        'alembic/versions/c3_x.py',
        9,
        'revision c3 makes the history branch: heads b2, c3; `alembic upgrade head` fails with "Multiple head revisions are present"',
      ],
    ]);
    expect(
      multipleHeadsFindings(context('alembic', [base, second], [revision('c3', ['b2'])])),
    ).toEqual([]);
  });

  it('blocks a down_revision no file defines', () => {
    const found = missingParentFindings(context('alembic', [base], [revision('c3', ['zz9'])]));
    expect(found.map((f) => [f.rule, f.severity, f.file, f.line])).toEqual([
      ['alembic-missing-parent', 'blocker', 'alembic/versions/c3_x.py', 9],
    ]);
    expect(found[0].message).toContain(
      'revision c3 names down_revision zz9, which no migration file defines',
    );
  });
});

describe('merged-migration-edited', () => {
  const withStatements = (m: Migration, sqls: string[]): Migration => ({
    ...m,
    up: {
      ...m.up,
      statements: sqls.map((sql, i) => ({
        sql,
        file: m.file,
        line: 3 * i + 1,
        endLine: 3 * i + 1,
        kind: 'X',
        ignores: [],
      })),
    },
  });
  const edit = (format: Format, before: string[], after: string[]) => {
    const base = withStatements(migration('2', format), before);
    const head = { ...withStatements(migration('2', format), after), state: 'changed' as const };
    return mergedEditedFindings({ plan: { changed: [{ base, head }] } } as unknown as GateContext);
  };

  it('points at the first statement that differs', () => {
    expect(
      edit(
        'goose',
        ['create table a (id int)', 'create index i on a (id)'],
        ['create table a (id int)', 'create index j on a (id)'],
      ).map((f) => [f.rule, f.severity, f.file, f.line]),
    ).toEqual([['merged-migration-edited', 'blocker', 'db/2_x.sql', 4]]);
  });

  it('ignores comment-only edits except under Flyway, whose checksum covers the whole file', () => {
    expect(edit('goose', ['create table a (id int)'], ['create table a (id int)'])).toEqual([]);
    const found = edit('flyway', ['create table a (id int)'], ['create table a (id int)']);
    expect(found.map((f) => [f.rule, f.severity, f.line])).toEqual([
      ['merged-migration-edited', 'blocker', 1],
    ]);
    expect(found[0].message).toContain('Migration checksum mismatch for migration version 2');
  });
});
