//! Hand-written quantized matrix-vector products for decode (few rows).
//!
//! The weights stay in the block format they are held in (Q4_0, Q4_1 or
//! Q8_0); the input rows are quantized to 8-bit blocks once per product
//! ([`activation`]), and every output is an integer dot product per block
//! scaled in f32. An AVX2 path is chosen at run time when the CPU has it
//! (with AVX-512 VNNI's `dpbusd` for the byte products where the CPU has
//! that too); the portable scalar path runs elsewhere and is the reference
//! the tests compare the SIMD paths with. Each product meets candle's worker pool once
//! (the pool its own kernels and the attention use, so no second pool
//! competes for the cores).
//!
//! Why: decode reads every weight once per token, so keeping 4-bit weights
//! as stored reads ~40% fewer bytes than the Q8_0 copy candle needs for its
//! SIMD kernels.

mod activation;
#[cfg(target_arch = "x86_64")]
mod avx2;
mod blocks;
mod dispatch;
pub(crate) mod half_rows;
mod matvec;
pub(crate) mod prefetch;
mod scalar;
#[cfg(test)]
mod tests;

pub(crate) use blocks::BlockFormat;

/// Whether this CPU runs the kernels' SIMD path. Without it the portable
/// loops are slower than candle's own SIMD kernels (NEON on ARM, SSE on
/// older x86), so [`DecodeKernel::Own`] then uses candle's.
pub(crate) fn has_simd() -> bool {
    dispatch::detected() != dispatch::Isa::Scalar
}
pub(crate) use matvec::{product, QuantMatrix};

/// Which kernel multiplies the quantized weights in decode (few rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecodeKernel {
    /// Candor's own kernels ([`crate::engine::kernels`]) for Q4_0, Q4_1 and
    /// Q8_0 weights; other formats fall back to candle's. The default: with
    /// the default weights (as stored) it decodes faster than candle's
    /// kernel on a Q8_0 copy and the answer evaluation is unchanged (see
    /// README, "Decode kernel"). On CPUs without AVX2 candle's kernels run
    /// instead (see [`has_simd`]).
    #[default]
    Own,
    /// candle's quantized matrix product for every format.
    Candle,
}
