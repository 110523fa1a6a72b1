import type { Format } from '../../core/model.js';

/** How to run a statement outside a transaction with each migration tool. */
export function outsideTransactionHint(format: Format): string {
  switch (format) {
    case 'golang-migrate':
      return 'put it alone in its own migration file (golang-migrate runs a single-statement file without a transaction block)';
    case 'goose':
      return 'add `-- +goose NO TRANSACTION` to that migration and keep it free of other statements';
    case 'dbmate':
      return 'put it alone in a migration whose section says `-- migrate:up transaction:false` (dbmate sends a section as one string, which Postgres runs as one transaction when it holds several statements)';
    case 'flyway':
      return 'set `executeInTransaction=false` in the script configuration file of that migration';
    default:
      return 'run it in a migration that the tool does not wrap in a transaction';
  }
}
