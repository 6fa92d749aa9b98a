//! Chooses the instruction set once per process: AVX2 when the CPU has
//! AVX2, FMA and F16C, the portable loops otherwise.

use std::sync::OnceLock;

use super::activation::ActivationRow;
use super::blocks::BlockFormat;
use super::scalar;

/// The kernels' instruction set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isa {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

/// The best instruction set this CPU supports (detected once).
pub(crate) fn detected() -> Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    *ISA.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
            && is_x86_feature_detected!("f16c")
        {
            return Isa::Avx2;
        }
        Isa::Scalar
    })
}

/// Every instruction set this CPU can run (for the tests).
#[cfg(test)]
pub(crate) fn available() -> Vec<Isa> {
    let mut all = vec![Isa::Scalar];
    #[cfg(target_arch = "x86_64")]
    if detected() == Isa::Avx2 {
        all.push(Isa::Avx2);
    }
    all
}

/// `out[j * acts.len() + r]` = weight row `j` times `acts[r]`, with `isa`.
#[allow(unsafe_code)] // calling the AVX2 kernel once the CPU is known to have it
pub(crate) fn dot_rows(
    isa: Isa,
    format: BlockFormat,
    weights: &[u8],
    row_bytes: usize,
    acts: &[ActivationRow<'_>],
    out: &mut [f32],
) {
    match isa {
        Isa::Scalar => scalar::dot_rows(format, weights, row_bytes, acts, out),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx2` is only produced by `detected` after the CPU
        // reported AVX2, FMA and F16C.
        Isa::Avx2 => unsafe { super::avx2::dot_rows(format, weights, row_bytes, acts, out) },
    }
}
