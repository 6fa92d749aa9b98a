//! Causal attention of a conversation's new tokens over its cache.
//!
//! Two paths with the same result: plain loops for a few queries (decode,
//! where the work per conversation is tiny and candle's per-op overhead
//! would dominate), and candle's dense matrix products for a prompt chunk.

use candle_core::{Device, Tensor};

use crate::engine::kv_cache::{KvSegments, Segments};
use crate::engine::kv_element::KvElement;

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
    pub(crate) fn group(&self) -> usize {
        self.heads / self.kv_heads
    }
    pub(crate) fn kv_dim(&self) -> usize {
        self.kv_heads * self.head_dim
    }
}

/// Queries per block of the dense path: each block reads only the keys up
/// to its last token, which skips most of the masked half of a causal
/// prompt.
const QUERY_BLOCK: usize = 64;

/// All heads of the tokens `start..start + n` with dense products: returns
/// `[n, heads * head_dim]`.
pub(crate) fn all_heads_dense<T: KvElement>(
    shape: Shape,
    queries: &[f32],
    kv: &KvSegments<'_, T>,
    start: usize,
) -> candle_core::Result<Vec<f32>> {
    let (hd, kv_heads) = (shape.head_dim, shape.kv_heads);
    let width = shape.heads * hd;
    let n = queries.len() / width;
    let total = start + n;
    let cpu = Device::Cpu;
    // [total, kv_heads, hd] -> [kv_heads, total, hd]
    let cache = |segments: &Segments<'_, T>| -> candle_core::Result<Tensor> {
        let mut rows = Vec::with_capacity(total * kv_heads * hd);
        for part in segments {
            T::extend_f32(part, &mut rows);
        }
        Tensor::from_vec(rows, (total, kv_heads, hd), &cpu)?
            .transpose(0, 1)?
            .contiguous()
    };
    let k = cache(&kv.keys)?;
    let v = cache(&kv.values)?;
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
    use crate::engine::llama::attention_loops;

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

    /// Loops (positions in 1 and 3 parts) and dense products over the
    /// same stored cache (in `T`).
    fn loops_and_dense_agree<T: KvElement>(store: fn(&[f32]) -> Vec<T>) {
        let shape = Shape {
            heads: 6,
            kv_heads: 2,
            head_dim: 8,
        };
        let (start, n) = (5, 70);
        let total = start + n;
        let keys = store(&pseudo_random(total * shape.kv_dim(), 1));
        let values = store(&pseudo_random(total * shape.kv_dim(), 2));
        let queries = pseudo_random(n * shape.heads * shape.head_dim, 3);
        // The first three rows live in the "shared prefix" segment.
        let split = 3 * shape.kv_dim();
        let kv = KvSegments {
            keys: [&keys[..split], &keys[split..]],
            values: [&values[..split], &values[split..]],
        };
        let dense = all_heads_dense(shape, &queries, &kv, start).expect("dense");
        for parts in [1, 3] {
            let loops = attention_loops::all_heads(shape, &queries, &kv, start, parts);
            for (i, (a, b)) in loops.iter().zip(&dense).enumerate() {
                assert!((a - b).abs() < 1e-4, "{parts} parts, value {i}: {a} vs {b}");
            }
        }
        // The first query sees only positions 0..=start: changing a later
        // value must not change it.
        let mut later = pseudo_random(total * shape.kv_dim(), 2);
        let last = (total - 1) * shape.kv_dim();
        later[last] += 100.0;
        let later = store(&later);
        let kv2 = KvSegments {
            values: [&later[..split], &later[split..]],
            ..kv
        };
        let width = shape.heads * shape.head_dim;
        let a = attention_loops::all_heads(shape, &queries, &kv, start, 2);
        let b = attention_loops::all_heads(shape, &queries, &kv2, start, 2);
        assert_eq!(a[..width], b[..width], "causal");
        assert_ne!(a[(n - 1) * width], b[(n - 1) * width]);
    }

    #[test]
    fn loops_and_dense_products_agree_across_a_segmented_cache() {
        loops_and_dense_agree::<f32>(|rows| rows.to_vec());
        loops_and_dense_agree::<half::f16>(|rows| {
            rows.iter().map(|&v| half::f16::from_f32(v)).collect()
        });
    }

    #[test]
    fn an_f16_cache_attends_within_its_rounding_of_an_f32_one() {
        let shape = Shape {
            heads: 9,
            kv_heads: 3,
            head_dim: 64,
        };
        let (start, n) = (300, 1);
        let total = start + n;
        let keys = pseudo_random(total * shape.kv_dim(), 4);
        let values = pseudo_random(total * shape.kv_dim(), 5);
        let queries: Vec<f32> = pseudo_random(n * shape.heads * shape.head_dim, 6)
            .iter()
            .map(|q| q * 4.0)
            .collect();
        let half = |rows: &[f32]| -> Vec<half::f16> {
            rows.iter().map(|&v| half::f16::from_f32(v)).collect()
        };
        let (keys16, values16) = (half(&keys), half(&values));
        let exact = KvSegments {
            keys: [&keys[..], &[][..]],
            values: [&values[..], &[][..]],
        };
        let rounded = KvSegments {
            keys: [&keys16[..], &[][..]],
            values: [&values16[..], &[][..]],
        };
        let a = attention_loops::all_heads(shape, &queries, &exact, start, 2);
        let b = attention_loops::all_heads(shape, &queries, &rounded, start, 2);
        // Values in [-1, 1] are rounded by at most 2^-12; the scores move
        // by |q| * |k| * 2^-12 summed over 64 dimensions.
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!((x - y).abs() < 2e-3, "value {i}: {x} vs {y}");
        }
    }
}
