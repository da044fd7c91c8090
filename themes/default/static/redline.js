// The compare page: the redline of any two versions of a policy, computed in the reader's
// browser from the two versions' blocks.json with the same rules as the published
// redlines (a port of src/policy/redline.rs and of the parts of the `similar` crate,
// version 3.2.1, that it uses: `capture_diff_slices` with Patience for units and cells
// and Myers for tokens, including their preflight, Compact and Replace steps), so that
// both give the same HTML and the same counts.
// Without JavaScript the page lists every published redline instead; the form stays
// hidden. Its messages and the redline's own words come from data-* attributes, in the
// page's language.
(function () {
  "use strict";

  // ---------------------------------------------------------------------------------
  // Diff ops (similar::DiffOp). Ranges are [index, index + len) on each side; a Delete
  // has nl = 0, an Insert ol = 0, an Equal ol = nl = its length.
  // ---------------------------------------------------------------------------------
  const EQ = 0;
  const DEL = 1;
  const INS = 2;
  const REP = 3;

  const equalOp = (oi, ni, len) => ({ tag: EQ, oi, ol: len, ni, nl: len });
  const deleteOp = (oi, ol, ni) => ({ tag: DEL, oi, ol, ni, nl: 0 });
  const insertOp = (oi, ni, nl) => ({ tag: INS, oi, ol: 0, ni, nl });
  const replaceOp = (oi, ol, ni, nl) => ({ tag: REP, oi, ol, ni, nl });
  const isEmptyOp = (op) => op.ol === 0 && op.nl === 0;

  // DiffOp::adjust: the offset moves both indexes, the length changes the op's lengths.
  function adjust(op, offset, length) {
    op.oi += offset;
    op.ni += offset;
    if (op.tag !== INS) op.ol += length;
    if (op.tag !== DEL) op.nl += length;
  }
  const shiftLeft = (op, n) => adjust(op, -n, 0);
  const shiftRight = (op, n) => adjust(op, n, 0);
  const growLeft = (op, n) => adjust(op, -n, n);
  const growRight = (op, n) => adjust(op, 0, n);
  const shrinkLeft = (op, n) => adjust(op, 0, -n);
  const shrinkRight = (op, n) => adjust(op, n, -n);

  function applyToHook(op, d) {
    switch (op.tag) {
      case EQ: return d.equal(op.oi, op.ni, op.ol);
      case DEL: return d.delete(op.oi, op.ol, op.ni);
      case INS: return d.insert(op.oi, op.ni, op.nl);
      default: return d.replace(op.oi, op.ol, op.ni, op.nl);
    }
  }

  // ---------------------------------------------------------------------------------
  // Hooks (similar::algorithms::{DiffHook, Capture, Replace, Compact, NoFinishHook}).
  // ---------------------------------------------------------------------------------
  class Hook {
    equal() {}
    delete() {}
    insert() {}
    replace(oi, ol, ni, nl) {
      this.delete(oi, ol, ni);
      this.insert(oi, ni, nl);
    }
    finish() {}
  }

  class Capture extends Hook {
    constructor() {
      super();
      this.ops = [];
    }
    equal(oi, ni, len) {
      this.ops.push(equalOp(oi, ni, len));
    }
    delete(oi, ol, ni) {
      this.ops.push(deleteOp(oi, ol, ni));
    }
    insert(oi, ni, nl) {
      this.ops.push(insertOp(oi, ni, nl));
    }
    replace(oi, ol, ni, nl) {
      this.ops.push(replaceOp(oi, ol, ni, nl));
    }
  }

  class ReplaceHook extends Hook {
    constructor(d) {
      super();
      this.d = d;
      this.del = null;
      this.ins = null;
      this.eq = null;
    }
    flushEq() {
      if (this.eq) {
        const [oi, ni, len] = this.eq;
        this.eq = null;
        this.d.equal(oi, ni, len);
      }
    }
    flushDelIns() {
      if (this.del) {
        const del = this.del;
        this.del = null;
        if (this.ins) {
          const ins = this.ins;
          this.ins = null;
          this.d.replace(del[0], del[1], ins[1], ins[2]);
        } else {
          this.d.delete(del[0], del[1], del[2]);
        }
      } else if (this.ins) {
        const ins = this.ins;
        this.ins = null;
        this.d.insert(ins[0], ins[1], ins[2]);
      }
    }
    equal(oi, ni, len) {
      this.flushDelIns();
      this.eq = this.eq ? [this.eq[0], this.eq[1], this.eq[2] + len] : [oi, ni, len];
    }
    delete(oi, ol, ni) {
      this.flushEq();
      this.del = this.del ? [this.del[0], this.del[1] + ol, this.del[2]] : [oi, ol, ni];
    }
    insert(oi, ni, nl) {
      this.flushEq();
      this.ins = this.ins ? [this.ins[0], this.ins[1], this.ins[2] + nl] : [oi, ni, nl];
    }
    replace(oi, ol, ni, nl) {
      this.flushEq();
      this.d.replace(oi, ol, ni, nl);
    }
    finish() {
      this.flushEq();
      this.flushDelIns();
      this.d.finish();
    }
  }

  class NoFinish extends Hook {
    constructor(d) {
      super();
      this.d = d;
    }
    equal(oi, ni, len) {
      this.d.equal(oi, ni, len);
    }
    delete(oi, ol, ni) {
      this.d.delete(oi, ol, ni);
    }
    insert(oi, ni, nl) {
      this.d.insert(oi, ni, nl);
    }
    replace(oi, ol, ni, nl) {
      this.d.replace(oi, ol, ni, nl);
    }
  }

  class Compact extends Hook {
    constructor(d, old, neu) {
      super();
      this.d = d;
      this.old = old;
      this.neu = neu;
      this.ops = [];
    }
    equal(oi, ni, len) {
      this.ops.push(equalOp(oi, ni, len));
    }
    delete(oi, ol, ni) {
      this.ops.push(deleteOp(oi, ol, ni));
    }
    insert(oi, ni, nl) {
      this.ops.push(insertOp(oi, ni, nl));
    }
    finish() {
      shiftAllDiffOps(this.ops, this.old, this.neu);
      normalizeCursors(this.ops);
      for (const op of this.ops) applyToHook(op, this.d);
      this.d.finish();
    }
  }

  // Lengths of the common prefix and suffix of old[os..oe] and neu[ns..ne].
  function commonPrefixLen(old, os, oe, neu, ns, ne) {
    const max = Math.min(oe - os, ne - ns);
    let k = 0;
    while (k < max && neu[ns + k] === old[os + k]) k++;
    return k;
  }
  function commonSuffixLen(old, os, oe, neu, ns, ne) {
    const max = Math.min(oe - os, ne - ns);
    let k = 0;
    while (k < max && neu[ne - 1 - k] === old[oe - 1 - k]) k++;
    return k;
  }

  // compact.rs: moves deletions, then insertions, up and down to join them.
  function shiftAllDiffOps(ops, old, neu) {
    for (const tag of [DEL, INS]) {
      let p = 0;
      while (p < ops.length) {
        if (ops[p].tag === tag) {
          p = shiftUp(ops, old, neu, p);
          p = shiftDown(ops, old, neu, p);
        }
        p++;
      }
    }
  }

  function swapInsertDelete(ops, left) {
    const right = left + 1;
    const oldStart = ops[left].oi;
    const oldEnd = ops[right].oi + ops[right].ol;
    const newStart = ops[left].ni;
    const newEnd = ops[right].ni + ops[right].nl;
    const tmp = ops[left];
    ops[left] = ops[right];
    ops[right] = tmp;
    if (ops[left].tag === INS) ops[left].oi = oldStart;
    else ops[left].ni = newStart;
    if (ops[right].tag === INS) ops[right].oi = oldEnd;
    else ops[right].ni = newEnd;
  }

  function shiftUp(ops, old, neu, p) {
    while (p >= 1 && p - 1 < ops.length) {
      const prev = { ...ops[p - 1] };
      const cur = { ...ops[p] };
      if (cur.tag === INS && prev.tag === EQ) {
        const suffix = commonSuffixLen(old, prev.oi, prev.oi + prev.ol, neu, cur.ni, cur.ni + cur.nl);
        if (suffix > 0) {
          if (p + 1 < ops.length && ops[p + 1].tag === EQ) growLeft(ops[p + 1], suffix);
          else ops.splice(p + 1, 0, equalOp(prev.oi + prev.ol - suffix, cur.ni + cur.nl - suffix, suffix));
          shiftLeft(ops[p], suffix);
          shrinkLeft(ops[p - 1], suffix);
          if (isEmptyOp(ops[p - 1])) {
            ops.splice(p - 1, 1);
            p--;
          }
        } else if (isEmptyOp(ops[p - 1])) {
          ops.splice(p - 1, 1);
          p--;
        } else {
          break;
        }
      } else if (cur.tag === DEL && prev.tag === EQ) {
        if (!(p >= 2 && ops[p - 2].tag === DEL)) break;
        const suffix = commonSuffixLen(old, cur.oi, cur.oi + cur.ol, neu, prev.ni, prev.ni + prev.nl);
        if (suffix !== 0) {
          if (p + 1 < ops.length && ops[p + 1].tag === EQ) growLeft(ops[p + 1], suffix);
          else ops.splice(p + 1, 0, equalOp(cur.oi + cur.ol - suffix, prev.ni + prev.nl - suffix, suffix));
          shiftLeft(ops[p], suffix);
          shrinkLeft(ops[p - 1], suffix);
          if (isEmptyOp(ops[p - 1])) {
            ops.splice(p - 1, 1);
            p--;
          }
        } else if (isEmptyOp(ops[p - 1])) {
          ops.splice(p - 1, 1);
          p--;
        } else {
          break;
        }
      } else if ((cur.tag === INS && prev.tag === DEL) || (cur.tag === DEL && prev.tag === INS)) {
        swapInsertDelete(ops, p - 1);
        p--;
      } else if (cur.tag === INS && prev.tag === INS) {
        growRight(ops[p - 1], cur.nl);
        ops.splice(p, 1);
        p--;
      } else if (cur.tag === DEL && prev.tag === DEL) {
        growRight(ops[p - 1], cur.ol);
        ops.splice(p, 1);
        p--;
      } else {
        throw new Error("redline: unexpected ops while compacting");
      }
    }
    return p;
  }

  function shiftDown(ops, old, neu, p) {
    while (p + 1 < ops.length) {
      const cur = { ...ops[p] };
      const next = { ...ops[p + 1] };
      if (cur.tag === INS && next.tag === EQ) {
        const prefix = commonPrefixLen(old, next.oi, next.oi + next.ol, neu, cur.ni, cur.ni + cur.nl);
        if (prefix > 0) {
          if (p >= 1 && ops[p - 1].tag === EQ) {
            growRight(ops[p - 1], prefix);
          } else {
            ops.splice(p, 0, equalOp(next.oi, cur.ni, prefix));
            p++;
          }
          shiftRight(ops[p], prefix);
          shrinkRight(ops[p + 1], prefix);
          if (isEmptyOp(ops[p + 1])) ops.splice(p + 1, 1);
        } else if (isEmptyOp(ops[p + 1])) {
          ops.splice(p + 1, 1);
        } else {
          break;
        }
      } else if (cur.tag === DEL && next.tag === EQ) {
        if (!(p + 2 < ops.length && ops[p + 2].tag === DEL)) break;
        const prefix = commonPrefixLen(old, cur.oi, cur.oi + cur.ol, neu, next.ni, next.ni + next.nl);
        if (prefix > 0) {
          if (p >= 1 && ops[p - 1].tag === EQ) {
            growRight(ops[p - 1], prefix);
          } else {
            ops.splice(p, 0, equalOp(cur.oi, cur.ni, prefix));
            p++;
          }
          shiftRight(ops[p], prefix);
          shrinkRight(ops[p + 1], prefix);
          if (isEmptyOp(ops[p + 1])) ops.splice(p + 1, 1);
        } else if (isEmptyOp(ops[p + 1])) {
          ops.splice(p + 1, 1);
        } else {
          break;
        }
      } else if ((cur.tag === INS && next.tag === DEL) || (cur.tag === DEL && next.tag === INS)) {
        swapInsertDelete(ops, p);
        p++;
      } else if (cur.tag === INS && next.tag === INS) {
        growRight(ops[p], next.nl);
        ops.splice(p + 1, 1);
      } else if (cur.tag === DEL && next.tag === DEL) {
        growRight(ops[p], next.ol);
        ops.splice(p + 1, 1);
      } else {
        throw new Error("redline: unexpected ops while compacting");
      }
    }
    return p;
  }

  function normalizeCursors(ops) {
    let oc = 0;
    let nc = 0;
    if (ops.length > 0) {
      oc = ops[0].oi;
      nc = ops[0].ni;
    }
    for (const op of ops) {
      switch (op.tag) {
        case EQ:
          oc = op.oi + op.ol;
          nc = op.ni + op.nl;
          break;
        case DEL:
          op.ni = nc;
          oc = op.oi + op.ol;
          break;
        case INS:
          op.oi = oc;
          nc = op.ni + op.nl;
          break;
        default:
          oc = op.oi + op.ol;
          nc = op.ni + op.nl;
      }
    }
  }

  // ---------------------------------------------------------------------------------
  // Preflight (algorithms/preflight.rs).
  // ---------------------------------------------------------------------------------
  const DISJOINT_MIN_LEN = 512;
  const DISJOINT_MIN_WORK = 128 * 1024;
  const DISJOINT_BOUNDARY_PROBE = 8;
  const NEAR_DISJOINT_DIVISOR = 1024;
  const NEAR_DISJOINT_MAX_COMMON = 64;
  const CONFUSING_SCAN_WINDOW = 100;
  const CONFUSING_RATIO = 4;
  const MAX_MATCH_FREQUENCY = 1024;
  const NO_MATCH = -1;
  const DISCARD = 0;
  const KEEP = 1;
  const INVESTIGATE = 2;

  const isqrt = (x) => {
    let r = Math.floor(Math.sqrt(x));
    while (r * r > x) r--;
    while ((r + 1) * (r + 1) <= x) r++;
    return r;
  };
  const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));

  function shouldScan(old, os, oe, neu, ns, ne) {
    const ol = oe - os;
    const nl = ne - ns;
    if (ol < DISJOINT_MIN_LEN || nl < DISJOINT_MIN_LEN || ol * nl < DISJOINT_MIN_WORK) return false;
    if (neu[ns] === old[os] || neu[ne - 1] === old[oe - 1]) return false;
    const probe = Math.min(ol, nl, DISJOINT_BOUNDARY_PROBE + 1);
    for (let skip = 1; skip < probe; skip++) {
      if (
        neu[ns + skip] === old[os] ||
        neu[ns] === old[os + skip] ||
        neu[ne - 1 - skip] === old[oe - 1] ||
        neu[ne - 1] === old[oe - 1 - skip]
      ) {
        return false;
      }
    }
    return true;
  }

  function maybeReplaceFastPath(d, old, os, oe, neu, ns, ne) {
    if (!shouldScan(old, os, oe, neu, ns, ne)) return false;
    const budget = clamp(Math.floor(Math.min(oe - os, ne - ns) / NEAR_DISJOINT_DIVISOR), 1, NEAR_DISJOINT_MAX_COMMON);
    const seen = new Set();
    for (let i = os; i < oe; i++) seen.add(old[i]);
    let common = 0;
    for (let j = ns; j < ne; j++) {
      if (seen.has(neu[j])) {
        common++;
        if (common > budget) return false;
      }
    }
    d.delete(os, oe - os, ns);
    d.insert(os, ns, ne - ns);
    d.finish();
    return true;
  }

  function recordActions(ids, oppositeCounts) {
    const limit = clamp(isqrt(ids.length), 1, MAX_MATCH_FREQUENCY);
    return ids.map((id) => {
      if (id === NO_MATCH) return DISCARD;
      const count = oppositeCounts[id];
      if (count === 0) return DISCARD;
      return count < limit ? KEEP : INVESTIGATE;
    });
  }

  function scanConfusingRun(actions, from, step) {
    let discards = 0;
    let investigates = 0;
    for (let i = from, taken = 0; i >= 0 && i < actions.length && taken < CONFUSING_SCAN_WINDOW; i += step, taken++) {
      if (actions[i] === DISCARD) discards++;
      else if (actions[i] === INVESTIGATE) investigates++;
      else break;
    }
    return [discards, investigates];
  }

  function keepRecord(actions, index) {
    const action = actions[index];
    if (action === DISCARD) return false;
    if (action === KEEP) return true;
    const [leftDiscards, leftInvestigates] = scanConfusingRun(actions, index - 1, -1);
    if (leftDiscards === 0) return true;
    const [rightDiscards, rightInvestigates] = scanConfusingRun(actions, index + 1, 1);
    if (rightDiscards === 0) return true;
    const discards = leftDiscards + rightDiscards;
    const investigates = leftInvestigates + rightInvestigates + 1;
    return !(investigates * CONFUSING_RATIO < investigates + discards);
  }

  function trimInput(old, os, oe, neu, ns, ne) {
    const prefix = commonPrefixLen(old, os, oe, neu, ns, ne);
    const suffix = commonSuffixLen(old, os + prefix, oe, neu, ns + prefix, ne);
    return {
      os: os + prefix,
      oe: oe - suffix,
      ns: ns + prefix,
      ne: ne - suffix,
      origOs: os,
      origOe: oe,
      origNs: ns,
      origNe: ne,
      prefix,
      suffix,
    };
  }

  function reduceForMyers(old, os, oe, neu, ns, ne) {
    const trimmed = trimInput(old, os, oe, neu, ns, ne);
    if (!shouldScan(old, trimmed.os, trimmed.oe, neu, trimmed.ns, trimmed.ne)) return { trimmed };
    const ids = new Map();
    const oldValues = [];
    const newValues = [];
    const oldCounts = [];
    const newCounts = [];
    for (let i = trimmed.os; i < trimmed.oe; i++) {
      let id = ids.get(old[i]);
      if (id === undefined) {
        id = oldCounts.length;
        ids.set(old[i], id);
        oldCounts.push(0);
        newCounts.push(0);
      }
      oldCounts[id]++;
      oldValues.push(id);
    }
    for (let j = trimmed.ns; j < trimmed.ne; j++) {
      const id = ids.has(neu[j]) ? ids.get(neu[j]) : NO_MATCH;
      if (id !== NO_MATCH) newCounts[id]++;
      newValues.push(id);
    }
    const oldActions = recordActions(oldValues, newCounts);
    const reducedOld = [];
    const oldIndices = [];
    oldValues.forEach((id, offset) => {
      if (keepRecord(oldActions, offset)) {
        reducedOld.push(id);
        oldIndices.push(trimmed.os + offset);
      }
    });
    const newActions = recordActions(newValues, oldCounts);
    const reducedNew = [];
    const newIndices = [];
    newValues.forEach((id, offset) => {
      if (keepRecord(newActions, offset)) {
        reducedNew.push(id);
        newIndices.push(trimmed.ns + offset);
      }
    });
    if (oldIndices.length === trimmed.oe - trimmed.os && newIndices.length === trimmed.ne - trimmed.ns) {
      return { trimmed };
    }
    return { trimmed, reduced: { reducedOld, oldIndices, reducedNew, newIndices } };
  }

  // Maps the equalities of a diff of reduced sequences back to the full ones.
  class ReducedHook extends Hook {
    constructor(d, oldIndices, newIndices, oc, nc, oe, ne) {
      super();
      Object.assign(this, { d, oldIndices, newIndices, oc, nc, oe, ne });
    }
    emitGaps(oldAnchor, newAnchor) {
      if (this.oc < oldAnchor) {
        this.d.delete(this.oc, oldAnchor - this.oc, this.nc);
        this.oc = oldAnchor;
      }
      if (this.nc < newAnchor) {
        this.d.insert(this.oc, this.nc, newAnchor - this.nc);
        this.nc = newAnchor;
      }
    }
    equal(oi, ni, len) {
      let offset = 0;
      while (offset < len) {
        const oldAnchor = this.oldIndices[oi + offset];
        const newAnchor = this.newIndices[ni + offset];
        this.emitGaps(oldAnchor, newAnchor);
        let run = 1;
        while (
          offset + run < len &&
          this.oldIndices[oi + offset + run] === oldAnchor + run &&
          this.newIndices[ni + offset + run] === newAnchor + run
        ) {
          run++;
        }
        this.d.equal(oldAnchor, newAnchor, run);
        this.oc = oldAnchor + run;
        this.nc = newAnchor + run;
        offset += run;
      }
    }
    finish() {
      this.emitGaps(this.oe, this.ne);
    }
  }

  // ---------------------------------------------------------------------------------
  // Myers (algorithms/myers.rs), with its heuristics.
  // ---------------------------------------------------------------------------------
  const HEURISTIC = 0;
  const RAW = 1;
  const SMALL_SIDE_EXACT_MAX = 64;
  const SMALL_SIDE_EXACT_MIN_LARGE = 512;
  const SMALL_SIDE_EXACT_MAX_WORK = 64000000;
  const HEURISTIC_MIN_COST = 256;
  const HEURISTIC_MIN_SNAKE = 20;
  const HEURISTIC_MIN_MAX_COST = 256;
  const HEURISTIC_PROGRESS_FACTOR = 4;

  function myersDiff(d, old, os, oe, neu, ns, ne) {
    const pre = reduceForMyers(old, os, oe, neu, ns, ne);
    if (pre.reduced) diffReduced(d, pre.trimmed, pre.reduced);
    else diffPretrimmed(d, old, neu, pre.trimmed, HEURISTIC);
  }

  function diffReduced(d, t, r) {
    if (t.prefix > 0) d.equal(t.origOs, t.origNs, t.prefix);
    const hook = new ReducedHook(d, r.oldIndices, r.newIndices, t.os, t.ns, t.oe, t.ne);
    const inner = trimInput(r.reducedOld, 0, r.reducedOld.length, r.reducedNew, 0, r.reducedNew.length);
    diffPretrimmed(hook, r.reducedOld, r.reducedNew, inner, HEURISTIC);
    if (t.suffix > 0) d.equal(t.origOe - t.suffix, t.origNe - t.suffix, t.suffix);
    d.finish();
  }

  const maxD = (a, b) => Math.floor((a + b + 1) / 2) + 1;

  function diffPretrimmed(d, old, neu, t, mode) {
    if (t.prefix > 0) d.equal(t.origOs, t.origNs, t.prefix);
    const ol = t.oe - t.os;
    const nl = t.ne - t.ns;
    if (ol <= 0 && nl <= 0) {
      // nothing
    } else if (ol <= 0) {
      d.insert(t.os, t.ns, nl);
    } else if (nl <= 0) {
      d.delete(t.os, ol, t.ns);
    } else {
      const md = maxD(ol, nl);
      const vf = { off: md, v: new Array(2 * md).fill(0) };
      const vb = { off: md, v: new Array(2 * md).fill(0) };
      conquer(d, old, t.os, t.oe, neu, t.ns, t.ne, vf, vb, mode);
    }
    if (t.suffix > 0) d.equal(t.origOe - t.suffix, t.origNe - t.suffix, t.suffix);
    d.finish();
  }

  function emitSmallOldExact(d, old, os, oe, neu, ns, ne) {
    const n = oe - os;
    const m = ne - ns;
    const w = m + 1;
    const dp = new Uint8Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        dp[i * w + j] = neu[ns + j] === old[os + i] ? dp[(i + 1) * w + j + 1] + 1 : Math.max(dp[(i + 1) * w + j], dp[i * w + j + 1]);
      }
    }
    const diag = (i, j) => neu[ns + j] === old[os + i] && dp[i * w + j] === dp[(i + 1) * w + j + 1] + 1;
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (diag(i, j)) {
        const si = i;
        const sj = j;
        while (i < n && j < m && diag(i, j)) {
          i++;
          j++;
        }
        d.equal(os + si, ns + sj, i - si);
      } else if (dp[(i + 1) * w + j] >= dp[i * w + j + 1]) {
        const si = i;
        const newIdx = ns + j;
        while (i < n) {
          if (j >= m) {
            i = n;
            break;
          }
          if (diag(i, j)) break;
          if (dp[(i + 1) * w + j] >= dp[i * w + j + 1]) i++;
          else break;
        }
        d.delete(os + si, i - si, newIdx);
      } else {
        const sj = j;
        const oldIdx = os + i;
        while (j < m) {
          if (i >= n) {
            j = m;
            break;
          }
          if (diag(i, j)) break;
          if (dp[(i + 1) * w + j] < dp[i * w + j + 1]) j++;
          else break;
        }
        d.insert(oldIdx, ns + sj, j - sj);
      }
    }
    if (i < n) d.delete(os + i, n - i, ns + j);
    if (j < m) d.insert(os + i, ns + j, m - j);
  }

  function emitSmallNewExact(d, old, os, oe, neu, ns, ne) {
    const n = oe - os;
    const m = ne - ns;
    const w = n + 1;
    const dp = new Uint8Array((m + 1) * w);
    for (let i = m - 1; i >= 0; i--) {
      for (let j = n - 1; j >= 0; j--) {
        dp[i * w + j] = neu[ns + i] === old[os + j] ? dp[(i + 1) * w + j + 1] + 1 : Math.max(dp[(i + 1) * w + j], dp[i * w + j + 1]);
      }
    }
    const diag = (i, j) => neu[ns + i] === old[os + j] && dp[i * w + j] === dp[(i + 1) * w + j + 1] + 1;
    let i = 0;
    let j = 0;
    while (i < m && j < n) {
      if (diag(i, j)) {
        const si = i;
        const sj = j;
        while (i < m && j < n && diag(i, j)) {
          i++;
          j++;
        }
        d.equal(os + sj, ns + si, j - sj);
      } else if (dp[(i + 1) * w + j] >= dp[i * w + j + 1]) {
        const si = i;
        const oldIdx = os + j;
        while (i < m) {
          if (j >= n) {
            i = m;
            break;
          }
          if (diag(i, j)) break;
          if (dp[(i + 1) * w + j] >= dp[i * w + j + 1]) i++;
          else break;
        }
        d.insert(oldIdx, ns + si, i - si);
      } else {
        const sj = j;
        const newIdx = ns + i;
        while (j < n) {
          if (i >= m) {
            j = n;
            break;
          }
          if (diag(i, j)) break;
          if (dp[(i + 1) * w + j] < dp[i * w + j + 1]) j++;
          else break;
        }
        d.delete(os + sj, j - sj, newIdx);
      }
    }
    if (j < n) d.delete(os + j, n - j, ns + i);
    if (i < m) d.insert(os + j, ns + i, m - i);
  }

  function maybeSmallSideExact(d, old, os, oe, neu, ns, ne) {
    const ol = oe - os;
    const nl = ne - ns;
    const small = Math.min(ol, nl);
    const large = Math.max(ol, nl);
    if (small === 0 || small > SMALL_SIDE_EXACT_MAX || large < SMALL_SIDE_EXACT_MIN_LARGE || ol * nl > SMALL_SIDE_EXACT_MAX_WORK) {
      return false;
    }
    if (ol <= nl) emitSmallOldExact(d, old, os, oe, neu, ns, ne);
    else emitSmallNewExact(d, old, os, oe, neu, ns, ne);
    return true;
  }

  // Peels a long common run after a few items of the larger side; returns the new starts.
  function tryFrontAnchor(d, old, os, oe, neu, ns, ne) {
    const MAX_SKIP = 4;
    const MIN_ANCHOR_COMMON = 96;
    const ol = oe - os;
    const nl = ne - ns;
    if (ol <= MIN_ANCHOR_COMMON || nl <= MIN_ANCHOR_COMMON) return [os, ns];
    const small = Math.min(ol, nl);
    const large = Math.max(ol, nl);
    if (large < small * 2) return [os, ns];
    const maxOldSkip = Math.min(ol - 1, MAX_SKIP);
    const maxNewSkip = Math.min(nl - 1, MAX_SKIP);
    const preferInsert = nl > ol;
    const preferDelete = ol > nl;
    let best = null;
    search: for (let oskip = 0; oskip <= maxOldSkip; oskip++) {
      for (let nskip = 0; nskip <= maxNewSkip; nskip++) {
        if (oskip === 0 && nskip === 0) continue;
        if (oskip !== 0 && nskip !== 0) continue;
        if (preferInsert && oskip !== 0) continue;
        if (preferDelete && nskip !== 0) continue;
        if (neu[ns + nskip] !== old[os + oskip]) continue;
        const common = commonPrefixLen(old, os + oskip, oe, neu, ns + nskip, ne);
        if (common >= MIN_ANCHOR_COMMON) {
          if (common >= MIN_ANCHOR_COMMON * 8) {
            best = [oskip, nskip, common];
            break search;
          }
          const cand = [common, -Math.max(oskip, nskip), oskip, nskip];
          let better = true;
          if (best) {
            const cur = [best[2], -Math.max(best[0], best[1]), best[0], best[1]];
            better = false;
            for (let k = 0; k < 4; k++) {
              if (cand[k] !== cur[k]) {
                better = cand[k] > cur[k];
                break;
              }
            }
          }
          if (better) best = [oskip, nskip, common];
        }
      }
    }
    if (!best) return [os, ns];
    const [oskip, nskip, common] = best;
    if (oskip === 0 && nskip !== 0) d.insert(os, ns, nskip);
    else if (oskip !== 0 && nskip === 0) d.delete(os, oskip, ns);
    else if (oskip !== 0 && nskip !== 0) d.replace(os, oskip, ns, nskip);
    d.equal(os + oskip, ns + nskip, common);
    return [os + oskip + common, ns + nskip + common];
  }

  const isInteriorSplit = (oi, ni, ol, nl) => oi <= ol && ni <= nl && (oi !== 0 || ni !== 0) && (oi !== ol || ni !== nl);

  function clampDiagonalPoint(oi, k, ol, nl) {
    if (k < 0 && -k > nl) return null;
    const minOld = Math.max(k, 0);
    const maxOld = k >= 0 ? Math.min(ol, nl + k) : Math.min(ol, Math.max(0, nl + k));
    if (minOld > maxOld) return null;
    const x = clamp(oi, minOld, maxOld);
    return [x, x - k];
  }

  function updateBest(best, cand) {
    return best === null || cand.progress > best.progress ? cand : best;
  }

  function findMiddleSnake(old, os, oe, neu, ns, ne, vf, vb, mode) {
    const n = oe - os;
    const m = ne - ns;
    const delta = n - m;
    const odd = (delta & 1) === 1;
    const F = vf.v;
    const B = vb.v;
    const fo = vf.off;
    const bo = vb.off;
    F[1 + fo] = 0;
    B[1 + bo] = 0;
    const dMax = maxD(n, m);
    const maxCost = mode === HEURISTIC ? Math.max(isqrt(n + m), HEURISTIC_MIN_MAX_COST) : Infinity;
    const heuristic = (split) => ({
      oi: os + split.oi,
      ni: ns + split.ni,
      left: split.forward ? RAW : HEURISTIC,
      right: split.forward ? HEURISTIC : RAW,
    });
    for (let d = 0; d < dMax; d++) {
      let good = null;
      let forward = null;
      let backward = null;
      const trackLimit = mode === HEURISTIC && d >= maxCost;
      const trackGood = mode === HEURISTIC && d > HEURISTIC_MIN_COST;

      for (let k = d; k >= -d; k -= 2) {
        let x = k === -d || (k !== d && F[k - 1 + fo] < F[k + 1 + fo]) ? F[k + 1 + fo] : F[k - 1 + fo] + 1;
        const y = x - k;
        const x0 = x;
        const y0 = y;
        if (x < n && y >= 0 && y < m) x += commonPrefixLen(old, os + x, oe, neu, ns + y, ne);
        const snake = x - x0;
        F[k + fo] = x;
        if (odd && Math.abs(k - delta) <= d - 1 && F[k + fo] + B[-(k - delta) + bo] >= n) {
          return { oi: x0 + os, ni: y0 + ns, left: RAW, right: RAW };
        }
        if (trackLimit) {
          const point = clampDiagonalPoint(x, k, n, m);
          if (point && isInteriorSplit(point[0], point[1], n, m)) {
            forward = updateBest(forward, { oi: point[0], ni: point[1], progress: point[0] + point[1], forward: true });
          }
        }
        if (trackGood && snake >= HEURISTIC_MIN_SNAKE && x < n && y >= 0 && y < m) {
          const useful = Math.max(0, x + y - Math.abs(k));
          if (useful > HEURISTIC_PROGRESS_FACTOR * d && isInteriorSplit(x0, y0, n, m)) {
            good = updateBest(good, { oi: x0, ni: y0, progress: useful, forward: true });
          }
        }
      }

      for (let k = d; k >= -d; k -= 2) {
        let x = k === -d || (k !== d && B[k - 1 + bo] < B[k + 1 + bo]) ? B[k + 1 + bo] : B[k - 1 + bo] + 1;
        let y = x - k;
        const x0 = x;
        if (x < n && y >= 0 && y < m) {
          const advance = commonSuffixLen(old, os, os + n - x, neu, ns, ns + m - y);
          x += advance;
          y += advance;
        }
        const snake = x - x0;
        B[k + bo] = x;
        if (!odd && Math.abs(k - delta) <= d && B[k + bo] + F[-(k - delta) + fo] >= n) {
          return { oi: n - x + os, ni: m - y + ns, left: RAW, right: RAW };
        }
        if (trackLimit) {
          const point = clampDiagonalPoint(x, k, n, m);
          if (point) {
            const so = n - point[0];
            const sn = m - point[1];
            if (isInteriorSplit(so, sn, n, m)) {
              backward = updateBest(backward, { oi: so, ni: sn, progress: point[0] + point[1], forward: false });
            }
          }
        }
        if (trackGood && snake >= HEURISTIC_MIN_SNAKE && x <= n && y >= 0 && y <= m) {
          const so = n - x;
          const sn = m - y;
          const useful = Math.max(0, x + y - Math.abs(k));
          if (so > 0 && sn > 0 && useful > HEURISTIC_PROGRESS_FACTOR * d) {
            good = updateBest(good, { oi: so, ni: sn, progress: useful, forward: false });
          }
        }
      }

      if (good) return heuristic(good);
      if (d >= maxCost) {
        let split;
        if (forward && backward) split = forward.progress > backward.progress ? forward : backward;
        else split = forward || backward;
        if (!split) break;
        return heuristic(split);
      }
    }
    return null;
  }

  function conquer(d, old, os, oe, neu, ns, ne, vf, vb, mode) {
    const prefix = commonPrefixLen(old, os, oe, neu, ns, ne);
    if (prefix > 0) d.equal(os, ns, prefix);
    os += prefix;
    ns += prefix;
    const suffix = commonSuffixLen(old, os, oe, neu, ns, ne);
    const suffixOld = oe - suffix;
    const suffixNew = ne - suffix;
    oe -= suffix;
    ne -= suffix;
    while (os < oe && ns < ne) {
      const [o, n] = tryFrontAnchor(d, old, os, oe, neu, ns, ne);
      if (o === os && n === ns) break;
      os = o;
      ns = n;
    }
    if (os >= oe && ns >= ne) {
      // nothing
    } else if (ns >= ne) {
      d.delete(os, oe - os, ns);
    } else if (os >= oe) {
      d.insert(os, ns, ne - ns);
    } else if (maybeSmallSideExact(d, old, os, oe, neu, ns, ne)) {
      // emitted exactly
    } else {
      const split = findMiddleSnake(old, os, oe, neu, ns, ne, vf, vb, mode);
      if (split) {
        conquer(d, old, os, split.oi, neu, ns, split.ni, vf, vb, split.left);
        conquer(d, old, split.oi, oe, neu, split.ni, ne, vf, vb, split.right);
      } else {
        d.delete(os, oe - os, ns);
        d.insert(os, ns, ne - ns);
      }
    }
    if (suffix > 0) d.equal(suffixOld, suffixNew, suffix);
  }

  // ---------------------------------------------------------------------------------
  // Patience (algorithms/patience.rs).
  // ---------------------------------------------------------------------------------
  function unique(seq, start, end) {
    const counts = new Map();
    for (let i = start; i < end; i++) counts.set(seq[i], (counts.get(seq[i]) || 0) + 1);
    const out = [];
    for (let i = start; i < end; i++) if (counts.get(seq[i]) === 1) out.push(i);
    return out;
  }

  class PatienceHook extends Hook {
    constructor(d, old, oc, oe, oldIndexes, neu, nc, ne, newIndexes) {
      super();
      Object.assign(this, { d, old, oc, oe, oldIndexes, neu, nc, ne, newIndexes });
    }
    equal(o, n, len) {
      for (let k = 0; k < len; k++) {
        const oldAnchor = this.oldIndexes[o + k];
        const newAnchor = this.newIndexes[n + k];
        const a0 = this.oc;
        const b0 = this.nc;
        while (this.oc < oldAnchor && this.nc < newAnchor && this.neu[this.nc] === this.old[this.oc]) {
          this.oc++;
          this.nc++;
        }
        if (this.oc > a0) this.d.equal(a0, b0, this.oc - a0);
        myersDiff(new NoFinish(this.d), this.old, this.oc, oldAnchor, this.neu, this.nc, newAnchor);
        this.oc = oldAnchor;
        this.nc = newAnchor;
      }
    }
    finish() {
      myersDiff(this.d, this.old, this.oc, this.oe, this.neu, this.nc, this.ne);
    }
  }

  function patienceDiff(d, old, os, oe, neu, ns, ne) {
    if (maybeReplaceFastPath(d, old, os, oe, neu, ns, ne)) return;
    if (os >= oe || ns >= ne) {
      if (ns < ne) d.insert(os, ns, ne - ns);
      else if (os < oe) d.delete(os, oe - os, ns);
      d.finish();
      return;
    }
    const prefix = commonPrefixLen(old, os, oe, neu, ns, ne);
    if (oe - os === ne - ns && prefix === oe - os) {
      if (prefix > 0) d.equal(os, ns, prefix);
      d.finish();
      return;
    }
    const oldIndexes = unique(old, os, oe);
    const newIndexes = unique(neu, ns, ne);
    const oldValues = oldIndexes.map((i) => old[i]);
    const newValues = newIndexes.map((i) => neu[i]);
    const hook = new ReplaceHook(new PatienceHook(d, old, os, oe, oldIndexes, neu, ns, ne, newIndexes));
    myersDiff(hook, oldValues, 0, oldValues.length, newValues, 0, newValues.length);
  }

  // similar::capture_diff_slices: the algorithm's ops, compacted, with adjacent
  // deletions and insertions made replacements. Values compare with ===.
  function captureDiff(patience, old, neu) {
    const capture = new Capture();
    const hook = new Compact(new ReplaceHook(capture), old, neu);
    if (patience) patienceDiff(hook, old, 0, old.length, neu, 0, neu.length);
    else myersDiff(hook, old, 0, old.length, neu, 0, neu.length);
    return capture.ops;
  }

  // ---------------------------------------------------------------------------------
  // Text: Rust's char classes and trims.
  // ---------------------------------------------------------------------------------
  const WHITESPACE = /\p{White_Space}/u;
  const ALPHANUMERIC = /[\p{Alphabetic}\p{N}]/u;
  const WHITESPACE_RUN = /\p{White_Space}+/uy;
  const ALPHANUMERIC_RUN = /[\p{Alphabetic}\p{N}]+/uy;
  // White_Space characters are all in the BMP: code units can be tested one by one.
  const isSpaceUnit = (s, i) => WHITESPACE.test(s[i]);
  function trimStart(s) {
    let i = 0;
    while (i < s.length && isSpaceUnit(s, i)) i++;
    return s.slice(i);
  }
  function trimEnd(s) {
    let i = s.length;
    while (i > 0 && isSpaceUnit(s, i - 1)) i--;
    return s.slice(0, i);
  }
  const trim = (s) => trimEnd(trimStart(s));
  function trimEndMatches(s, c) {
    let i = s.length;
    while (i > 0 && s[i - 1] === c) i--;
    return s.slice(0, i);
  }
  // Bytes of s[start..end] in UTF-8 (Rust's string offsets).
  function utf8Length(s, start, end) {
    let bytes = 0;
    for (let i = start; i < end; i++) {
      const u = s.charCodeAt(i);
      if (u < 0x80) bytes += 1;
      else if (u < 0x800) bytes += 2;
      else if (u >= 0xd800 && u <= 0xdbff) bytes += 4;
      else if (u >= 0xdc00 && u <= 0xdfff) bytes += 0;
      else bytes += 3;
    }
    return bytes;
  }
  function charAt(s, i) {
    const cp = s.codePointAt(i);
    return cp > 0xffff ? s.slice(i, i + 2) : s[i];
  }

  // ---------------------------------------------------------------------------------
  // Tokens.
  // ---------------------------------------------------------------------------------
  const TAG = 0;
  const WORD = 1;
  const SPACE = 2;
  const PUNCT = 3;

  function tokenize(html) {
    const tokens = [];
    let i = 0;
    while (i < html.length) {
      const c = charAt(html, i);
      let kind;
      let len;
      if (c === "<") {
        const end = html.indexOf(">", i);
        kind = TAG;
        len = end < 0 ? html.length - i : end - i + 1;
      } else if (c === "&") {
        const end = html.indexOf(";", i);
        kind = PUNCT;
        len = 1;
        if (end >= 0 && end - i < 10 && utf8Length(html, i, end) < 10 && !html.slice(i + 1, end).includes(" ")) {
          len = end - i + 1;
        }
      } else if (WHITESPACE.test(c)) {
        WHITESPACE_RUN.lastIndex = i;
        WHITESPACE_RUN.test(html);
        kind = SPACE;
        len = WHITESPACE_RUN.lastIndex - i;
      } else if (ALPHANUMERIC.test(c)) {
        ALPHANUMERIC_RUN.lastIndex = i;
        ALPHANUMERIC_RUN.test(html);
        kind = WORD;
        len = ALPHANUMERIC_RUN.lastIndex - i;
      } else {
        kind = PUNCT;
        len = c.length;
      }
      tokens.push({ kind, text: html.slice(i, i + len) });
      i += len;
    }
    return tokens;
  }

  const countWords = (tokens, start = 0, end = tokens.length) => {
    let n = 0;
    for (let i = start; i < end; i++) if (tokens[i].kind === WORD) n++;
    return n;
  };

  function tagName(tag) {
    let i = 0;
    while (tag[i] === "<") i++;
    while (tag[i] === "/") i++;
    let end = i;
    while (end < tag.length) {
      const c = charAt(tag, end);
      if (c === ">" || c === "/" || WHITESPACE.test(c)) break;
      end += c.length;
    }
    return tag.slice(i, end);
  }

  const blockKind = (block) => tagName(trimStart(block));

  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  // ---------------------------------------------------------------------------------
  // The redline (src/policy/redline.rs).
  // ---------------------------------------------------------------------------------
  const MIN_SIMILARITY = 0.35;
  const MAX_ALIGN_CELLS = 250000;
  const TOP = 0;
  const LIST = 1;
  const TABLE = 2;
  const INSERT = "ins";
  const DELETE = "del";
  const VOID_TAGS = ["br", "hr", "img", "input", "wbr", "col", "source"];

  const DEFAULT_LABELS = {
    unchanged: "Unchanged: {section}",
    opening: "Opening text",
    was_paragraph: "was a paragraph",
    was_list_item: "was a list item",
    was_heading: "was a heading",
    link_was: "link changed, was {href}",
    link_added: "link added",
  };

  const unitPlace = (unit) => (unit.kind === "li" ? LIST : unit.kind === "tr" ? TABLE : TOP);

  function splitChildren(block, child, between) {
    const lead = block.length - trimStart(block).length;
    const gt = block.indexOf(">", lead);
    if (gt < 0) return null;
    const openEnd = gt + 1;
    const closeStart = trimEnd(block).lastIndexOf("</");
    if (closeStart < 0 || closeStart < openEnd) return null;
    const inner = block.slice(openEnd, closeStart);
    const glue = [];
    const items = [];
    let depth = 0;
    let start = 0;
    let glueStart = 0;
    let offset = 0;
    for (const token of tokenize(inner)) {
      const end = offset + token.text.length;
      if (token.kind === TAG && child.includes(tagName(token.text))) {
        if (token.text.startsWith("</")) {
          if (depth === 0) return null;
          depth--;
          if (depth === 0) {
            const rest = inner.slice(end);
            const gap = rest.length - trimStart(rest).length;
            items.push(inner.slice(start, end + gap));
            glueStart = end + gap;
          }
        } else {
          if (depth === 0) {
            glue.push([glueStart, offset]);
            start = offset;
          }
          depth++;
        }
      } else if (token.kind === TAG && depth === 0 && !between.includes(tagName(token.text))) {
        return null;
      } else if (token.kind === SPACE || token.kind === TAG) {
        // allowed
      } else if (depth === 0) {
        return null;
      }
      offset = end;
    }
    if (depth !== 0 || items.length === 0) return null;
    return {
      open: block.slice(0, openEnd),
      glue: glue.map(([a, b], k) => (k === 0 ? block.slice(0, openEnd + b) : inner.slice(a, b))),
      items,
      close: block.slice(openEnd + Math.min(glueStart, inner.length)),
    };
  }

  const splitRows = (block) => splitChildren(block, ["tr"], ["thead", "tbody", "tfoot", "caption", "colgroup", "col"]);

  function flatOf(blocks) {
    const flat = { units: [], pieces: [], unitPiece: [] };
    const addUnit = (html, kind, parentOpen) => {
      flat.unitPiece.push(flat.pieces.length);
      flat.pieces.push(null);
      flat.units.push({ html, kind, parentOpen });
    };
    for (const block of blocks) {
      const kind = blockKind(block);
      let parts = null;
      let place = TOP;
      if (kind === "ul" || kind === "ol") {
        parts = splitChildren(block, ["li"], []);
        place = LIST;
      } else if (kind === "table") {
        parts = splitRows(block);
        place = TABLE;
      }
      if (!parts) {
        addUnit(block, kind, "");
        continue;
      }
      parts.items.forEach((item, k) => {
        if (parts.glue[k] !== "") flat.pieces.push({ html: parts.glue[k], place });
        addUnit(item, blockKind(item), parts.open);
      });
      flat.pieces.push({ html: parts.close, place: TOP });
    }
    return flat;
  }

  function sectionTitle(block) {
    const kind = blockKind(block);
    if (kind !== "h1" && kind !== "h2") return null;
    const text = tokenize(block)
      .filter((t) => t.kind !== TAG)
      .map((t) => t.text)
      .join("");
    return trim(trimEndMatches(trim(text), "#"));
  }

  function stripHeadingAnchors(html) {
    const START = '<a class="heading-anchor"';
    let out = "";
    let rest = html;
    let at;
    while ((at = rest.indexOf(START)) >= 0) {
      out += trimEndMatches(rest.slice(0, at), " ");
      const end = rest.indexOf("</a>", at);
      rest = end >= 0 ? rest.slice(end + 4) : "";
    }
    return out + rest;
  }

  function stripAttributeIds(html) {
    let out = "";
    let rest = html;
    let at;
    while ((at = rest.indexOf(' id="')) >= 0) {
      out += rest.slice(0, at);
      const after = rest.slice(at + 5);
      const end = after.indexOf('"');
      rest = end >= 0 ? after.slice(end + 1) : "";
    }
    return out + rest;
  }

  const stripIds = (html) => stripAttributeIds(stripHeadingAnchors(html));

  function tagsBalance(tokens, start = 0, end = tokens.length) {
    const stack = [];
    for (let i = start; i < end; i++) {
      const token = tokens[i];
      if (token.kind !== TAG) continue;
      const name = tagName(token.text);
      if (token.text.startsWith("</")) {
        if (stack.length === 0 || stack.pop() !== name) return false;
      } else if (!VOID_TAGS.includes(name) && !token.text.endsWith("/>")) {
        stack.push(name);
      }
    }
    return stack.length === 0;
  }

  function isPunctuationOnly(text) {
    let i = 0;
    let any = false;
    while (i < text.length) {
      const c = charAt(text, i);
      if (c === "&") {
        const end = text.indexOf(";", i);
        if (end >= 0 && utf8Length(text, i, end) <= 10) {
          i = end + 1;
          any = true;
          continue;
        }
      }
      if (ALPHANUMERIC.test(c)) return false;
      if (!WHITESPACE.test(c)) any = true;
      i += c.length;
    }
    return any;
  }

  function splitElement(html) {
    const lead = html.length - trimStart(html).length;
    const gt = html.indexOf(">", lead);
    if (gt < 0) return null;
    const openEnd = gt + 1;
    const closeStart = trimEnd(html).lastIndexOf("</");
    if (closeStart < 0 || closeStart < openEnd) return null;
    return [html.slice(0, openEnd), html.slice(openEnd, closeStart), html.slice(closeStart)];
  }

  function splitHeadingAnchor(inner) {
    const at = inner.indexOf('<a class="heading-anchor"');
    if (at < 0) return [inner, ""];
    const text = trimEndMatches(inner.slice(0, at), " ");
    return [inner.slice(0, text.length), inner.slice(text.length)];
  }

  function href(tag) {
    const at = tag.indexOf('href="');
    if (at < 0) return "";
    const rest = tag.slice(at + 6);
    const end = rest.indexOf('"');
    return end < 0 ? "" : rest.slice(0, end);
  }

  function wordBag(html) {
    const words = new Map();
    let total = 0;
    for (const token of tokenize(html)) {
      if (token.kind !== WORD) continue;
      words.set(token.text, (words.get(token.text) || 0) + 1);
      total++;
    }
    return { words, total };
  }

  function similarity(a, b) {
    const longest = Math.max(a.total, b.total);
    if (longest === 0) return 1;
    let shared = 0;
    for (const [word, n] of a.words) shared += Math.min(n, b.words.get(word) || 0);
    return shared / longest;
  }

  const isTextForm = (kind) => ["p", "li", "h1", "h2", "h3", "h4", "h5", "h6"].includes(kind);
  const comparable = (a, b) => a === b || (isTextForm(a) && isTextForm(b));

  // Pairs the units of a replaced run (steps: ["d", i], ["i", j], ["p", i, j]).
  function align(olds, news) {
    const n = olds.length;
    const m = news.length;
    // One unit for one of the same form: paired without weighing words (rows take the
    // pairing below), as in redline.rs.
    if (n === 1 && m === 1 && olds[0].kind === news[0].kind && olds[0].kind !== "tr") return [["p", 0, 0]];
    if (n * m > MAX_ALIGN_CELLS) {
      const steps = [];
      for (let k = 0; k < Math.min(n, m); k++) steps.push(["p", k, k]);
      for (let k = Math.min(m, n); k < n; k++) steps.push(["d", k]);
      for (let k = Math.min(n, m); k < m; k++) steps.push(["i", k]);
      return steps;
    }
    const bags = olds.map((u) => wordBag(u.html));
    const newBags = news.map((u) => wordBag(u.html));
    const sims = new Float64Array(n * m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        if (comparable(olds[i].kind, news[j].kind)) {
          const similar = similarity(bags[i], newBags[j]);
          s = similar < MIN_SIMILARITY ? 0 : Math.floor(similar * 1000) + 1;
        }
        sims[i * m + j] = s;
      }
    }
    const sim = (i, j) => sims[i * m + j];
    const width = m + 1;
    const score = new Float64Array((n + 1) * width);
    for (let i = 1; i <= n; i++) {
      for (let j = 1; j <= m; j++) {
        const s = sim(i - 1, j - 1);
        const pair = s === 0 ? 0 : score[(i - 1) * width + j - 1] + s;
        score[i * width + j] = Math.max(pair, score[(i - 1) * width + j], score[i * width + j - 1]);
      }
    }
    const steps = [];
    let i = n;
    let j = m;
    while (i > 0 || j > 0) {
      const here = score[i * width + j];
      if (i > 0 && j > 0) {
        const s = sim(i - 1, j - 1);
        if (s > 0 && here === score[(i - 1) * width + j - 1] + s) {
          steps.push(["p", i - 1, j - 1]);
          i--;
          j--;
          continue;
        }
      }
      if (j > 0 && here === score[i * width + j - 1]) {
        steps.push(["i", j - 1]);
        j--;
      } else {
        steps.push(["d", i - 1]);
        i--;
      }
    }
    return steps.reverse();
  }

  function addCount(counts, change, words) {
    if (change === INSERT) counts.inserted += words;
    else counts.deleted += words;
  }

  function markWhole(html, change, counts) {
    addCount(counts, change, countWords(tokenize(html)));
    return change === DELETE ? stripIds(html) : html;
  }

  const wrappedBlock = (body, change) => ({
    html: `<${change} class="redline-block">${body}</${change}>`,
    changed: true,
    opensSection: null,
  });

  function wholeBlock(block, change, counts) {
    const item = wrappedBlock(markWhole(block, change, counts), change);
    item.opensSection = change === INSERT ? sectionTitle(block) : null;
    return item;
  }

  const changedItem = (html) => ({ html, changed: true, opensSection: null });

  function wholeItem(item, change, counts) {
    const gt = item.indexOf(">");
    const openEnd = gt < 0 ? 0 : gt + 1;
    let closeStart = trimEnd(item).lastIndexOf("</");
    if (closeStart < 0 || closeStart < openEnd) closeStart = item.length;
    const inner = markWhole(item.slice(openEnd, closeStart), change, counts);
    return `${item.slice(0, openEnd)}<${change}>${inner}</${change}>${item.slice(closeStart)}`;
  }

  function wholeRow(row, change, counts) {
    const cells = splitChildren(row, ["td", "th"], []);
    if (cells) {
      let out = cells.glue[0];
      cells.items.forEach((cell, k) => {
        if (k > 0) out += cells.glue[k];
        out += wholeItem(cell, change, counts);
      });
      return out + cells.close;
    }
    const tokens = tokenize(row);
    addCount(counts, change, countWords(tokens));
    const text = tokens
      .filter((t) => t.kind !== TAG)
      .map((t) => t.text)
      .join("");
    return `<tr><td><${change}>${trim(text)}</${change}></td></tr>`;
  }

  function cellDiff(old, neu, labels, counts) {
    if (old === neu) return neu;
    const html = wordDiff(old, neu, labels, counts);
    if (html !== null) return html;
    const o = splitElement(old);
    const n = splitElement(neu);
    if (!o || !n) return neu;
    const deleted = markWhole(o[1], DELETE, counts);
    const inserted = markWhole(n[1], INSERT, counts);
    return `${n[0]}<del>${deleted}</del> <ins>${inserted}</ins>${n[2]}`;
  }

  function rowDiff(old, neu, labels, counts) {
    const oldCells = splitChildren(old, ["td", "th"], []);
    const newCells = splitChildren(neu, ["td", "th"], []);
    if (!oldCells || !newCells) {
      const html = wordDiff(old, neu, labels, counts);
      if (html !== null) return html;
      return wholeRow(old, DELETE, counts) + wholeRow(neu, INSERT, counts);
    }
    let out = newCells.glue[0];
    const sameShape = oldCells.items.length === newCells.items.length;
    const cellsOut = [];
    if (sameShape) {
      oldCells.items.forEach((o, k) => cellsOut.push(cellDiff(o, newCells.items[k], labels, counts)));
    } else {
      for (const op of captureDiff(true, oldCells.items, newCells.items)) {
        const olds = oldCells.items.slice(op.oi, op.oi + op.ol);
        const news = newCells.items.slice(op.ni, op.ni + op.nl);
        if (op.tag === EQ) {
          cellsOut.push(...news);
        } else if (op.tag === DEL) {
          for (const c of olds) cellsOut.push(wholeItem(c, DELETE, counts));
        } else if (op.tag === INS) {
          for (const c of news) cellsOut.push(wholeItem(c, INSERT, counts));
        } else {
          const paired = Math.min(olds.length, news.length);
          for (let k = 0; k < paired; k++) cellsOut.push(cellDiff(olds[k], news[k], labels, counts));
          for (const c of olds.slice(paired)) cellsOut.push(wholeItem(c, DELETE, counts));
          for (const c of news.slice(paired)) cellsOut.push(wholeItem(c, INSERT, counts));
        }
      }
    }
    cellsOut.forEach((cell, k) => {
      if (k > 0 && sameShape) out += newCells.glue[k];
      out += cell;
    });
    return out + newCells.close;
  }

  function formDiff(old, neu, labels, counts) {
    const o = splitElement(old.html);
    if (!o) return null;
    const n = splitElement(neu.html);
    if (!n) return null;
    const [oldInner] = splitHeadingAnchor(o[1]);
    const [newInner, anchor] = splitHeadingAnchor(n[1]);
    const diffed = wordDiff(oldInner, newInner, labels, counts);
    if (diffed === null) return null;
    counts.forms++;
    const was = old.kind === "p" ? labels.was_paragraph : old.kind === "li" ? labels.was_list_item : labels.was_heading;
    const note = `<span class="redline-form">${escapeText(was)}</span> `;
    return `${n[0]}${note}${diffed}${anchor}${n[2]}`;
  }

  function mergeSpaceRuns(ops, newTokens) {
    const merged = [];
    const spacesOnly = (op) => {
      if (op.tag !== EQ) return false;
      for (let k = op.ni; k < op.ni + op.nl; k++) if (newTokens[k].kind !== SPACE) return false;
      return true;
    };
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      const last = merged.length > 0 ? merged[merged.length - 1] : null;
      const isChange = op.tag !== EQ;
      const joins = last !== null && last.tag !== EQ;
      const nextChanges = i + 1 < ops.length && ops[i + 1].tag !== EQ;
      if ((isChange || (spacesOnly(op) && joins && nextChanges)) && last !== null && last.tag !== EQ) {
        merged[merged.length - 1] = replaceOp(last.oi, op.oi + op.ol - last.oi, last.ni, op.ni + op.nl - last.ni);
      } else {
        merged.push({ ...op });
      }
    }
    return merged;
  }

  function closeRun(tag, text) {
    return isPunctuationOnly(text) ? `<${tag} class="redline-punct">${text}</${tag}>` : `<${tag}>${text}</${tag}>`;
  }

  function wrapTextRuns(tokens, start, end, tag, keepTags) {
    let out = "";
    let run = null;
    let pending = "";
    for (let i = start; i < end; i++) {
      const token = tokens[i];
      if (token.kind === SPACE && run !== null) {
        pending += token.text;
      } else if (token.kind === TAG) {
        if (run !== null) {
          out += closeRun(tag, run);
          run = null;
        }
        out += pending;
        pending = "";
        if (keepTags) out += tag === "del" ? stripIds(token.text) : token.text;
      } else if (token.kind === SPACE) {
        out += token.text;
      } else {
        if (run === null) run = "";
        run += pending + token.text;
        pending = "";
      }
    }
    if (run !== null) out += closeRun(tag, run);
    return out + pending;
  }

  function emitInserted(tokens, start, end, counts) {
    counts.inserted += countWords(tokens, start, end);
    return wrapTextRuns(tokens, start, end, "ins", true);
  }

  function emitDeleted(tokens, start, end, counts) {
    counts.deleted += countWords(tokens, start, end);
    return wrapTextRuns(tokens, start, end, "del", tagsBalance(tokens, start, end));
  }

  function markLinkChange(oldTokens, os, oe, newTokens, ns, ne, labels, counts) {
    const markupOnly = (tokens, a, b) => {
      for (let k = a; k < b; k++) if (tokens[k].kind !== TAG && tokens[k].kind !== SPACE) return false;
      return true;
    };
    if (!markupOnly(oldTokens, os, oe) || !markupOnly(newTokens, ns, ne)) return "";
    const link = (tokens, a, b) => {
      for (let k = a; k < b; k++) {
        const t = tokens[k];
        if (t.kind === TAG && tagName(t.text) === "a" && !t.text.startsWith("</") && !t.text.includes('class="heading-anchor"')) {
          return href(t.text);
        }
      }
      return null;
    };
    const was = link(oldTokens, os, oe);
    const now = link(newTokens, ns, ne);
    if (was === null && now === null) return "";
    counts.links++;
    if (now === null) return "";
    const note = was !== null ? escapeText(labels.link_was).split("{href}").join(was) : escapeText(labels.link_added);
    return `<span class="redline-link">${note}</span> `;
  }

  function wordDiff(old, neu, labels, counts) {
    const oldTokens = tokenize(old);
    const newTokens = tokenize(neu);
    const ops = captureDiff(
      false,
      oldTokens.map((t) => t.text),
      newTokens.map((t) => t.text),
    );
    let equal = 0;
    for (const op of ops) if (op.tag === EQ) equal += countWords(newTokens, op.ni, op.ni + op.nl);
    const longest = Math.max(countWords(oldTokens), countWords(newTokens));
    if (longest > 0 && equal / longest < MIN_SIMILARITY) return null;
    const structured = ["table", "ul", "ol", "dl"].includes(blockKind(neu));
    const merged = mergeSpaceRuns(ops, newTokens);
    if (structured && merged.some((op) => (op.tag === DEL || op.tag === REP) && !tagsBalance(oldTokens, op.oi, op.oi + op.ol))) {
      return null;
    }
    let out = "";
    for (const op of merged) {
      const [os, oe, ns, ne] = [op.oi, op.oi + op.ol, op.ni, op.ni + op.nl];
      if (op.tag !== EQ) out += markLinkChange(oldTokens, os, oe, newTokens, ns, ne, labels, counts);
      if (op.tag === EQ) {
        for (let k = ns; k < ne; k++) out += newTokens[k].text;
      } else if (op.tag === DEL) {
        out += emitDeleted(oldTokens, os, oe, counts);
      } else if (op.tag === INS) {
        out += emitInserted(newTokens, ns, ne, counts);
      } else {
        out += emitDeleted(oldTokens, os, oe, counts);
        out += emitInserted(newTokens, ns, ne, counts);
      }
    }
    return out;
  }

  function foldUnchangedSections(items, labels) {
    const escape = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    const at = labels.unchanged.indexOf("{section}");
    const before = escape(at < 0 ? labels.unchanged : labels.unchanged.slice(0, at));
    const after = escape(at < 0 ? "" : labels.unchanged.slice(at + "{section}".length));
    const opening = escape(labels.opening);
    const sections = [];
    let start = 0;
    items.forEach((item, i) => {
      if (item.opensSection !== null && i > start) {
        sections.push([items[start].opensSection, items.slice(start, i)]);
        start = i;
      }
    });
    if (start < items.length) sections.push([items[start].opensSection, items.slice(start)]);
    let html = "";
    let changed = 0;
    for (const [title, blocks] of sections) {
      if (blocks.some((b) => b.changed)) {
        changed++;
        for (const b of blocks) html += b.html;
        continue;
      }
      html += '<details class="redline-unchanged"><summary>';
      html += before + (title !== null ? title : opening) + after;
      html += "</summary>";
      for (const b of blocks) html += b.html;
      html += "</details>";
    }
    return [html, changed];
  }

  class Emitter {
    constructor(flat, labels) {
      this.flat = flat;
      this.labels = labels;
      this.items = [];
      this.counts = { inserted: 0, deleted: 0, links: 0, forms: 0 };
      this.piece = 0;
      this.place = TOP;
      this.waiting = [];
    }
    push(html, changed, opensSection) {
      this.items.push({ html, changed, opensSection });
    }
    advanceTo(j) {
      const target = j < this.flat.unitPiece.length ? this.flat.unitPiece[j] : this.flat.pieces.length;
      while (this.piece < target) {
        const piece = this.flat.pieces[this.piece];
        if (piece !== null) {
          this.push(piece.html, false, null);
          this.place = piece.place;
          if (piece.place === TOP) {
            this.items.push(...this.waiting);
            this.waiting = [];
          }
        }
        this.piece++;
      }
    }
    take(j) {
      this.advanceTo(j);
      this.piece++;
      return this.flat.units[j];
    }
    unchanged(j) {
      const unit = this.take(j);
      this.push(unit.html, false, sectionTitle(unit.html));
    }
    inserted(j) {
      this.insertWhole(this.take(j));
    }
    insertWhole(unit) {
      const place = unitPlace(unit);
      if (place === TOP) this.items.push(wholeBlock(unit.html, INSERT, this.counts));
      else if (place === LIST) this.items.push(changedItem(wholeItem(unit.html, INSERT, this.counts)));
      else this.items.push(changedItem(wholeRow(unit.html, INSERT, this.counts)));
    }
    deleted(unit) {
      const counts = this.counts;
      const place = unitPlace(unit);
      let item;
      if (this.place === LIST && place === LIST) {
        item = changedItem(wholeItem(unit.html, DELETE, counts));
      } else if (this.place === TABLE && place === TABLE) {
        item = changedItem(wholeRow(unit.html, DELETE, counts));
      } else if (place === TOP) {
        item = wholeBlock(unit.html, DELETE, counts);
      } else if (place === LIST) {
        const close = `</${tagName(unit.parentOpen)}>`;
        const inner = wholeItem(unit.html, DELETE, counts);
        item = wrappedBlock(`${unit.parentOpen}${inner}${close}`, DELETE);
      } else {
        const row = wholeRow(unit.html, DELETE, counts);
        item = wrappedBlock(`<table>${row}</table>`, DELETE);
      }
      if (this.place !== TOP && place !== this.place) this.waiting.push(item);
      else this.items.push(item);
    }
    paired(old, j) {
      const neu = this.take(j);
      let html;
      if (old.kind === "tr" && neu.kind === "tr") html = rowDiff(old.html, neu.html, this.labels, this.counts);
      else if (old.kind === neu.kind) html = wordDiff(old.html, neu.html, this.labels, this.counts);
      else if (comparable(old.kind, neu.kind)) html = formDiff(old, neu, this.labels, this.counts);
      else html = null;
      if (html !== null) {
        this.push(html, true, sectionTitle(neu.html));
      } else {
        this.deleted(old);
        this.insertWhole(neu);
      }
    }
    finish() {
      this.advanceTo(this.flat.units.length);
      this.items.push(...this.waiting);
      this.waiting = [];
      const [html, changedSections] = foldUnchangedSections(this.items, this.labels);
      return {
        html,
        inserted: this.counts.inserted,
        deleted: this.counts.deleted,
        changed_sections: changedSections,
        links_changed: this.counts.links,
        forms_changed: this.counts.forms,
      };
    }
  }

  // Compares two versions, each given as its rendered top-level blocks; returns
  // {html, inserted, deleted, changed_sections, links_changed, forms_changed}.
  function redline(oldBlocks, newBlocks, labels) {
    labels = Object.assign({}, DEFAULT_LABELS, labels || {});
    const old = flatOf(oldBlocks);
    const neu = flatOf(newBlocks);
    const out = new Emitter(neu, labels);
    const oldHtml = old.units.map((u) => u.html);
    const newHtml = neu.units.map((u) => u.html);
    for (const op of captureDiff(true, oldHtml, newHtml)) {
      if (op.tag === EQ) {
        for (let j = op.ni; j < op.ni + op.nl; j++) out.unchanged(j);
      } else if (op.tag === DEL) {
        for (let i = op.oi; i < op.oi + op.ol; i++) out.deleted(old.units[i]);
      } else if (op.tag === INS) {
        for (let j = op.ni; j < op.ni + op.nl; j++) out.inserted(j);
      } else {
        const olds = old.units.slice(op.oi, op.oi + op.ol);
        const news = neu.units.slice(op.ni, op.ni + op.nl);
        for (const step of align(olds, news)) {
          if (step[0] === "d") out.deleted(olds[step[1]]);
          else if (step[0] === "i") out.inserted(op.ni + step[1]);
          else out.paired(olds[step[1]], op.ni + step[2]);
        }
      }
    }
    return out.finish();
  }

  // ---------------------------------------------------------------------------------
  // The compare page.
  // ---------------------------------------------------------------------------------
  function setUpComparePage() {
    const form = document.querySelector("form.compare-versions");
    const result = document.querySelector(".compare-result");
    if (!form || !result) return;
    const body = result.querySelector(".redline-body");
    const title = document.getElementById("compare-result-title");
    const stats = result.querySelector(".redline-stats");
    const output = form.querySelector("output");
    const fromSelect = form.elements.from;
    const toSelect = form.elements.to;
    const lang = document.documentElement.lang || undefined;
    const say = (text) => {
      output.textContent = text || "";
    };
    const formatDate = (day) => {
      try {
        return new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
      } catch (error) {
        return day;
      }
    };
    const numbers = (() => {
      try {
        return new Intl.NumberFormat(lang);
      } catch (error) {
        return new Intl.NumberFormat();
      }
    })();
    const data = body.dataset;
    const labels = {
      unchanged: data.unchanged,
      opening: data.opening,
      was_paragraph: data.wasParagraph,
      was_list_item: data.wasListItem,
      was_heading: data.wasHeading,
      link_was: data.linkWas,
      link_added: data.linkAdded,
    };
    for (const key of Object.keys(labels)) if (labels[key] === undefined) delete labels[key];
    const loadBlocks = (url) =>
      fetch(url, { credentials: "same-origin" }).then((response) => {
        if (!response.ok) throw new Error(`${url}: ${response.status}`);
        return response.json();
      });
    let latest = 0;

    function statsText(r) {
      const s = stats.dataset;
      let text = (r.changed_sections === 1 ? s.statsOne : s.statsOther) || "";
      text = text
        .split("{added}")
        .join(numbers.format(r.inserted))
        .split("{removed}")
        .join(numbers.format(r.deleted))
        .split("{sections}")
        .join(numbers.format(r.changed_sections));
      if (r.links_changed === 1) text += ` ${s.linksOne}`;
      else if (r.links_changed > 1) text += ` ${s.linksOther.split("{count}").join(numbers.format(r.links_changed))}`;
      if (r.forms_changed === 1) text += ` ${s.formsOne}`;
      else if (r.forms_changed > 1) text += ` ${s.formsOther.split("{count}").join(numbers.format(r.forms_changed))}`;
      return text;
    }

    function compare() {
      let from = fromSelect.selectedOptions[0];
      let to = toSelect.selectedOptions[0];
      if (!from || !to) return;
      const request = ++latest;
      if (from.value === to.value) {
        result.hidden = true;
        say(form.dataset.messageSame);
        return;
      }
      if (from.value > to.value) [from, to] = [to, from];
      fromSelect.value = from.value;
      toSelect.value = to.value;
      say(form.dataset.messageLoading);
      Promise.all([loadBlocks(from.dataset.blocks), loadBlocks(to.dataset.blocks)])
        .then(([older, newer]) => {
          if (request !== latest) return;
          const r = redline(older.blocks, newer.blocks, labels);
          body.innerHTML = r.html;
          title.textContent = (title.dataset.template || "")
            .split("{earlier}")
            .join(formatDate(from.value))
            .split("{later}")
            .join(formatDate(to.value));
          stats.textContent = statsText(r);
          result.hidden = false;
          say("");
          const query = `?from=${encodeURIComponent(from.value)}&to=${encodeURIComponent(to.value)}`;
          history.replaceState(history.state, "", location.pathname + query + location.hash);
        })
        .catch(() => {
          if (request !== latest) return;
          result.hidden = true;
          say(form.dataset.messageFailed);
        });
    }

    form.hidden = false;
    // Capturing on the document runs before any submit listener on the form itself
    // (policy-date.js had one that opened a page per pair), and stops it.
    document.addEventListener(
      "submit",
      (event) => {
        if (event.target !== form) return;
        event.preventDefault();
        event.stopPropagation();
        compare();
      },
      true,
    );
    const params = new URLSearchParams(location.search);
    const from = params.get("from");
    const to = params.get("to");
    const has = (select, value) => [...select.options].some((o) => o.value === value);
    if (from && to && has(fromSelect, from) && has(toSelect, to)) {
      fromSelect.value = from;
      toSelect.value = to;
      compare();
    }
  }

  if (typeof document !== "undefined") {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpComparePage);
    else setUpComparePage();
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = {
      redline,
      // For tests: the diff of two arrays as similar's capture_diff_slices gives it.
      captureDiff: (algorithm, old, neu) => captureDiff(algorithm === "patience", old, neu),
      tokenize,
    };
  }
})();
