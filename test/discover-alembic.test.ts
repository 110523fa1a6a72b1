import { describe, expect, it } from 'vitest';
import { discoverMigrations } from '../src/discover/index.js';
import {
  discoverAlembic,
  findAlembicIni,
  scriptLayout,
  versionFolders,
  alembic,
} from '../src/discover/alembic.js';
import { revisionGraph } from '../src/discover/alembic/graph.js';
import { readRevision } from '../src/discover/alembic/revisions.js';
import { InputError } from '../src/core/errors.js';
import { defaultSettings } from '../src/config/settings.js';
import { initSqlParser } from '../src/sql/split.js';
import { alembicTool, runsWith } from './helpers/tools.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve('.');
const withAlembic = runsWith(alembicTool(), 'discovery through Alembic');
const LINEAR = 'fixtures/formats/alembic/linear/migrations';
const TWO_HEADS = 'fixtures/formats/alembic/two-heads/migrations';
const MERGED = 'fixtures/formats/alembic/merged-heads/migrations';

function revisionText(id: string, down: string, extra = ''): string {
  return `"""${id}\n\nCreate Date: 2024-01-01 00:00:0${id.length % 10}\n"""\nrevision = '${id}'\ndown_revision = ${down}\n${extra}\n\ndef upgrade():\n    pass\n`;
}

describe('revision files read as text', () => {
  it('reads plain, annotated and multi-line tuple assignments with their lines', () => {
    const r = readRevision(
      'v/c.py',
      [
        '"""merge heads',
        '',
        'Create Date: 2024-04-15 08:30:12.004519',
        '"""',
        "revision: str = 'c0'",
        'down_revision: tuple[str, ...] = (  # two parents',
        "    'a0',",
        '    "b0",',
        ')',
        "branch_labels = ('billing',)",
        "depends_on = 'd0'",
        '',
        'def upgrade() -> None:',
        '    pass',
        '',
        'def downgrade() -> None:',
        '    pass',
      ].join('\n'),
    );
    expect(r).toMatchObject({
      id: 'c0',
      message: 'merge heads',
      parents: ['a0', 'b0'],
      branchLabels: ['billing'],
      dependsOn: ['d0'],
      revisionLine: 5,
      parentsLine: 6,
      dependsOnLine: 11,
      upgradeLine: 13,
      downgradeLine: 16,
      createDate: '2024-04-15 08:30:12.004519',
    });
  });

  it('skips a Python file without a revision and refuses a computed down_revision', () => {
    expect(readRevision('v/util.py', 'def helper():\n    return 1\n')).toBeUndefined();
    expect(() => readRevision('v/x.py', "revision = 'x1'\ndown_revision = PARENT\n")).toThrow(
      new InputError(
        'v/x.py:2: down_revision must be None, a string or a tuple of strings (schemagate reads revision files without running them), got PARENT',
      ),
    );
  });
});

describe('revision graph', () => {
  const rev = (file: string, id: string, down: string, extra = '') =>
    readRevision(file, revisionText(id, down, extra))!;

  it('orders parents first and a merge after both of its parents', () => {
    const g = revisionGraph([
      rev('v/m.py', 'mmmm', "('aa', 'bbb')"),
      rev('v/b.py', 'bbb', "'root'"),
      rev('v/a.py', 'aa', "'root'"),
      rev('v/r.py', 'root', 'None'),
    ]);
    expect(g.ordered.map((r) => r.id)).toEqual(['root', 'aa', 'bbb', 'mmmm']);
    expect(g.findings).toEqual([]);
    expect(g.broken).toBe(false);
  });

  it('reports a missing parent, a duplicate id and a cycle at the offending lines', () => {
    const g = revisionGraph([
      rev('v/r.py', 'root', 'None'),
      rev('v/r2.py', 'root', 'None'),
      rev('v/o.py', 'orphan', "'gone'"),
      rev('v/x.py', 'xx', "'yyy'"),
      rev('v/y.py', 'yyy', "'xx'"),
    ]);
    expect(g.broken).toBe(true);
    expect(g.findings.map((f) => [f.rule, f.severity, f.file, f.line, f.message])).toEqual([
      [
        'alembic-duplicate-revision',
        'blocker',
        'v/r2.py',
        5,
        'revision root is declared twice: v/r.py and v/r2.py; Alembic refuses to load a script directory with a duplicate revision id',
      ],
      [
        'alembic-missing-parent',
        'blocker',
        'v/o.py',
        6,
        'revision orphan names gone in down_revision, but no revision file declares gone; Alembic stops with "Revision gone referenced from orphan is not present"',
      ],
      [
        'alembic-cycle',
        'blocker',
        'v/x.py',
        6,
        'the revisions xx → yyy → xx revise each other in a cycle; Alembic cannot order them and refuses the script directory',
      ],
    ]);
    expect(g.stranded.map((r) => r.id)).toEqual(['xx', 'yyy']);
  });

  it('accepts heads of differently labelled branches and a depends_on by label', () => {
    const g = revisionGraph([
      rev('v/r.py', 'root', 'None'),
      rev('v/a.py', 'aa', "'root'", "branch_labels = ('billing',)"),
      rev('v/b.py', 'bbb', "'root'", "branch_labels = ('reports',)\ndepends_on = 'billing'"),
    ]);
    expect(g.findings).toEqual([]);
    expect(g.ordered.map((r) => r.id)).toEqual(['root', 'aa', 'bbb']);
  });
});

