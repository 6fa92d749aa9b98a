//! The AVX2/FMA kernels (x86-64): 32 products of a block in one
//! `maddubs` (unsigned 8-bit times signed 8-bit, pairwise into 16 bits,
//! which cannot overflow for these ranges) and one `madd` into eight 32-bit
//! lanes, scaled and accumulated in eight f32 lanes. Only called after
//! [`super::dispatch`] has seen the CPU support AVX2, FMA and F16C.
//!
//! Unsafe code here is limited to the unaligned vector loads, each from a
//! bounds-checked slice of the exact length loaded.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::activation::ActivationRow;
use super::blocks::{f16_at, nibble_block, BlockFormat, BLOCK};

/// Sum of the eight lanes.
#[target_feature(enable = "avx2,fma,f16c")]
fn horizontal_sum(v: __m256) -> f32 {
    let pairs = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    let quads = _mm_add_ps(pairs, _mm_movehl_ps(pairs, pairs));
    let single = _mm_add_ss(quads, _mm_movehdup_ps(quads));
    _mm_cvtss_f32(single)
}

/// The 32 quantized activations of a block.
#[target_feature(enable = "avx2,fma,f16c")]
fn load_activations(q8: &[i8]) -> __m256i {
    assert!(q8.len() >= BLOCK);
    // SAFETY: `q8` holds at least 32 bytes (asserted); unaligned load.
    unsafe { _mm256_loadu_si256(q8.as_ptr().cast()) }
}

/// Dot product of a 4-bit (Q4_0/Q4_1) weight row with a quantized row.
#[target_feature(enable = "avx2,fma,f16c")]
fn dot_nibbles(format: BlockFormat, weights: &[u8], act: ActivationRow<'_>) -> f32 {
    let low = _mm_set1_epi8(0x0F);
    let ones = _mm256_set1_epi16(1);
    let mut acc = _mm256_setzero_ps();
    let mut offsets = 0f32;
    let blocks = weights.chunks_exact(format.block_bytes());
    let quants = act.quants.chunks_exact(BLOCK);
    for (((block, q8), &scale), &sum) in blocks.zip(quants).zip(act.scales).zip(act.sums) {
        let (d, offset, at) = nibble_block(format, block);
        let nibbles = &block[at..at + BLOCK / 2];
        // SAFETY: `nibbles` is exactly 16 bytes (the slice above is bounds
        // checked); unaligned load.
        let packed = unsafe { _mm_loadu_si128(nibbles.as_ptr().cast()) };
        let lo = _mm_and_si128(packed, low);
        let hi = _mm_and_si128(_mm_srli_epi16(packed, 4), low);
        let weights = _mm256_set_m128i(hi, lo);
        let pairs = _mm256_maddubs_epi16(weights, load_activations(q8));
        let products = _mm256_madd_epi16(pairs, ones);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d * scale), _mm256_cvtepi32_ps(products), acc);
        offsets += offset * sum;
    }
    horizontal_sum(acc) + offsets
}

/// Dot product of a Q8_0 weight row with a quantized row. `maddubs` needs
/// one unsigned operand: |w| and the activation with w's sign (exact, as
/// the activations lie in [-127, 127]).
#[target_feature(enable = "avx2,fma,f16c")]
fn dot_q8_0(weights: &[u8], act: ActivationRow<'_>) -> f32 {
    let ones = _mm256_set1_epi16(1);
    let mut acc = _mm256_setzero_ps();
    let blocks = weights.chunks_exact(BlockFormat::Q8_0.block_bytes());
    let quants = act.quants.chunks_exact(BLOCK);
    for ((block, q8), &scale) in blocks.zip(quants).zip(act.scales) {
        let d = f16_at(block, 0);
        let values = &block[2..2 + BLOCK];
        // SAFETY: `values` is exactly 32 bytes (bounds-checked slice above);
        // unaligned load.
        let w = unsafe { _mm256_loadu_si256(values.as_ptr().cast()) };
        let a = load_activations(q8);
        let pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
        let products = _mm256_madd_epi16(pairs, ones);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d * scale), _mm256_cvtepi32_ps(products), acc);
    }
    horizontal_sum(acc)
}

/// `out[j * acts.len() + r]` = weight row `j` of `weights` (rows of
/// `row_bytes`) times `acts[r]`.
#[target_feature(enable = "avx2,fma,f16c")]
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
            *o = match format {
                BlockFormat::Q8_0 => dot_q8_0(row, *act),
                BlockFormat::Q4_0 | BlockFormat::Q4_1 => dot_nibbles(format, row, *act),
            };
        }
    }
}
