/**
 * The benchmark's workload: a SaaS schema's golang-migrate history (tables with foreign keys,
 * added columns, indexes, an enum, a backfill, an RLS policy), written into a git repository with
 * a base commit and a PR commit that adds the last `pr` migrations.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WorkloadMigration {
  name: string;
  up: string;
  down: string;
}

/** The 22 migrations of the workload. */
function core(): WorkloadMigration[] {
  return [
    m(
      'create_accounts',
      `create table accounts (
  id bigserial primary key,
  name text not null,
  created_at timestamptz not null default now()
);`,
      'drop table accounts;',
    ),
    m(
      'create_users',
      `create table users (
  id bigserial primary key,
  account_id bigint not null references accounts (id),
  email text not null,
  created_at timestamptz not null default now()
);
create index users_account_id_idx on users (account_id);`,
      'drop table users;',
    ),
    m(
      'create_plan_tier',
      `create type plan_tier as enum ('free', 'team', 'enterprise');`,
      'drop type plan_tier;',
    ),
    m(
      'create_plans',
      `create table plans (
  id bigserial primary key,
  tier plan_tier not null default 'free',
  price_cents integer not null
);`,
      'drop table plans;',
    ),
    m(
      'create_subscriptions',
      `create table subscriptions (
  id bigserial primary key,
  account_id bigint not null references accounts (id),
  plan_id bigint not null references plans (id),
  started_at timestamptz not null default now()
);
create index subscriptions_account_id_idx on subscriptions (account_id);
create index subscriptions_plan_id_idx on subscriptions (plan_id);`,
      'drop table subscriptions;',
    ),
    m(
      'create_invoices',
      `create table invoices (
  id bigserial primary key,
  subscription_id bigint not null references subscriptions (id),
  total numeric(12, 2) not null default 0,
  created_at timestamptz not null default now()
);
create index invoices_subscription_id_idx on invoices (subscription_id);`,
      'drop table invoices;',
    ),
    m(
      'add_accounts_tier',
      `alter table accounts add column tier plan_tier not null default 'free';`,
      'alter table accounts drop column tier;',
    ),
    m(
      'index_invoices_created_at',
      'create index invoices_created_at_idx on invoices (created_at);',
      'drop index invoices_created_at_idx;',
    ),
    m(
      'create_projects',
      `create table projects (
  id bigserial primary key,
  account_id bigint not null references accounts (id),
  name text not null
);
create index projects_account_id_idx on projects (account_id);`,
      'drop table projects;',
    ),
    m(
      'create_tasks',
      `create table tasks (
  id bigserial primary key,
  account_id bigint not null references accounts (id),
  project_id bigint not null references projects (id),
  assignee_id bigint references users (id),
  title text not null
);
create index tasks_account_id_idx on tasks (account_id);
create index tasks_project_id_idx on tasks (project_id);
create index tasks_assignee_id_idx on tasks (assignee_id);`,
      'drop table tasks;',
    ),
    m(
      'add_tasks_due_at',
      'alter table tasks add column due_at timestamptz;',
      'alter table tasks drop column due_at;',
    ),
    m(
      'index_tasks_due_at',
      'create index tasks_project_due_idx on tasks (project_id, due_at);',
      'drop index tasks_project_due_idx;',
    ),
    m(
      'create_comments',
      `create table comments (
  id bigserial primary key,
  task_id bigint not null references tasks (id),
  author_id bigint not null references users (id),
  body text not null,
  created_at timestamptz not null default now()
);
create index comments_task_id_idx on comments (task_id);
create index comments_author_id_idx on comments (author_id);`,
      'drop table comments;',
    ),
    m(
      'add_users_last_login',
      'alter table users add column last_login_at timestamptz;',
      'alter table users drop column last_login_at;',
    ),
    m(
      'create_audit_log',
      `create table audit_log (
  id bigserial primary key,
  account_id bigint not null references accounts (id),
  action text not null,
  payload jsonb not null default '{}',
  at timestamptz not null default now()
);
create index audit_log_account_id_idx on audit_log (account_id, at);`,
      'drop table audit_log;',
    ),
    m(
      'create_tags',
      `create table tags (
  id bigserial primary key,
  account_id bigint not null references accounts (id),
  name text not null,
  unique (account_id, name)
);
create table task_tags (
  task_id bigint not null references tasks (id),
  tag_id bigint not null references tags (id),
  primary key (task_id, tag_id)
);
create index task_tags_tag_id_idx on task_tags (tag_id);`,
      'drop table task_tags;\ndrop table tags;',
    ),
    m(
      'add_projects_archived',
      'alter table projects add column archived boolean not null default false;',
      'alter table projects drop column archived;',
    ),
    m(
      'index_active_projects',
      'create index projects_active_idx on projects (account_id) where not archived;',
      'drop index projects_active_idx;',
    ),
    // The PR: a column with a backfill, an index, an RLS policy, a new table.
    m(
      'add_invoices_amount_cents',
      `alter table invoices add column amount_cents bigint;
update invoices set amount_cents = (total * 100)::bigint;`,
      'alter table invoices drop column amount_cents;',
    ),
    m(
      'index_users_email',
      'create index users_email_idx on users (email);',
      'drop index users_email_idx;',
    ),
    m(
      'tasks_rls',
      `alter table tasks enable row level security;
create policy tasks_by_account on tasks
  using (account_id = current_setting('app.account_id', true)::bigint);`,
      'drop policy tasks_by_account on tasks;\nalter table tasks disable row level security;',
    ),
    m(
      'create_notifications',
      `create table notifications (
  id bigserial primary key,
  user_id bigint not null references users (id),
  kind text not null,
  read_at timestamptz
);
create index notifications_user_id_idx on notifications (user_id);`,
      'drop table notifications;',
    ),
  ];
}

