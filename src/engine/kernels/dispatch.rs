//! Chooses the instruction set once per process: AVX-512 VNNI (256-bit
//! vectors) when the CPU has it besides AVX2, FMA and F16C; AVX2 when it
//! has those three; the portable loops otherwise.

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
    #[cfg(target_arch = "x86_64")]
    Avx512Vnni,
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
            if is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512vl")
                && is_x86_feature_detected!("avx512vnni")
            {
                return Isa::Avx512Vnni;
            }
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
    if detected() != Isa::Scalar {
        all.push(Isa::Avx2);
    }
    #[cfg(target_arch = "x86_64")]
    if detected() == Isa::Avx512Vnni {
        all.push(Isa::Avx512Vnni);
    }
    all
}

/// `out[j * acts.len() + r]` = weight row `j` times `acts[r]`, with `isa`.
#[allow(unsafe_code)] // calling the x86 kernels once the CPU is known to have them
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
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx512Vnni` is only produced by `detected` after the
        // CPU reported AVX2, FMA, F16C, AVX-512F, VL and VNNI.
        Isa::Avx512Vnni => unsafe {
            super::avx2::dot_rows_vnni(format, weights, row_bytes, acts, out)
        },
    }
}
