// The HTTP/2 codec fuzzer, shared by `npm run fuzz` (bench/fuzz-h2.js, against dist/, 1,000,000
// inputs each) and test/fuzz/h2.fuzz.test.ts (against src/, a short pass). Deterministic per seed.
//
// Frame reader: a third valid frame sequences split at random points (the frames must equal those
// read from one chunk), a third mutated sequences (bit flips, inserted/deleted bytes, truncation),
// a third random bytes behind mostly plausible frame headers. HPACK decoder: the same three kinds,
// valid blocks coming from our encoder with random lists and table sizes (decoded lists must equal
// the encoded ones). For every input only an H2Error may escape; anything else is an escape.

export function makeRng(seed) {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  const int = (n) => Math.floor(rnd() * n);
  return { rnd, int };
}

const NAMES = [':status', ':path', ':method', ':authority', 'content-type', 'content-length', 'date', 'server', 'set-cookie', 'cache-control', 'x-custom', 'authorization', 'vary', 'etag'];

function randomFields(r) {
  const n = r.int(12);
  const out = [];
  for (let i = 0; i < n; i++) {
    let name = NAMES[r.int(NAMES.length)];
    if (r.rnd() < 0.3) name = 'x-' + Math.floor(r.rnd() * 1e6).toString(36);
    let v = '';
    const len = r.int(r.rnd() < 0.1 ? 300 : 30);
    for (let k = 0; k < len; k++) v += String.fromCharCode(r.rnd() < 0.9 ? 0x20 + r.int(95) : r.int(256));
    out.push([name, v]);
  }
  return out;
}

function mutate(r, buf) {
  let b = Buffer.from(buf);
  const n = 1 + r.int(4);
  for (let i = 0; i < n && b.length > 0; i++) {
    const at = r.int(b.length);
    const k = r.int(5);
    if (k === 0) b[at] ^= 1 << r.int(8);
    else if (k === 1) b[at] = r.int(256);
    else if (k === 2) b = Buffer.concat([b.subarray(0, at), Buffer.from([r.int(256)]), b.subarray(at)]);
    else if (k === 3) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else b = b.subarray(0, at);
  }
  return b;
}