function m(name: string, up: string, down: string): WorkloadMigration {
  return { name, up, down };
}

/**
 * `count` migrations: the 22 of the workload, the PR's 4 last; beyond 22, more tables with
 * foreign keys, columns and indexes are merged before the PR's.
 */
export function workload(count: number): WorkloadMigration[] {
  const all = core();
  const pr = all.splice(all.length - 4);
  for (let i = 0; all.length + pr.length < count; i++) {
    const t = `extra_${i}`;
    all.push(
      i % 2 === 0
        ? m(
            `create_${t}`,
            `create table ${t} (
  id bigserial primary key,
  account_id bigint not null references accounts (id),
  label text not null
);
create index ${t}_account_id_idx on ${t} (account_id);`,
            `drop table ${t};`,
          )
        : m(
            `add_extra_${i - 1}_note`,
            `alter table extra_${i - 1} add column note text;`,
            `alter table extra_${i - 1} drop column note;`,
          ),
    );
  }
  return [...all, ...pr];
}

const fileName = (i: number, name: string, direction: 'up' | 'down') =>
  `${String(i + 1).padStart(6, '0')}_${name}.${direction}.sql`;

/** Writes the migrations as golang-migrate files into `dir`. */
function writeMigrations(dir: string, ms: WorkloadMigration[], from = 0): void {
  mkdirSync(dir, { recursive: true });
  for (const [j, mig] of ms.entries()) {
    writeFileSync(join(dir, fileName(from + j, mig.name, 'up')), `${mig.up}\n`);
    writeFileSync(join(dir, fileName(from + j, mig.name, 'down')), `${mig.down}\n`);
  }
}

/**
 * A git repository at `root` whose commit tagged `base` holds all migrations but the last `pr`,
 * and whose HEAD adds those: `schemagate check db/migrations --base base` checks the PR.
 */
export function writeRepository(root: string, ms: WorkloadMigration[], pr: number): string {
  const dir = join(root, 'db/migrations');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: root,
      stdio: 'ignore',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_AUTHOR_NAME: 'bench',
        GIT_AUTHOR_EMAIL: 'bench@example.com',
        GIT_COMMITTER_NAME: 'bench',
        GIT_COMMITTER_EMAIL: 'bench@example.com',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: root,
      },
    });
  mkdirSync(root, { recursive: true });
  git('init', '-q', '-b', 'main');
  writeMigrations(dir, ms.slice(0, ms.length - pr));
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  git('tag', 'base');
  writeMigrations(dir, ms.slice(ms.length - pr), ms.length - pr);
  git('add', '-A');
  git('commit', '-q', '-m', 'pr');
  return 'db/migrations';
}
