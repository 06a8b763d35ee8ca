// Hands out data rows to virtual users. The data itself (DataSet) is plain data in the Scenario;
// a DataFeeder is the per-worker cursor the engine creates from it (whatever the file's format).
import type { DataSet } from './scenario.js';

/**
 * `slot` of `slots` is this worker's place in the whole fleet (shards × workers: worker-plan.ts).
 *
 * Sequential order: slot s of S takes rows s, s+S, s+2S, ... and wraps around at the end, so
 * across all workers the rows go out in file order, each once per pass.
 * Unique order: slot s takes rows s, s+S, ... once each; no row goes to two workers or shards.
 * When they run out, next() returns undefined (onExhausted: stop), or starts over at row s
 * (onExhausted: cycle). A slot with no row of its own (more slots than rows) is out at once.
 * Random order: each call picks a row uniformly at random (with replacement), from `random`
 * (a seeded generator under --seed; Math.random otherwise).
 */
export class DataFeeder {
  private next_: number;
  private readonly first: number;
  private readonly step: number;
  private readonly rows: readonly (readonly string[])[];
  private readonly order: DataSet['order'];
  private readonly cycle: boolean;
  private readonly random: () => number;

  constructor(data: DataSet, workerIndex = 0, workerCount = 1, random: () => number = Math.random) {
    if (data.rows.length === 0) throw new RangeError('a DataFeeder needs at least one row');
    if (!(workerCount >= 1) || !(workerIndex >= 0 && workerIndex < workerCount)) {
      throw new RangeError(`bad worker index ${workerIndex} of ${workerCount}`);
    }
    this.rows = data.rows;
    this.order = data.order;
    this.random = random;
    this.cycle = data.onExhausted === 'cycle';
    if (data.order === 'unique') {
      this.step = workerCount;
      this.first = workerIndex;
    } else {
      this.step = workerCount % data.rows.length;
      this.first = workerIndex % data.rows.length;
    }
    this.next_ = this.first;
  }

  /** The next row (columns in DataSet.columns order); undefined when a unique feeder is out of rows. */
  next(): readonly string[] | undefined {
    const rows = this.rows;
    switch (this.order) {
      case 'random':
        return rows[Math.floor(this.random() * rows.length)]!;
      case 'unique': {
        if (this.next_ >= rows.length) {
          if (!this.cycle || this.first >= rows.length) return undefined;
          this.next_ = this.first;
        }
        const row = rows[this.next_]!;
        this.next_ += this.step;
        return row;
      }
      default: {
        const row = rows[this.next_]!;
        let n = this.next_ + this.step;
        if (n >= rows.length) n -= rows.length;
        this.next_ = n;
        return row;
      }
    }
  }
}