describe.runIf(withAlembic)('Alembic discovery through Alembic itself', () => {
  it('recognises the layout from the script location and from its versions folder', async () => {
    await initSqlParser();
    const d = await discoverMigrations(ROOT, LINEAR, 'auto');
    expect(d.format).toBe('alembic');
    expect(d.reason).toBe('found env.py and 3 Alembic revision files in versions/');
    expect(scriptLayout(resolve(LINEAR, 'versions')).scriptLocation).toBe(resolve(LINEAR));
    expect(findAlembicIni(ROOT, resolve(LINEAR))).toBe(
      resolve('fixtures/formats/alembic/linear/alembic.ini'),
    );
  });

  it('generates each revision’s SQL and attributes statements to the op.* calls', async () => {
    await initSqlParser();
    const d = await discoverAlembic(ROOT, LINEAR);
    expect(d.findings).toEqual([]);
    const users = d.migrations[1];
    expect(users).toMatchObject({
      id: '8c41e7b2d913',
      name: 'create users',
      format: 'alembic',
      sortKey: [1],
      file: `${LINEAR}/versions/8c41e7b2d913_create_users.py`,
      parents: ['3f2a9c1d0b7e'],
      parentsLine: 14,
      state: 'new',
    });
    expect(users.up.transaction).toBe('transaction');
    expect(users.up.statements.map((s) => [s.kind, s.line, s.endLine, s.sql])).toEqual([
      [
        'CreateStmt',
        20,
        26,
        'CREATE TABLE users (\n    id BIGINT GENERATED BY DEFAULT AS IDENTITY, \n    account_id BIGINT NOT NULL, \n    email TEXT NOT NULL, \n    full_name TEXT, \n    PRIMARY KEY (id), \n    FOREIGN KEY(account_id) REFERENCES accounts (id)\n)',
      ],
      ['IndexStmt', 27, 27, 'CREATE INDEX users_account_id_idx ON users (account_id)'],
      [
        'AlterTableStmt',
        28,
        28,
        'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (account_id, email)',
      ],
    ]);
    expect(users.down?.statements.map((s) => [s.line, s.sql])).toEqual([
      [32, 'ALTER TABLE users DROP CONSTRAINT users_email_key'],
      [33, 'DROP INDEX users_account_id_idx'],
      [34, 'DROP TABLE users'],
    ]);
    const all = d.migrations.flatMap((m) => m.up.statements.map((s) => s.sql));
    expect(all.some((s) => /alembic_version|^BEGIN|^COMMIT/i.test(s))).toBe(false);
  });

  it('orders a merge revision after both heads and reads batch operations and ignores', async () => {
    await initSqlParser();
    const d = await discoverAlembic(ROOT, MERGED);
    expect(d.findings).toEqual([]);
    expect(d.migrations.map((m) => m.id)).toEqual([
      '3f2a9c1d0b7e',
      '8c41e7b2d913',
      'a91c3e5f2d10',
      'b5d8f0a27c44',
      'c07e4b9a1f36',
      'e2f9a7c31d58',
    ]);
    const merge = d.migrations[4];
    expect(merge.parents).toEqual(['a91c3e5f2d10', 'b5d8f0a27c44']);
    expect(merge.up.statements).toEqual([]);
    expect(merge.down).toEqual({ file: merge.file, transaction: 'transaction', statements: [] });
    const currency = d.migrations[5];
    expect(currency.up.statements.map((s) => [s.line, s.endLine, s.sql])).toEqual([
      [20, 23, "ALTER TABLE invoices ADD COLUMN currency CHAR(3) DEFAULT 'EUR' NOT NULL"],
      [
        25,
        27,
        'ALTER TABLE invoices ADD CONSTRAINT invoices_currency_upper CHECK (currency = upper(currency))',
      ],
      [28, 30, 'ALTER TABLE users ALTER COLUMN full_name TYPE VARCHAR(200)'],
      [28, 30, 'CREATE INDEX users_full_name_idx ON users (full_name)'],
    ]);
    expect(currency.up.statements[1].ignores).toEqual([
      {
        rule: 'constraint-without-not-valid',
        reason: 'invoices is small; the scan takes milliseconds',
        line: 24,
      },
    ]);
  });

  it('reports a second head at the newest head’s down_revision', async () => {
    await initSqlParser();
    const d = await discoverAlembic(ROOT, TWO_HEADS);
    expect(d.findings).toEqual([
      {
        gate: 'graph',
        rule: 'alembic-multiple-heads',
        severity: 'blocker',
        file: `${TWO_HEADS}/versions/b5d8f0a27c44_create_invoices.py`,
        line: 14,
        endLine: 14,
        message: `revision b5d8f0a27c44 is a second head next to a91c3e5f2d10 (${TWO_HEADS}/versions/a91c3e5f2d10_add_users_last_login.py): both revise an older revision and nothing merges them, so \`alembic upgrade head\` stops with "Multiple head revisions are present"`,
        help: `Revise the other head instead (down_revision = 'a91c3e5f2d10'), or add a merge revision: alembic merge -m "merge heads" a91c3e5f2d10 b5d8f0a27c44`,
        docs: 'docs/rules/alembic-multiple-heads.md',
      },
    ]);
    expect(d.migrations).toHaveLength(4);
    expect(d.migrations[3].up.statements).toHaveLength(2);
  });
});

