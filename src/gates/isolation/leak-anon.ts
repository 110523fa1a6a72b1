import type { SeedTable } from '../../replay/seed-catalog.js';
import { quoteIdent } from '../../sql/ident.js';
import { ISOLATION, finding, type Rule } from '../../rules/index.js';
import { tokenClaims } from './claims.js';
import type { AdmittedRole } from './leak-role.js';
import { signIn, type TenantSession } from './leak-session.js';
import { actAsOwner, attempt, type SyntheticTenant } from './leak-tenants.js';
import type { ProbeSetup, ReadTarget } from './leak-probes.js';
import type { StatementLocator } from './locate.js';
import type { Keyed } from './static-input.js';

/**
 * The signed-out API role (`anon`) sees what the policies grant it and nothing more: a relation
 * that row-level security does not govern (a table without it, a view that runs as its owner,
 * a materialized view) must not show or let it change any tenant's rows.
 */

interface AnonInput {
  locator: StatementLocator;
  admit?: (role: string) => Promise<AdmittedRole | undefined>;
}

const UNGOVERNED_SQL = `
select c.oid::int as oid
from pg_class c
where c.oid = any($1::oid[])
  and (c.relkind = 'm'
       or (c.relkind in ('r', 'p') and not c.relrowsecurity)
       or (c.relkind = 'v' and not coalesce(
             (select bool_or(o in ('security_invoker=true', 'security_invoker=on', 'security_invoker=1'))
              from unnest(c.reloptions) o), false)))`;

export async function anonChecks(
  probe: ProbeSetup,
  session: TenantSession,
  targets: ReadTarget[],
  scoped: SeedTable[],
  tenants: SyntheticTenant[],
  input: AnonInput,
): Promise<Keyed[]> {
  const anon = session.context.kind === 'jwt' ? session.context.anonRole : undefined;
  const { client } = probe;
  if (!anon) return [];
  const exists = await client.query('select 1 from pg_roles where rolname = $1', [anon]);
  if (!exists.rowCount) return [];
  await input.admit?.(anon);
  const oids = await client.query<{ oid: number; sql: string }>(
    `select to_regclass(t)::oid::int as oid, t as sql from unnest($1::text[]) t`,
    [targets.map((t) => t.sql)],
  );
  const oidOf = new Map(oids.rows.map((r) => [r.sql, r.oid]));
  const ungoverned = new Set(
    (await client.query<{ oid: number }>(UNGOVERNED_SQL, [[...oidOf.values()]])).rows.map(
      (r) => r.oid,
    ),
  );
  const enter = async () => {
    await client.query(`set local role ${quoteIdent(anon)}`);
    await signIn(client, session.context, tokenClaims(undefined, anon, [], undefined), undefined);
  };
  const out: Keyed[] = [];
  const labels = tenants.map((t) => t.label).join(', ');
  for (const target of targets.filter((t) => ungoverned.has(oidOf.get(t.sql) ?? -1))) {
    await enter();
    const r = await attempt(client, () =>
      client.query<{ n: number }>(`select count(*)::int as n from ${target.sql}`),
    );
    await actAsOwner(client);
    const n = r.value?.rows[0]?.n ?? 0;
    if (n)
      out.push(
        anonFinding(input, ISOLATION.readLeak, target.kind, target.name, {
          message: `acting as the signed-out role ${anon}, SELECT on ${target.kind} ${target.name} returns ${n} row(s) of tenants ${labels}: row-level security does not govern it, so no policy limits what ${anon} sees`,
          help: helpFor(target, anon),
        }),
      );
  }
  for (const table of scoped.filter((t) => ungoverned.has(t.oid))) {
    const name = table.name.slice(table.name.indexOf('.') + 1);
    const col = quoteIdent(probe.column);
    const b = tenants[tenants.length - 1];
    const accepted: string[] = [];
    for (const [what, sql] of [
      ['update', `update ${table.sql} set ${col} = ${col} where ${col}::text = $1`],
      ['delete', `delete from ${table.sql} where ${col}::text = $1`],
    ]) {
      await enter();
      const r = await attempt(client, () => client.query(sql, [probe.idOf(b)]));
      await actAsOwner(client);
      if ((r.value?.rowCount ?? 0) > 0)
        accepted.push(`${what} ${r.value?.rowCount} row(s) of ${b.label}`);
    }
    if (accepted.length)
      out.push(
        anonFinding(input, ISOLATION.writeLeak, 'table', name, {
          message: `acting as the signed-out role ${anon}, Postgres let it ${accepted.join(', ')} in ${name}`,
          help: `ALTER TABLE ${quoteIdent(name)} ENABLE ROW LEVEL SECURITY; and REVOKE ALL ON ${quoteIdent(name)} FROM ${quoteIdent(anon)}; unless a policy is meant to grant it rows.`,
        }),
      );
  }
  return out;
}

function helpFor(target: ReadTarget, anon: string): string {
  const name = quoteIdent(target.name);
  if (target.kind === 'view')
    return `ALTER VIEW ${name} SET (security_invoker = true); or REVOKE SELECT ON ${name} FROM ${quoteIdent(anon)};`;
  if (target.kind === 'materialized view')
    return `REVOKE SELECT ON ${name} FROM ${quoteIdent(anon)};`;
  return `ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY; and write the policies that say what ${anon} may see.`;
}

function anonFinding(
  input: AnonInput,
  rule: Rule,
  kind: ReadTarget['kind'],
  name: string,
  fields: { message: string; help: string },
): Keyed {
  const at = input.locator.find({
    kind: kind === 'table' ? 'table' : 'view',
    name,
    actions: ['create'],
  });
  return { key: `${rule.id} anon ${name}`, finding: finding(rule, { ...(at ?? {}), ...fields }) };
}
