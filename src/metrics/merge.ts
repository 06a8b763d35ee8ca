// Lossless merge of recorder snapshots (worker_threads of one run, or shards of a distributed run):
// histograms are decoded and added bucket by bucket, so the merged histogram is exactly the one a
// single recorder would have built from all the samples; counters add; series align by second.
import { type EncodedHistogram, encodeHistogram, mergeEncodedHistograms } from './encoded-histogram.js';
import { Series } from './series.js';
import { mergeStreamSnapshots } from './stream-histograms.js';
import { mergeWsSnapshots } from './ws-histograms.js';
import { SNAPSHOT_VERSION, addSparseCounts, type Snapshot, type SlotSnapshot } from './snapshot.js';

// Exact min/max survive: each part is decoded with its own exact extremes before adding.
function mergeEncoded(list: readonly EncodedHistogram[]): EncodedHistogram {
  return encodeHistogram(mergeEncodedHistograms(list));
}

function mergeSlots(name: string, slots: readonly SlotSnapshot[]): SlotSnapshot {
  let requests = 0;
  let responses = 0;
  let errors = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  for (const s of slots) {
    requests += s.requests;
    responses += s.responses;
    errors += s.errors;
    bytesIn += s.bytesIn;
    bytesOut += s.bytesOut;
  }
  const stream = mergeStreamSnapshots(slots.map((s) => s.stream));
  const ws = mergeWsSnapshots(slots.map((s) => s.ws));
  return {
    ...(stream !== undefined ? { stream } : {}),
    ...(ws !== undefined ? { ws } : {}),
    name,
    requests,
    responses,
    errors,
    bytesIn,
    bytesOut,
    corrected: mergeEncoded(slots.map((s) => s.corrected)),
    service: mergeEncoded(slots.map((s) => s.service)),
    statusCounts: addSparseCounts(slots.map((s) => s.statusCounts)),
    failedStatusCounts: addSparseCounts(slots.map((s) => s.failedStatusCounts ?? [])),
    errorCounts: addSparseCounts(slots.map((s) => s.errorCounts)),
  };
}

/**
 * Merge K snapshots into one. Per-request statistics are matched by request name (order of first
 * appearance), so shards whose recorders list names differently still merge correctly.
 */
export function mergeSnapshots(snapshots: readonly Snapshot[]): Snapshot {
  if (snapshots.length === 0) throw new RangeError('mergeSnapshots needs at least one snapshot');
  for (const s of snapshots) {
    if (s.version !== SNAPSHOT_VERSION) throw new RangeError(`unsupported snapshot version ${String(s.version)}`);
  }
  const byName = new Map<string, SlotSnapshot[]>();
  for (const snap of snapshots) {
    for (const slot of snap.requests) {
      const group = byName.get(slot.name);
      if (group === undefined) byName.set(slot.name, [slot]);
      else group.push(slot);
    }
  }
  let startMs = Infinity;
  let endMs = -Infinity;
  let parts = 0;
  for (const s of snapshots) {
    if (s.startMs < startMs) startMs = s.startMs;
    if (s.endMs > endMs) endMs = s.endMs;
    parts += s.parts;
  }
  const first = snapshots[0] as Snapshot;
  return {
    version: SNAPSHOT_VERSION,
    startMs,
    endMs,
    parts,
    overall: mergeSlots(first.overall.name, snapshots.map((s) => s.overall)),
    requests: [...byName.entries()].map(([name, group]) => mergeSlots(name, group)),
    series: Series.merge(snapshots.map((s) => s.series)),
  };
}