describe('Alembic discovery without Alembic', () => {
  it('says how to install Alembic when the interpreter cannot import it', async () => {
    await initSqlParser();
    await expect(
      discoverMigrations(ROOT, LINEAR, 'alembic', {
        ...defaultSettings(),
        alembic: { python: '/nonexistent/python3' },
      }),
    ).rejects.toThrow(
      new InputError(
        '/nonexistent/python3 (alembic.python in .schemagate.yml) cannot import alembic; install Alembic for it: `apt-get install python3-alembic python3-sqlalchemy python3-psycopg2` or `pip install alembic psycopg2-binary`, or set python: in .schemagate.yml to an interpreter that has it',
      ),
    );
  });
});

describe('version_locations', () => {
  const DIR = 'fixtures/formats/alembic/version-locations/migrations';

  it.runIf(withAlembic)(
    'reads revisions from every folder alembic.ini lists and renders them through Alembic',
    async () => {
      await initSqlParser();
      const d = await discoverMigrations(ROOT, DIR, 'auto');
      expect(d.format).toBe('alembic');
      expect(d.reason).toBe(
        'found env.py and 3 Alembic revision files in versions/, billing_versions/',
      );
      // env.py does not set transaction_per_migration: the upgrade is one transaction.
      expect(d.oneTransaction).toBe(true);
      expect(d.findings).toEqual([]);
      expect(d.migrations.map((m) => [m.id, m.file, m.up.statements[0]?.kind])).toEqual([
        ['3f2a9c1d0b7e', `${DIR}/versions/3f2a9c1d0b7e_create_accounts.py`, 'CreateStmt'],
        ['8c41e7b2d913', `${DIR}/versions/8c41e7b2d913_create_users.py`, 'CreateStmt'],
        ['d7e05a6b4c21', `${DIR}/billing_versions/d7e05a6b4c21_create_invoices.py`, 'CreateStmt'],
      ]);
    },
  );

  it('splits the locations by the configured separator and reads subfolders when recursive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schemagate-alembic-ini-'));
    try {
      const ini = join(dir, 'alembic.ini');
      const folders = (text: string) => {
        writeFileSync(ini, text);
        return versionFolders(ini, join(dir, 'migrations', 'versions'));
      };
      expect(folders('[alembic]\nscript_location = migrations\n')).toEqual({
        folders: [join(dir, 'migrations', 'versions')],
        recursive: false,
      });
      expect(
        folders(
          '[alembic]\nversion_locations = %(here)s/a, b\nrecursive_version_locations = true\n',
        ),
      ).toEqual({ folders: [join(dir, 'a'), join(dir, 'b')], recursive: true });
      expect(
        folders(
          '[alembic]\npath_separator = ;\nversion_locations = a dir;b\n[other]\nversion_locations = c\n',
        ),
      ).toEqual({ folders: [join(dir, 'a dir'), join(dir, 'b')], recursive: false });
      expect(
        folders('[alembic]\nversion_path_separator = newline\nversion_locations =\n    a\n    b\n'),
      ).toEqual({ folders: [join(dir, 'a'), join(dir, 'b')], recursive: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds revision files in subfolders of a recursive version location', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schemagate-alembic-rec-'));
    try {
      mkdirSync(join(dir, 'migrations', 'versions', '2024', '03'), { recursive: true });
      writeFileSync(join(dir, 'migrations', 'env.py'), '');
      writeFileSync(
        join(dir, 'alembic.ini'),
        '[alembic]\nscript_location = migrations\nrecursive_version_locations = true\n',
      );
      writeFileSync(
        join(dir, 'migrations', 'versions', '2024', '03', 'a1_create.py'),
        revisionText('a1', 'None'),
      );
      writeFileSync(join(dir, 'migrations', 'versions', 'b2_next.py'), revisionText('b2', "'a1'"));
      expect(await alembic.detect(join(dir, 'migrations'))).toBe(
        'found env.py and 2 Alembic revision files in versions/',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
