//! The x86-64 kernels: AVX2/FMA/F16C, and the same loops with the VNNI
//! byte dot product (`vpdpbusd`, AVX-512 VNNI with 256-bit vectors) where
//! the CPU has it. A block's 32 products of an unsigned weight byte and a
//! signed activation byte become eight 32-bit sums, either with
//! `maddubs` + `madd` (pairwise into 16 bits, which cannot overflow for
//! these ranges, then into 32) or with one `dpbusd`; each block's sums are
//! scaled and accumulated in eight f32 lanes. Four weight rows are worked
//! at once, so each activation block is loaded once for four rows and the
//! four accumulators do not wait on each other. Only called after
//! [`super::dispatch`] has seen the CPU support the instructions.
//!
//! Unsafe code here is limited to the unaligned vector loads, each from a
//! bounds-checked slice of the exact length loaded, and to calling the
//! instruction helpers from functions that enable their features.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::activation::ActivationRow;
use super::blocks::{BlockFormat, BLOCK};

/// Weight rows worked at once.
const ROWS_AT_ONCE: usize = 4;

/// How eight 32-bit sums of a block's byte products are formed.
trait ByteDot {
    /// Sums of products of 4 consecutive bytes: `unsigned[i] * signed[i]`.
    ///
    /// # Safety
    /// The CPU must support the implementor's instructions (checked by
    /// [`super::dispatch`] before any kernel here runs).
    unsafe fn sums(unsigned: __m256i, signed: __m256i) -> __m256i;
}

/// AVX2: `maddubs` into 16-bit pairs, `madd` with ones into 32 bits.
struct Maddubs;

impl ByteDot for Maddubs {
    #[inline(always)]
    unsafe fn sums(unsigned: __m256i, signed: __m256i) -> __m256i {
        // SAFETY: the caller runs on a CPU with AVX2 (trait contract).
        unsafe {
            let pairs = _mm256_maddubs_epi16(unsigned, signed);
            _mm256_madd_epi16(pairs, _mm256_set1_epi16(1))
        }
    }
}

/// AVX-512 VNNI (256-bit form): one `dpbusd`.
struct Vnni;

impl ByteDot for Vnni {
    #[inline(always)]
    unsafe fn sums(unsigned: __m256i, signed: __m256i) -> __m256i {
        // SAFETY: the caller runs on a CPU with AVX-512 VNNI and VL (trait
        // contract).
        unsafe { _mm256_dpbusd_epi32(_mm256_setzero_si256(), unsigned, signed) }
    }
}

/// Sum of the eight lanes (also used by [`super::half_rows`]).
#[inline(always)]
pub(super) unsafe fn horizontal_sum(v: __m256) -> f32 {
    // SAFETY: AVX is implied by every caller's features.
    unsafe {
        let pairs = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let quads = _mm_add_ps(pairs, _mm_movehl_ps(pairs, pairs));
        let single = _mm_add_ss(quads, _mm_movehdup_ps(quads));
        _mm_cvtss_f32(single)
    }
}

/// The two f16 values at `bytes[0..4]` as f32 (F16C).
#[inline(always)]
unsafe fn two_halves(bytes: &[u8]) -> (f32, f32) {
    let bits = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    // SAFETY: F16C is in every kernel's features.
    unsafe {
        let both = _mm_cvtph_ps(_mm_cvtsi32_si128(bits as i32));
        (_mm_cvtss_f32(both), _mm_cvtss_f32(_mm_movehdup_ps(both)))
    }
}

/// 32 bytes (or signed bytes) from a slice of at least 32 (asserted).
#[inline(always)]
unsafe fn load_32<T: Copy>(bytes: &[T]) -> __m256i {
    const { assert!(std::mem::size_of::<T>() == 1) };
    assert!(bytes.len() >= BLOCK);
    // SAFETY: at least 32 bytes (asserted); unaligned load.
    unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) }
}

/// A 4-bit block's 32 weights as bytes 0..=15, in the order of the
/// activations (low nibbles are weights 0..16, high nibbles 16..32).
#[inline(always)]
unsafe fn unpack_nibbles(nibbles: &[u8]) -> __m256i {
    assert!(nibbles.len() >= BLOCK / 2);
    // SAFETY: at least 16 bytes (asserted); unaligned load. AVX2 is in
    // every kernel's features.
    unsafe {
        let packed = _mm_loadu_si128(nibbles.as_ptr().cast());
        let low = _mm_set1_epi8(0x0F);
        let lo = _mm_and_si128(packed, low);
        let hi = _mm_and_si128(_mm_srli_epi16(packed, 4), low);
        _mm256_set_m128i(hi, lo)
    }
}