function pieces(r, buf) {
  const out = [];
  let at = 0;
  while (at < buf.length) {
    const n = r.rnd() < 0.2 ? 1 + r.int(10) : 1 + r.int(buf.length);
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

class Sink {
  constructor(h2) {
    this.h2 = h2;
    this.n = 0;
    this.sig = 0;
    this.decoder = new h2.HpackDecoder({ maxHeaderListSize: 16384 });
    this.fields = new h2.HeaderFields();
    this.decodeBlocks = false;
  }
  mix(x) { this.sig = (Math.imul(this.sig ^ x, 0x9e3779b1) + 1) | 0; this.n++; }
  onData(sid, end, b, s, e, flow) { this.mix(sid); this.mix(e - s); this.mix(flow); for (let i = s; i < e; i++) this.mix(b[i]); }
  onHeaders(sid, end, b, s, e) {
    this.mix(sid); this.mix(end ? 1 : 0); for (let i = s; i < e; i++) this.mix(b[i]);
    if (this.decodeBlocks) this.decoder.decode(b, s, e, this.fields, sid);
  }
  onRstStream(sid, code) { this.mix(sid); this.mix(code); }
  onSettings(l) { for (let i = 0; i < l.count; i++) { this.mix(l.ids[i]); this.mix(l.values[i]); } }
  onSettingsAck() { this.mix(7); }
  onPing(ack, b, s) { for (let i = s; i < s + 8; i++) this.mix(b[i]); }
  onGoAway(last, code, b, s, e) { this.mix(last); this.mix(code); this.mix(e - s); }
  onWindowUpdate(sid, inc) { this.mix(sid); this.mix(inc); }
  onStreamError(err) { this.mix(err.h2Code); this.mix(err.streamId); }
}

function randomFrames(h2, ByteWriter, r, enc) {
  const w = new ByteWriter(256);
  const n = 1 + r.int(8);
  for (let i = 0; i < n; i++) {
    const sid = 1 + 2 * r.int(50);
    switch (r.int(10)) {
      case 0: { const len = r.int(100); h2.writeData(w, sid, Buffer.alloc(len, r.int(256)), 0, len, r.rnd() < 0.5, r.rnd() < 0.3 ? r.int(20) : 0); break; }
      case 1: {
        const bw = new ByteWriter(64);
        enc.encode(bw, randomFields(r));
        h2.writeHeaders(w, sid, bw.buf, 0, bw.len, r.rnd() < 0.5, 16 + r.int(100), r.rnd() < 0.2 ? r.int(10) : 0, r.rnd() < 0.2 ? { dependency: sid + 2, exclusive: false, weight: 1 + r.int(256) } : undefined);
        break;
      }
      case 2: h2.writePriority(w, sid, sid + 2, r.rnd() < 0.5, 1 + r.int(256)); break;
      case 3: h2.writeRstStream(w, sid, r.int(14)); break;
      case 4: h2.writeSettings(w, h2.SettingsList.of([[1, r.int(8192)], [3, r.int(1000)], [4, r.int(1 << 20)], [5, 16384 + r.int(1000)]].slice(0, r.int(5)))); break;
      case 5: h2.writeSettingsAck(w); break;
      case 6: h2.writePing(w, r.rnd() < 0.5, Buffer.alloc(8, r.int(256))); break;
      case 7: h2.writeGoAway(w, sid, r.int(14), Buffer.alloc(r.int(20), 65)); break;
      case 8: h2.writeWindowUpdate(w, r.rnd() < 0.3 ? 0 : sid, 1 + r.int(1 << 20)); break;
      default: h2.writeFrameHeader(w, 3, 0x20 + r.int(200), r.int(256), sid); w.bytes(Buffer.from('abc'));
    }
  }
  return w.toBuffer();
}

function randomBytes(r) {
  const n = r.int(120);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  // Mostly a plausible frame header: a small length, a known type.
  if (n >= 9 && r.rnd() < 0.8) {
    const len = Math.min(n - 9, r.int(64));
    b[0] = 0; b[1] = 0; b[2] = len; b[3] = r.int(11);
  }
  return b;
}

/** Returns { frame: {...}, hpack: {...}, escapes, mismatches, firstEscape }. */
export function fuzzH2(h2, ByteWriter, { inputs, seed = 12345, onProgress } = {}) {
  const r = makeRng(seed);
  const res = { frame: { inputs: 0, valid: 0, typed: 0 }, hpack: { inputs: 0, valid: 0, typed: 0, tooLarge: 0 }, escapes: 0, mismatches: 0, firstEscape: undefined, codes: {} };
  const escape = (e, input) => {
    res.escapes++;
    if (res.firstEscape === undefined) res.firstEscape = { error: String(e && e.stack || e), input: input.toString('hex') };
  };
  const typed = (e) => { res.codes[e.code] = (res.codes[e.code] ?? 0) + 1; };
  let enc = new h2.HpackEncoder({ maxTableSize: 4096 });
  const opts = { settingsFirst: false, maxHeaderBlockSize: 4096, maxContinuationFrames: 16 };

  // Frame reader.
  for (let i = 0; i < inputs; i++) {
    const kind = i % 3;
    if (i % 1000 === 0) enc = new h2.HpackEncoder({ maxTableSize: 4096 });
    res.frame.inputs++;
    if (kind === 0) {
      const b = randomFrames(h2, ByteWriter, r, enc);
      const whole = new Sink(h2);
      const split = new Sink(h2);
      try {
        new h2.FrameReader(whole, { ...opts, maxHeaderBlockSize: 1 << 16, maxContinuationFrames: 1000 }).push(b);
        const rd = new h2.FrameReader(split, { ...opts, maxHeaderBlockSize: 1 << 16, maxContinuationFrames: 1000 });
        for (const c of pieces(r, b)) rd.push(c);
      } catch (e) {
        escape(e, b);
        continue;
      }
      if (whole.sig !== split.sig || whole.n !== split.n) {
        res.mismatches++;
        if (res.firstEscape === undefined) res.firstEscape = { error: 'split mismatch', input: b.toString('hex') };
      }
      res.frame.valid++;
      continue;
    }
    const input = kind === 1 ? mutate(r, randomFrames(h2, ByteWriter, r, enc)) : randomBytes(r);
    const sink = new Sink(h2);
    sink.decodeBlocks = r.rnd() < 0.5;
    const rd = new h2.FrameReader(sink, { ...opts, expectPreface: r.rnd() < 0.05 });
    try {
      for (const c of pieces(r, input)) rd.push(c);
    } catch (e) {
      if (e instanceof h2.H2Error) { res.frame.typed++; typed(e); } else escape(e, input);
    }
    if (onProgress && i % 100000 === 0) onProgress('frame', i);
  }

  // HPACK decoder.
  let dec = new h2.HpackDecoder({ maxHeaderListSize: 8192, maxStringLength: 1024 });
  enc = new h2.HpackEncoder({ maxTableSize: 4096 });
  const fields = new h2.HeaderFields();
  const w = new ByteWriter(256);
  let scratch = new h2.HpackEncoder({ maxTableSize: 4096 });
  for (let i = 0; i < inputs; i++) {
    const kind = i % 3;
    res.hpack.inputs++;
    if (kind === 0) {
      const list = randomFields(r);
      if (r.rnd() < 0.02) {
        const size = r.int(4097);
        dec.setMaxTableSize(size);
        enc.setPeerMaxTableSize(size);
      }
      w.reset();
      enc.huffman = r.rnd() < 0.7;
      enc.encode(w, list);
      try {
        dec.decode(w.buf, 0, w.len, fields);
      } catch (e) {
        escape(e, w.toBuffer());
        dec = new h2.HpackDecoder({ maxHeaderListSize: 8192, maxStringLength: 1024 });
        enc = new h2.HpackEncoder({ maxTableSize: 4096 });
        continue;
      }
      if (fields.tooLarge) {
        res.hpack.tooLarge++;
      } else {
        let same = fields.count === list.length;
        for (let k = 0; same && k < list.length; k++) same = fields.name(k) === list[k][0].toLowerCase() && fields.value(k) === list[k][1];
        if (!same) {
          res.mismatches++;
          if (res.firstEscape === undefined) res.firstEscape = { error: 'hpack round-trip mismatch', input: w.toBuffer().toString('hex'), want: JSON.stringify(list), got: JSON.stringify(fields.toPairs()) };
        }
      }
      res.hpack.valid++;
      continue;
    }
    let input;
    if (kind === 1) {
      // A scratch encoder: the real pair's tables must stay in step.
      w.reset();
      scratch.encode(w, randomFields(r));
      input = mutate(r, w.toBuffer());
      if (i % 300 === 1) scratch = new h2.HpackEncoder({ maxTableSize: 4096 });
    } else {
      input = randomBytes(r);
    }
    // Mutated input desynchronises tables: decode with a fresh decoder half the time, else a
    // long-lived one (replaced after each error, as a connection would be).
    const target = r.rnd() < 0.5 ? new h2.HpackDecoder({ maxHeaderListSize: 8192, maxStringLength: 1024 }) : dec;
    try {
      target.decode(input, 0, input.length, fields);
    } catch (e) {
      if (e instanceof h2.H2Error) { res.hpack.typed++; typed(e); } else escape(e, input);
      if (target === dec) {
        dec = new h2.HpackDecoder({ maxHeaderListSize: 8192, maxStringLength: 1024 });
        enc = new h2.HpackEncoder({ maxTableSize: 4096 });
      }
    }
    if (target === dec) {
      // The encoder's table no longer matches after a foreign block: restart the pair.
      dec = new h2.HpackDecoder({ maxHeaderListSize: 8192, maxStringLength: 1024 });
      enc = new h2.HpackEncoder({ maxTableSize: 4096 });
    }
    if (onProgress && i % 100000 === 0) onProgress('hpack', i);
  }
  return res;
}
