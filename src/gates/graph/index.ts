/**
 * The graph gate: the constraint graph and the migration set are sound. Foreign-key cycles,
 * objects used before they are created, version integrity against the base, up/down pairing
 * and the indexes foreign keys and constraints depend on.
 */
import type { Finding } from '../../core/model.js';
import type { Gate, GateContext } from '../gate.js';
import { fkCycleFindings } from './cycles.js';
import {
  cascadedDropFindings,
  fkWithoutIndexFindings,
  refusedDropFindings,
  usingIndexFindings,
} from './indexes.js';
import {
  duplicateVersionFindings,
  mergedEditedFindings,
  mergedRemovedFindings,
  outOfOrderFindings,
} from './integrity.js';
import { pairingFindings } from './pairing.js';
import { missingParentFindings, multipleHeadsFindings } from './revisions.js';
import { usedBeforeCreatedFindings } from './used-before-created.js';

const CHECKS: Array<(ctx: GateContext) => Finding[]> = [
  duplicateVersionFindings,
  outOfOrderFindings,
  mergedEditedFindings,
  mergedRemovedFindings,
  pairingFindings,
  multipleHeadsFindings,
  missingParentFindings,
  usedBeforeCreatedFindings,
  fkCycleFindings,
  fkWithoutIndexFindings,
  refusedDropFindings,
  cascadedDropFindings,
  usingIndexFindings,
];

export const graphGate: Gate = {
  id: 'graph',
  title: 'Constraint graph and migration set',
  async run(ctx) {
    return { findings: CHECKS.flatMap((check) => check(ctx)) };
  },
};
