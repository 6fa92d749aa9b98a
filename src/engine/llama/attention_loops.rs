//! Attention of a few query tokens (decode) by plain loops, organised for
//! the memory it reads: the query heads that share a key/value head are
//! served by one pass over that head's keys and values (each row is read
//! once, not once per query head), and the positions can be cut into parts
//! that different threads take, each part keeping its own running maximum
//! and sum so the parts merge exactly (as in flash-decoding).

use std::ops::Range;

use super::attention::Shape;
use crate::engine::kernels::prefetch;
use crate::engine::kv_cache::{KvSegments, Segments};
use crate::engine::kv_element::KvElement;

/// Positions ahead whose rows are prefetched.
const AHEAD: usize = 8;

/// One row (`kv_dim` values) of a segmented cache.
fn row<'a, T>(segments: &Segments<'a, T>, pos: usize, kv_dim: usize) -> &'a [T] {
    let first_rows = segments[0].len() / kv_dim;
    if pos < first_rows {
        &segments[0][pos * kv_dim..(pos + 1) * kv_dim]
    } else {
        let pos = pos - first_rows;
        &segments[1][pos * kv_dim..(pos + 1) * kv_dim]
    }
}

/// The attention of one key/value head's query heads over some positions,
/// for each query token: per token and query head the largest score, the
/// sum of `exp(score - largest)` and the values weighted by those
/// exponentials (not yet divided by the sum).
pub(crate) struct Partial {
    maxes: Vec<f32>,
    sums: Vec<f32>,
    weighted: Vec<f32>,
}

/// [`Partial`] of key/value head `kv_head` over `positions` for the tokens
/// `start..start + n` (`queries` is `[n, heads * head_dim]`); each token
/// sees the positions up to its own.
pub(crate) fn kv_head_partial<T: KvElement>(
    shape: Shape,
    kv_head: usize,
    queries: &[f32],
    kv: &KvSegments<'_, T>,
    start: usize,
    positions: Range<usize>,
) -> Partial {
    let (hd, group) = (shape.head_dim, shape.group());
    let kv_dim = shape.kv_dim();
    let kv_offset = kv_head * hd;
    let scale = 1.0 / (hd as f32).sqrt();
    let q_width = shape.heads * hd;
    let n = queries.len() / q_width;
    let mut partial = Partial {
        maxes: vec![f32::NEG_INFINITY; n * group],
        sums: vec![0.0; n * group],
        weighted: vec![0.0; n * group * hd],
    };
    let mut scores: Vec<f32> = Vec::with_capacity(group * positions.len());
    for i in 0..n {
        let seen = positions.start..positions.end.min(start + i + 1);
        if seen.is_empty() {
            continue;
        }
        let first_head = kv_head * group;
        let q = &queries[i * q_width + first_head * hd..i * q_width + (first_head + group) * hd];
        // Scores, position-major: `scores[p * group + g]`.
        scores.clear();
        for pos in seen.clone() {
            if pos + AHEAD < seen.end {
                prefetch::row(&row(&kv.keys, pos + AHEAD, kv_dim)[kv_offset..kv_offset + hd]);
            }
            let k = &row(&kv.keys, pos, kv_dim)[kv_offset..kv_offset + hd];
            scores.extend(q.chunks_exact(hd).map(|qg| T::dot(qg, k) * scale));
        }
        let maxes = &mut partial.maxes[i * group..(i + 1) * group];
        for by_head in scores.chunks_exact(group) {
            for (m, &s) in maxes.iter_mut().zip(by_head) {
                *m = m.max(s);
            }
        }
        let sums = &mut partial.sums[i * group..(i + 1) * group];
        for by_head in scores.chunks_exact_mut(group) {
            for ((s, m), sum) in by_head.iter_mut().zip(maxes.iter()).zip(sums.iter_mut()) {
                *s = (*s - m).exp();
                *sum += *s;
            }
        }
        let weighted = &mut partial.weighted[i * group * hd..(i + 1) * group * hd];
        let end = seen.end;
        for (pos, by_head) in seen.zip(scores.chunks_exact(group)) {
            if pos + AHEAD < end {
                prefetch::row(&row(&kv.values, pos + AHEAD, kv_dim)[kv_offset..kv_offset + hd]);
            }
            let v = &row(&kv.values, pos, kv_dim)[kv_offset..kv_offset + hd];
            for (out, &p) in weighted.chunks_exact_mut(hd).zip(by_head) {
                T::add_scaled(out, p, v);
            }
        }
    }
    partial
}

/// Merges the parts of one key/value head (over disjoint positions that
/// together cover what each token sees) into `out` (`[n, heads * head_dim]`,
/// only this head's query heads are written).
pub(crate) fn merge_into(shape: Shape, kv_head: usize, parts: &[&Partial], out: &mut [f32]) {
    let (hd, group) = (shape.head_dim, shape.group());
    let q_width = shape.heads * hd;
    let n = out.len() / q_width;
    for i in 0..n {
        for g in 0..group {
            let at = i * group + g;
            let largest = parts
                .iter()
                .map(|p| p.maxes[at])
                .fold(f32::NEG_INFINITY, f32::max);
            let target = i * q_width + (kv_head * group + g) * hd;
            let row = &mut out[target..target + hd];
            row.fill(0.0);
            let mut total = 0.0;
            for part in parts {
                if part.sums[at] == 0.0 {
                    continue;
                }
                let factor = (part.maxes[at] - largest).exp();
                total += factor * part.sums[at];
                let weighted = &part.weighted[at * hd..(at + 1) * hd];
                for (o, w) in row.iter_mut().zip(weighted) {
                    *o += factor * w;
                }
            }
            if total > 0.0 {
                for o in row.iter_mut() {
                    *o /= total;
                }
            }
        }
    }
}

/// Every head of the tokens `start..start + n` on this thread, positions
/// cut into `parts` (the tests' way to check parts merge exactly):
/// `[n, heads * head_dim]`.
#[cfg(test)]
pub(crate) fn all_heads<T: KvElement>(
    shape: Shape,
    queries: &[f32],
    kv: &KvSegments<'_, T>,
    start: usize,
    parts: usize,
) -> Vec<f32> {
    let n = queries.len() / (shape.heads * shape.head_dim);
    let mut out = vec![0.0; queries.len()];
    for kv_head in 0..shape.kv_heads {
        let partials: Vec<Partial> = position_parts(start + n, parts)
            .map(|range| kv_head_partial(shape, kv_head, queries, kv, start, range))
            .collect();
        let refs: Vec<&Partial> = partials.iter().collect();
        merge_into(shape, kv_head, &refs, &mut out);
    }
    out
}

/// `0..total` cut into `parts` ranges of near-equal length.
pub(crate) fn position_parts(total: usize, parts: usize) -> impl Iterator<Item = Range<usize>> {
    let parts = parts.clamp(1, total.max(1));
    (0..parts).map(move |p| p * total / parts..(p + 1) * total / parts)
}
