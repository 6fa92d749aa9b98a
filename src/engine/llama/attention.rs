//! Causal attention of a conversation's new tokens over its cache.
//!
//! Two paths with the same result: plain loops for a few queries (decode,
//! where the work per conversation is tiny and candle's per-op overhead
//! would dominate), and candle's dense matrix products for a prompt chunk.

use candle_core::{Device, Tensor};

use crate::engine::kv_cache::Segments;

/// Queries from this many tokens on use the dense path.
pub(crate) const DENSE_FROM_QUERIES: usize = 16;

/// Shape of one attention call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) heads: usize,
    pub(crate) kv_heads: usize,
    pub(crate) head_dim: usize,
}

impl Shape {
    fn group(&self) -> usize {
        self.heads / self.kv_heads
    }
    fn kv_dim(&self) -> usize {
        self.kv_heads * self.head_dim
    }
}

/// One row (`kv_dim` values) of a segmented cache.
fn row<'a>(segments: &Segments<'a>, pos: usize, kv_dim: usize) -> &'a [f32] {
    let first_rows = segments[0].len() / kv_dim;
    if pos < first_rows {
        &segments[0][pos * kv_dim..(pos + 1) * kv_dim]
    } else {
        let pos = pos - first_rows;
        &segments[1][pos * kv_dim..(pos + 1) * kv_dim]
    }
}

#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight independent sums let the compiler use vector registers.
    let mut acc = [0f32; 8];
    let (a8, a_rest) = a.split_at(a.len() / 8 * 8);
    let (b8, b_rest) = b.split_at(a8.len());
    for (x, y) in a8.chunks_exact(8).zip(b8.chunks_exact(8)) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let tail: f32 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

/// One query head of the tokens `start..start + n`: writes `[n, head_dim]`
/// into `out`. `queries` is `[n, heads * head_dim]`.
pub(crate) fn head_by_loops(
    shape: Shape,
    head: usize,
    queries: &[f32],
    keys: &Segments<'_>,
    values: &Segments<'_>,
    start: usize,
    out: &mut [f32],
) {
    let hd = shape.head_dim;
    let kv_dim = shape.kv_dim();
    let kv_offset = (head / shape.group()) * hd;
    let scale = 1.0 / (hd as f32).sqrt();
    let q_width = shape.heads * hd;
    let mut scores = Vec::with_capacity(start + queries.len() / q_width);
    for (i, out_row) in out.chunks_exact_mut(hd).enumerate() {
        let q = &queries[i * q_width + head * hd..i * q_width + (head + 1) * hd];
        let visible = start + i + 1;
        scores.clear();
        let mut max = f32::NEG_INFINITY;
        for pos in 0..visible {
            let k = &row(keys, pos, kv_dim)[kv_offset..kv_offset + hd];
            let s = dot(q, k) * scale;
            max = max.max(s);
            scores.push(s);
        }
        let mut sum = 0.0;
        for s in &mut scores {
            *s = (*s - max).exp();
            sum += *s;
        }
        out_row.fill(0.0);
        for (pos, &p) in scores.iter().enumerate() {
            let v = &row(values, pos, kv_dim)[kv_offset..kv_offset + hd];
            let w = p / sum;
            for (o, x) in out_row.iter_mut().zip(v) {
                *o += w * x;
            }
        }
    }
}

/// Queries per block of the dense path: each block reads only the keys up
/// to its last token, which skips most of the masked half of a causal
/// prompt.
const QUERY_BLOCK: usize = 64;

/// All heads of the tokens `start..start + n` with dense products: returns
/// `[n, heads * head_dim]`.
pub(crate) fn all_heads_dense(
    shape: Shape,
    queries: &[f32],
    keys: &Segments<'_>,
    values: &Segments<'_>,
    start: usize,
) -> candle_core::Result<Vec<f32>> {
    let (hd, kv_heads) = (shape.head_dim, shape.kv_heads);
    let width = shape.heads * hd;
    let n = queries.len() / width;
    let total = start + n;
    let cpu = Device::Cpu;
    // [total, kv_heads, hd] -> [kv_heads, total, hd]
    let cache = |segments: &Segments<'_>| -> candle_core::Result<Tensor> {
        Tensor::from_vec(segments.concat(), (total, kv_heads, hd), &cpu)?
            .transpose(0, 1)?
            .contiguous()
    };
    let k = cache(keys)?;
    let v = cache(values)?;
    let mut out = Vec::with_capacity(queries.len());
    for first in (0..n).step_by(QUERY_BLOCK) {
        let rows = QUERY_BLOCK.min(n - first);
        let visible = start + first + rows;
        let block = &queries[first * width..(first + rows) * width];
        out.extend(block_attention(
            shape,
            block,
            &k.narrow(1, 0, visible)?,
            &v.narrow(1, 0, visible)?,
            start + first,
        )?);
    }
    Ok(out)
}

