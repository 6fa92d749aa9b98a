//! Input rows quantized to signed 8-bit blocks, once per product: each block
//! of 32 values gets an f32 scale (`max |x| / 127`) and keeps the scaled sum
//! of its quantized values, which the 4-bit formats need for their offset.

use super::blocks::BLOCK;

/// Quantized rows, each `k` wide (`k` a multiple of [`BLOCK`]).
pub(crate) struct QuantizedRows {
    scales: Vec<f32>,
    sums: Vec<f32>,
    quants: Vec<i8>,
    blocks_per_row: usize,
}

/// One quantized row: per block its scale, `scale * sum(quants)` and 32
/// quantized values in `[-127, 127]`.
#[derive(Clone, Copy)]
pub(crate) struct ActivationRow<'a> {
    pub(crate) scales: &'a [f32],
    pub(crate) sums: &'a [f32],
    pub(crate) quants: &'a [i8],
}

impl QuantizedRows {
    /// `rows` (row-major, `k` wide) quantized block by block.
    pub(crate) fn new(rows: &[f32], k: usize) -> Self {
        let blocks_per_row = k / BLOCK;
        let blocks = rows.len() / BLOCK;
        let mut scales = Vec::with_capacity(blocks);
        let mut sums = Vec::with_capacity(blocks);
        let mut quants = Vec::with_capacity(blocks * BLOCK);
        for block in rows.chunks_exact(BLOCK) {
            let max = block.iter().fold(0f32, |m, v| m.max(v.abs()));
            let scale = max / 127.0;
            let inverse = if scale > 0.0 { 1.0 / scale } else { 0.0 };
            let mut sum = 0i32;
            for v in block {
                let q = (v * inverse).round().clamp(-127.0, 127.0) as i8;
                sum += i32::from(q);
                quants.push(q);
            }
            scales.push(scale);
            sums.push(scale * sum as f32);
        }
        Self {
            scales,
            sums,
            quants,
            blocks_per_row,
        }
    }

    /// Row `r`.
    pub(crate) fn row(&self, r: usize) -> ActivationRow<'_> {
        let blocks = r * self.blocks_per_row..(r + 1) * self.blocks_per_row;
        ActivationRow {
            scales: &self.scales[blocks.clone()],
            sums: &self.sums[blocks.clone()],
            quants: &self.quants[blocks.start * BLOCK..blocks.end * BLOCK],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantized_values_reconstruct_the_row_within_half_a_step() {
        let row: Vec<f32> = (0..64).map(|i| ((i * 37) % 23) as f32 - 11.5).collect();
        let q = QuantizedRows::new(&row, 64);
        let r = q.row(0);
        for (b, block) in row.chunks_exact(BLOCK).enumerate() {
            let scale = r.scales[b];
            let quants = &r.quants[b * BLOCK..(b + 1) * BLOCK];
            assert!(quants.iter().all(|&q| q >= -127));
            let sum: i32 = quants.iter().map(|&q| i32::from(q)).sum();
            assert_eq!(r.sums[b], scale * sum as f32);
            for (x, &q) in block.iter().zip(quants) {
                assert!((x - scale * f32::from(q)).abs() <= scale * 0.5 + 1e-6);
            }
        }
        let zeros = QuantizedRows::new(&[0.0; 32], 32);
        assert_eq!(zeros.row(0).scales, &[0.0]);
        assert!(zeros.row(0).quants.iter().all(|&q| q == 0));
    }
}