/// Dot products of `R` 4-bit (Q4_0/Q4_1) weight rows with one quantized
/// row.
#[inline(always)]
unsafe fn dot_nibbles<D: ByteDot, const R: usize>(
    format: BlockFormat,
    rows: [&[u8]; R],
    act: ActivationRow<'_>,
) -> [f32; R] {
    let block_bytes = format.block_bytes();
    let blocks = act.scales.len();
    let mut acc = [unsafe { _mm256_setzero_ps() }; R];
    let mut offsets = [0f32; R];
    for b in 0..blocks {
        let (scale, sum) = (act.scales[b], act.sums[b]);
        // SAFETY: the kernel's features are enabled by the caller.
        let a = unsafe { load_32(&act.quants[b * BLOCK..(b + 1) * BLOCK]) };
        for r in 0..R {
            let block = &rows[r][b * block_bytes..(b + 1) * block_bytes];
            // SAFETY: as above.
            unsafe {
                let (d, offset, nibbles) = match format {
                    BlockFormat::Q4_1 => {
                        let (d, m) = two_halves(block);
                        (d, m, &block[4..])
                    }
                    _ => {
                        let (d, _) = two_halves(&[block[0], block[1], 0, 0]);
                        (d, -8.0 * d, &block[2..])
                    }
                };
                let products = D::sums(unpack_nibbles(nibbles), a);
                acc[r] = _mm256_fmadd_ps(
                    _mm256_set1_ps(d * scale),
                    _mm256_cvtepi32_ps(products),
                    acc[r],
                );
                offsets[r] += offset * sum;
            }
        }
    }
    // SAFETY: as above.
    std::array::from_fn(|r| unsafe { horizontal_sum(acc[r]) } + offsets[r])
}

/// Dot products of `R` Q8_0 weight rows with one quantized row. The byte
/// products need one unsigned operand: |w| and the activation with w's sign
/// (exact, as the activations lie in [-127, 127]).
#[inline(always)]
unsafe fn dot_q8_0<D: ByteDot, const R: usize>(
    rows: [&[u8]; R],
    act: ActivationRow<'_>,
) -> [f32; R] {
    let block_bytes = BlockFormat::Q8_0.block_bytes();
    let blocks = act.scales.len();
    let mut acc = [unsafe { _mm256_setzero_ps() }; R];
    for b in 0..blocks {
        let scale = act.scales[b];
        // SAFETY: the kernel's features are enabled by the caller.
        let a = unsafe { load_32(&act.quants[b * BLOCK..(b + 1) * BLOCK]) };
        for r in 0..R {
            let block = &rows[r][b * block_bytes..(b + 1) * block_bytes];
            // SAFETY: as above.
            unsafe {
                let (d, _) = two_halves(&[block[0], block[1], 0, 0]);
                let w = load_32(&block[2..]);
                let products = D::sums(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
                acc[r] = _mm256_fmadd_ps(
                    _mm256_set1_ps(d * scale),
                    _mm256_cvtepi32_ps(products),
                    acc[r],
                );
            }
        }
    }
    // SAFETY: as above.
    std::array::from_fn(|r| unsafe { horizontal_sum(acc[r]) })
}

/// `R` weight rows times one quantized row.
#[inline(always)]
unsafe fn dot_group<D: ByteDot, const R: usize>(
    format: BlockFormat,
    rows: [&[u8]; R],
    act: ActivationRow<'_>,
) -> [f32; R] {
    // SAFETY: the caller's contract is passed on.
    unsafe {
        match format {
            BlockFormat::Q8_0 => dot_q8_0::<D, R>(rows, act),
            BlockFormat::Q4_0 | BlockFormat::Q4_1 => dot_nibbles::<D, R>(format, rows, act),
        }
    }
}

/// `out[j * acts.len() + r]` = weight row `j` of `weights` (rows of
/// `row_bytes`) times `acts[r]`, four rows at a time.
#[inline(always)]
unsafe fn dot_rows_with<D: ByteDot>(
    format: BlockFormat,
    weights: &[u8],
    row_bytes: usize,
    acts: &[ActivationRow<'_>],
    out: &mut [f32],
) {
    let n = acts.len();
    let mut groups = weights.chunks_exact(row_bytes * ROWS_AT_ONCE);
    let mut outs = out.chunks_exact_mut(n * ROWS_AT_ONCE);
    for (group, outs) in (&mut groups).zip(&mut outs) {
        let rows: [&[u8]; ROWS_AT_ONCE] =
            std::array::from_fn(|i| &group[i * row_bytes..(i + 1) * row_bytes]);
        for (r, act) in acts.iter().enumerate() {
            // SAFETY: the caller's contract is passed on.
            let values = unsafe { dot_group::<D, ROWS_AT_ONCE>(format, rows, *act) };
            for (i, v) in values.into_iter().enumerate() {
                outs[i * n + r] = v;
            }
        }
    }
    for (row, outs) in groups
        .remainder()
        .chunks_exact(row_bytes)
        .zip(outs.into_remainder().chunks_exact_mut(n))
    {
        for (o, act) in outs.iter_mut().zip(acts) {
            // SAFETY: the caller's contract is passed on.
            let [value] = unsafe { dot_group::<D, 1>(format, [row], *act) };
            *o = value;
        }
    }
}

/// `out[j * acts.len() + r]` = weight row `j` of `weights` (rows of
/// `row_bytes`) times `acts[r]`, with AVX2.
#[target_feature(enable = "avx2,fma,f16c")]
pub(crate) fn dot_rows(
    format: BlockFormat,
    weights: &[u8],
    row_bytes: usize,
    acts: &[ActivationRow<'_>],
    out: &mut [f32],
) {
    // SAFETY: this function's features are the ones `Maddubs` needs.
    unsafe { dot_rows_with::<Maddubs>(format, weights, row_bytes, acts, out) }
}

/// [`dot_rows`] with AVX-512 VNNI's `dpbusd` on 256-bit vectors.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512vl,avx512vnni")]
pub(crate) fn dot_rows_vnni(
    format: BlockFormat,
    weights: &[u8],
    row_bytes: usize,
    acts: &[ActivationRow<'_>],
    out: &mut [f32],
) {
    // SAFETY: this function's features are the ones `Vnni` needs.
    unsafe { dot_rows_with::<Vnni>(format, weights, row_bytes, acts, out) }
}
