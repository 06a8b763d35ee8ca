// Hands out data rows to virtual users. The data itself (DataSet) is plain data in the Scenario;
// a DataFeeder is the per-worker cursor the engine creates from it.
import type { DataSet } from './scenario.js';

/**
 * Sequential order: worker w of W takes rows w, w+W, w+2W, ... and wraps around at the end, so
 * across all workers the rows go out in file order, each once per pass.
 * Random order: each call picks a row uniformly at random (with replacement).
 */
export class DataFeeder {
  private next_: number;
  private readonly step: number;
  private readonly rows: readonly (readonly string[])[];
  private readonly random: boolean;

  constructor(data: DataSet, workerIndex = 0, workerCount = 1) {
    if (data.rows.length === 0) throw new RangeError('a DataFeeder needs at least one row');
    if (!(workerCount >= 1) || !(workerIndex >= 0 && workerIndex < workerCount)) {
      throw new RangeError(`bad worker index ${workerIndex} of ${workerCount}`);
    }
    this.rows = data.rows;
    this.random = data.order === 'random';
    this.step = workerCount % data.rows.length;
    this.next_ = workerIndex % data.rows.length;
  }

  /** The next row; columns in DataSet.columns order. */
  next(): readonly string[] {
    const rows = this.rows;
    if (this.random) return rows[Math.floor(Math.random() * rows.length)]!;
    const row = rows[this.next_]!;
    let n = this.next_ + this.step;
    if (n >= rows.length) n -= rows.length;
    this.next_ = n;
    return row;
  }
}
