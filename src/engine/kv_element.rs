//! The element types a key/value cache stores (f16 or f32) and the two
//! products attention needs on a stored row: a query's dot product with a
//! key, and a value added into the output with a weight. The f16 products
//! convert on the fly (F16C and FMA where the CPU has them, see
//! [`super::kernels`]); nothing is converted ahead of time.

use half::f16;
use half::slice::HalfFloatSliceExt;

use super::kernels;

/// A number a cache row is stored as.
pub(crate) trait KvElement: Copy + Send + Sync + 'static {
    /// Appends `values`, rounded to this type.
    fn extend_from_f32(into: &mut Vec<Self>, values: &[f32]);
    /// Appends `rows` as f32.
    fn extend_f32(rows: &[Self], into: &mut Vec<f32>);
    /// `sum(q[i] * k[i])` (the lengths are equal).
    fn dot(q: &[f32], k: &[Self]) -> f32;
    /// `out[i] += weight * v[i]` (the lengths are equal).
    fn add_scaled(out: &mut [f32], weight: f32, v: &[Self]);
}

impl KvElement for f32 {
    fn extend_from_f32(into: &mut Vec<Self>, values: &[f32]) {
        into.extend_from_slice(values);
    }

    fn extend_f32(rows: &[Self], into: &mut Vec<f32>) {
        into.extend_from_slice(rows);
    }

    #[inline]
    fn dot(q: &[f32], k: &[Self]) -> f32 {
        // Eight independent sums let the compiler use vector registers.
        let mut acc = [0f32; 8];
        let (q8, q_rest) = q.split_at(q.len() / 8 * 8);
        let (k8, k_rest) = k.split_at(q8.len().min(k.len()));
        for (x, y) in q8.chunks_exact(8).zip(k8.chunks_exact(8)) {
            for i in 0..8 {
                acc[i] += x[i] * y[i];
            }
        }
        let tail: f32 = q_rest.iter().zip(k_rest).map(|(x, y)| x * y).sum();
        acc.iter().sum::<f32>() + tail
    }

    #[inline]
    fn add_scaled(out: &mut [f32], weight: f32, v: &[Self]) {
        for (o, x) in out.iter_mut().zip(v) {
            *o += weight * x;
        }
    }
}

impl KvElement for f16 {
    fn extend_from_f32(into: &mut Vec<Self>, values: &[f32]) {
        let start = into.len();
        into.resize(start + values.len(), f16::ZERO);
        // `half` converts with F16C where the CPU has it.
        into[start..].convert_from_f32_slice(values);
    }

    fn extend_f32(rows: &[Self], into: &mut Vec<f32>) {
        let start = into.len();
        into.resize(start + rows.len(), 0.0);
        rows.convert_to_f32_slice(&mut into[start..]);
    }

    #[inline]
    fn dot(q: &[f32], k: &[Self]) -> f32 {
        kernels::half_rows::dot(q, k)
    }

    #[inline]
    fn add_scaled(out: &mut [f32], weight: f32, v: &[Self]) {
        kernels::half_rows::add_scaled(out, weight, v)
    }
}
