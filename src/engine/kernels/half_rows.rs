//! f16 cache rows against f32: the dot product of a query with a key and
//! a value added into the output with a weight. With F16C and FMA (see
//! [`super::dispatch`]) eight values are converted and multiplied per
//! instruction; the portable loops convert one at a time.
#![allow(unsafe_code)] // the x86 path: vector loads and F16C/FMA intrinsics

use half::f16;

use super::dispatch::{self, Isa};

/// `sum(q[i] * k[i])` over the common length.
#[inline]
pub(crate) fn dot(q: &[f32], k: &[f16]) -> f32 {
    let n = q.len().min(k.len());
    match dispatch::detected() {
        Isa::Scalar => scalar_dot(&q[..n], &k[..n]),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: every non-scalar `Isa` means the CPU has AVX2, FMA, F16C.
        _ => unsafe { x86::dot(&q[..n], &k[..n]) },
    }
}

/// `out[i] += weight * v[i]` over the common length.
#[inline]
pub(crate) fn add_scaled(out: &mut [f32], weight: f32, v: &[f16]) {
    let n = out.len().min(v.len());
    match dispatch::detected() {
        Isa::Scalar => scalar_add_scaled(&mut out[..n], weight, &v[..n]),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as in `dot`.
        _ => unsafe { x86::add_scaled(&mut out[..n], weight, &v[..n]) },
    }
}

fn scalar_dot(q: &[f32], k: &[f16]) -> f32 {
    q.iter().zip(k).map(|(x, y)| x * y.to_f32()).sum()
}

fn scalar_add_scaled(out: &mut [f32], weight: f32, v: &[f16]) {
    for (o, x) in out.iter_mut().zip(v) {
        *o += weight * x.to_f32();
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use half::f16;

    use super::super::avx2::horizontal_sum;

    /// Eight f16 from `v[at..at + 8]` as f32.
    #[inline(always)]
    unsafe fn load8(v: &[f16], at: usize) -> __m256 {
        let eight = &v[at..at + 8];
        // SAFETY: `eight` is 8 f16 = 16 bytes (bounds-checked slice);
        // unaligned load; F16C is enabled by the callers.
        unsafe { _mm256_cvtph_ps(_mm_loadu_si128(eight.as_ptr().cast())) }
    }

    /// Eight f32 from `q[at..at + 8]`.
    #[inline(always)]
    unsafe fn load8_f32(q: &[f32], at: usize) -> __m256 {
        let eight = &q[at..at + 8];
        // SAFETY: `eight` is 8 f32 (bounds-checked slice); unaligned load;
        // AVX is enabled by the callers.
        unsafe { _mm256_loadu_ps(eight.as_ptr()) }
    }

    /// `q` and `k` have equal lengths. Two sums of 8 lanes, so consecutive
    /// multiply-adds do not wait on each other.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) fn dot(q: &[f32], k: &[f16]) -> f32 {
        let pairs = q.len() / 16 * 16;
        let (mut even, mut odd) = (_mm256_setzero_ps(), _mm256_setzero_ps());
        for at in (0..pairs).step_by(16) {
            // SAFETY: `at + 16 <= q.len() == k.len()`; the helpers bound-check.
            unsafe {
                even = _mm256_fmadd_ps(load8_f32(q, at), load8(k, at), even);
                odd = _mm256_fmadd_ps(load8_f32(q, at + 8), load8(k, at + 8), odd);
            }
        }
        // SAFETY: this function enables AVX.
        let body = unsafe { horizontal_sum(_mm256_add_ps(even, odd)) };
        body + super::scalar_dot(&q[pairs..], &k[pairs..])
    }

    /// `out` and `v` have equal lengths.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) fn add_scaled(out: &mut [f32], weight: f32, v: &[f16]) {
        let whole = out.len() / 8 * 8;
        let w = _mm256_set1_ps(weight);
        for at in (0..whole).step_by(8) {
            let o = &mut out[at..at + 8];
            // SAFETY: `o` is 8 f32 (bounds-checked slice); unaligned load
            // and store.
            unsafe {
                let sum = _mm256_fmadd_ps(w, load8(v, at), _mm256_loadu_ps(o.as_ptr()));
                _mm256_storeu_ps(o.as_mut_ptr(), sum);
            }
        }
        super::scalar_add_scaled(&mut out[whole..], weight, &v[whole..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(len: usize) -> (Vec<f32>, Vec<f16>) {
        let q: Vec<f32> = (0..len)
            .map(|i| ((i * 37 % 23) as f32 - 11.0) / 7.0)
            .collect();
        let k: Vec<f16> = (0..len)
            .map(|i| f16::from_f32(((i * 53 % 31) as f32 - 15.0) / 3.0))
            .collect();
        (q, k)
    }

    #[test]
    fn the_products_match_the_portable_loops_at_every_length() {
        println!("instruction set: {:?}", dispatch::detected());
        for len in [0, 1, 7, 8, 9, 64, 67] {
            let (q, k) = rows(len);
            let reference = scalar_dot(&q, &k);
            let size: f32 = q.iter().zip(&k).map(|(a, b)| (a * b.to_f32()).abs()).sum();
            let got = dot(&q, &k);
            assert!(
                (got - reference).abs() <= 1e-5 * size + 1e-6,
                "len {len}: {got} vs {reference}"
            );
            let mut out: Vec<f32> = q.iter().map(|v| v * 0.5).collect();
            let mut expected = out.clone();
            scalar_add_scaled(&mut expected, -0.75, &k);
            add_scaled(&mut out, -0.75, &k);
            for (a, b) in out.iter().zip(&expected) {
                assert!(
                    (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                    "len {len}: {a} vs {b}"
                );
            }
        }
    }
}
