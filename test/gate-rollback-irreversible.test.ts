import { describe, expect, it } from 'vitest';
import { withoutIrreversible } from '../src/gates/rollback/irreversible.js';

describe('differences a down cannot undo', () => {
  it('drops validation, column order and added enum labels, and keeps the rest', () => {
    expect(
      withoutIrreversible([
        {
          change: 'changed',
          kind: 'table',
          name: '$tenant.orders',
          properties: [
            { property: 'columnOrder', before: ['a', 'b', 'c'], after: ['a', 'c', 'b'] },
          ],
        },
        {
          change: 'changed',
          kind: 'constraint',
          name: '$tenant.orders.total_positive',
          properties: [
            { property: 'validated', before: false, after: true },
            { property: 'definition', before: 'CHECK (total > 0)', after: 'CHECK (total >= 0)' },
          ],
        },
        {
          change: 'changed',
          kind: 'type',
          name: '$tenant.state',
          properties: [
            { property: 'labels', before: ['open', 'paid'], after: ['open', 'void', 'paid'] },
          ],
        },
        {
          change: 'changed',
          kind: 'type',
          name: '$tenant.mood',
          properties: [{ property: 'labels', before: ['sad', 'ok'], after: ['sad'] }],
        },
        { change: 'added', kind: 'index', name: '$tenant.orders_total_idx' },
      ]),
    ).toEqual([
      {
        change: 'changed',
        kind: 'constraint',
        name: '$tenant.orders.total_positive',
        properties: [
          { property: 'definition', before: 'CHECK (total > 0)', after: 'CHECK (total >= 0)' },
        ],
      },
      {
        change: 'changed',
        kind: 'type',
        name: '$tenant.mood',
        properties: [{ property: 'labels', before: ['sad', 'ok'], after: ['sad'] }],
      },
      { change: 'added', kind: 'index', name: '$tenant.orders_total_idx' },
    ]);
  });

  it('leaves out extensions in the schema topology, where every tenant shares them', () => {
    const changes = [
      { change: 'added' as const, kind: 'extension' as const, name: 'pgcrypto' },
      { change: 'added' as const, kind: 'index' as const, name: '$tenant.orders_total_idx' },
    ];
    expect(withoutIrreversible(changes, true).map((c) => c.kind)).toEqual(['index']);
    expect(withoutIrreversible(changes, false).map((c) => c.kind)).toEqual(['extension', 'index']);
  });
});
