import type { RawTensor } from './datatypes.js';
import type { ServedModel } from './served-model.js';
import { rowValue } from './tensor-codec.js';

/**
 * The monitored output of one row: a probability row for classifiers, a number for regression. A single
 * column is p(positive class), as in the ingest API; the row follows the classes' order.
 */
export function monitoredRow(model: ServedModel, tensor: RawTensor, row: number): unknown {
  const value = rowValue(tensor, row);
  if (model.config.task === 'binary' && typeof value === 'number') return model.spec.positiveIndex === 0 ? [value, 1 - value] : [1 - value, value];
  return value;
}