/// Attention of `rows` queries at positions `first..` over `k` and `v`
/// (`[kv_heads, visible, hd]`, ending with the block's last token).
fn block_attention(
    shape: Shape,
    block: &[f32],
    k: &Tensor,
    v: &Tensor,
    first: usize,
) -> candle_core::Result<Vec<f32>> {
    let (hd, kv_heads, group) = (shape.head_dim, shape.kv_heads, shape.group());
    let rows = block.len() / (shape.heads * hd);
    let visible = k.dim(1)?;
    let cpu = Device::Cpu;
    // [rows, kv_heads, group, hd] -> [kv_heads, group * rows, hd]
    let q = Tensor::from_slice(block, (rows, kv_heads, group, hd), &cpu)?
        .permute((1, 2, 0, 3))?
        .contiguous()?
        .reshape((kv_heads, group * rows, hd))?;
    let scores = (q.matmul(&k.t()?)? * (1.0 / (hd as f64).sqrt()))?;
    let mask: Vec<f32> = (0..rows)
        .flat_map(|i| {
            (0..visible).map(move |pos| {
                if pos <= first + i {
                    0.0
                } else {
                    f32::NEG_INFINITY
                }
            })
        })
        .collect();
    let mask = Tensor::from_vec(mask, (1, 1, rows, visible), &cpu)?;
    let scores = scores
        .reshape((kv_heads, group, rows, visible))?
        .broadcast_add(&mask)?;
    let probs =
        candle_nn::ops::softmax_last_dim(&scores)?.reshape((kv_heads, group * rows, visible))?;
    probs
        .matmul(&v.contiguous()?)?
        .reshape((kv_heads, group, rows, hd))?
        .permute((2, 0, 1, 3))?
        .contiguous()?
        .flatten_all()?
        .to_vec1::<f32>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(len: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state % 2000) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn loops_and_dense_products_agree_across_a_segmented_cache() {
        let shape = Shape {
            heads: 6,
            kv_heads: 2,
            head_dim: 8,
        };
        let (start, n) = (5, 70);
        let total = start + n;
        let keys = pseudo_random(total * shape.kv_dim(), 1);
        let values = pseudo_random(total * shape.kv_dim(), 2);
        let queries = pseudo_random(n * shape.heads * shape.head_dim, 3);
        // The first three rows live in the "shared prefix" segment.
        let split = 3 * shape.kv_dim();
        let k: Segments<'_> = [&keys[..split], &keys[split..]];
        let v: Segments<'_> = [&values[..split], &values[split..]];
        let dense = all_heads_dense(shape, &queries, &k, &v, start).expect("dense");
        let width = shape.heads * shape.head_dim;
        for head in 0..shape.heads {
            let mut out = vec![0.0; n * shape.head_dim];
            head_by_loops(shape, head, &queries, &k, &v, start, &mut out);
            for i in 0..n {
                for d in 0..shape.head_dim {
                    let a = out[i * shape.head_dim + d];
                    let b = dense[i * width + head * shape.head_dim + d];
                    assert!(
                        (a - b).abs() < 1e-4,
                        "head {head} token {i} dim {d}: {a} vs {b}"
                    );
                }
            }
        }
        // The first query sees only positions 0..=start: changing a later
        // value must not change it.
        let mut later = values.clone();
        let last = (total - 1) * shape.kv_dim();
        later[last] += 100.0;
        let v2: Segments<'_> = [&later[..split], &later[split..]];
        let mut a = vec![0.0; n * shape.head_dim];
        let mut b = vec![0.0; n * shape.head_dim];
        head_by_loops(shape, 0, &queries, &k, &v, start, &mut a);
        head_by_loops(shape, 0, &queries, &k, &v2, start, &mut b);
        assert_eq!(a[..shape.head_dim], b[..shape.head_dim], "causal");
        assert_ne!(a[(n - 1) * shape.head_dim], b[(n - 1) * shape.head_dim]);
    }
}
