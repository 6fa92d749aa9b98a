//! The portable kernels: plain loops, the reference for the SIMD paths and
//! the path on CPUs without them.

use super::activation::ActivationRow;
use super::blocks::{f16_at, nibble_block, BlockFormat, BLOCK};

/// Dot product of one weight row (`format` blocks) with one quantized row.
/// Per block: the integer sum of products, times both scales, plus (4-bit
/// formats) the block's offset times the activation's scaled sum.
pub(crate) fn dot(format: BlockFormat, weights: &[u8], act: ActivationRow<'_>) -> f32 {
    let blocks = weights.chunks_exact(format.block_bytes());
    let quants = act.quants.chunks_exact(BLOCK);
    let mut total = 0f32;
    for (((block, q8), &scale), &sum) in blocks.zip(quants).zip(act.scales).zip(act.sums) {
        total += match format {
            BlockFormat::Q8_0 => {
                let products: i32 = block[2..2 + BLOCK]
                    .iter()
                    .zip(q8)
                    .map(|(&w, &a)| i32::from(w as i8) * i32::from(a))
                    .sum();
                f16_at(block, 0) * scale * products as f32
            }
            BlockFormat::Q4_0 | BlockFormat::Q4_1 => {
                let (d, offset, at) = nibble_block(format, block);
                let mut products = 0i32;
                for (j, &byte) in block[at..at + BLOCK / 2].iter().enumerate() {
                    products += i32::from(byte & 0x0F) * i32::from(q8[j]);
                    products += i32::from(byte >> 4) * i32::from(q8[j + BLOCK / 2]);
                }
                d * scale * products as f32 + offset * sum
            }
        };
    }
    total
}

/// `out[j * acts.len() + r]` = weight row `j` of `weights` (rows of
/// `row_bytes`) times `acts[r]`.
pub(crate) fn dot_rows(
    format: BlockFormat,
    weights: &[u8],
    row_bytes: usize,
    acts: &[ActivationRow<'_>],
    out: &mut [f32],
) {
    for (row, outs) in weights
        .chunks_exact(row_bytes)
        .zip(out.chunks_exact_mut(acts.len()))
    {
        for (o, act) in outs.iter_mut().zip(acts) {
            *o = dot(format, row, *act);
        }
    }
}
