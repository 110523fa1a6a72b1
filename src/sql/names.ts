/**
 * Qualified names in their forms: as written (`$tenant."Order"`), split into unquoted parts, the
 * bare last part, and the display forms that messages use.
 */

/** A possibly schema-qualified name, each part unquoted. */
export interface QualifiedName {
  schema?: string;
  name: string;
}

/** `schema.name`, or `name` when there is no schema. */
export function joinQualified(q: QualifiedName): string {
  return q.schema ? `${q.schema}.${q.name}` : q.name;
}

/** Splits `schema.name` (each part possibly quoted) into its unquoted parts. */
export function splitQualified(name: string): QualifiedName {
  const parts: string[] = [];
  let i = 0;
  while (i < name.length) {
    if (name[i] === '"') {
      let j = i + 1;
      let part = '';
      while (j < name.length) {
        if (name[j] === '"' && name[j + 1] === '"') {
          part += '"';
          j += 2;
        } else if (name[j] === '"') break;
        else part += name[j++];
      }
      parts.push(part);
      i = j + 2;
    } else {
      const dot = name.indexOf('.', i);
      const end = dot < 0 ? name.length : dot;
      parts.push(name.slice(i, end));
      i = end + 1;
    }
  }
  const bare = parts.pop() ?? name;
  return parts.length ? { schema: parts.join('.'), name: bare } : { name: bare };
}

/** The last part of a possibly qualified name, unquoted: `$tenant."Users"` → `Users`. */
export function bareName(name: string): string {
  return splitQualified(name).name;
}

export interface DisplayOptions {
  /** Schemas a reader takes for granted, dropped when the name starts with one (`$tenant`). */
  implicitSchemas?: readonly string[];
  /** `keep` shows `"Order"` as the catalog prints it; `strip` removes every double quote. */
  quotes?: 'keep' | 'strip';
}

/**
 * A catalog name as a message shows it: `$tenant.users` → `users`; with
 * `implicitSchemas: ['$tenant', 'public']` also `public.plans` → `plans`.
 */
export function displayName(name: string, options: DisplayOptions = {}): string {
  const implicit = options.implicitSchemas ?? ['$tenant'];
  const schema = implicit.find((s) => name.startsWith(`${s}.`));
  const shown = schema === undefined ? name : name.slice(schema.length + 1);
  return options.quotes === 'strip' ? shown.replace(/"/g, '') : shown;
}

/** `$tenant.` dropped and every quote removed: how the lock messages name tables and indexes. */
export function plainName(name: string): string {
  return displayName(name, { quotes: 'strip' });
}
