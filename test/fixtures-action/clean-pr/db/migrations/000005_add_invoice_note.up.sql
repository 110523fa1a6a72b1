-- A nullable column without a default is a catalog-only change.
SET lock_timeout = '5s';
ALTER TABLE invoices ADD COLUMN note text;
