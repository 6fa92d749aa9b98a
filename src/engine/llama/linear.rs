//! A weight matrix and its product with a batch of rows.
//!
//! Weights stay quantized in memory. Few rows (decode) use Candor's own
//! kernels for Q4_0, Q4_1 and Q8_0 weights ([`crate::engine::kernels`]:
//! the weights read as stored, one meeting of the worker threads per
//! product) and candle's quantized kernels for other formats (or for all,
//! with [`DecodeKernel::Candle`]); many rows
//! (a prompt) can instead use the weights expanded to f32 for the duration
//! of one product, where the dense matrix-multiply kernel is several times
//! faster than the quantized one and the expansion is paid once for all
//! rows. Only one matrix is expanded at a time, so memory stays bounded.

use std::sync::Arc;

use candle_core::quantized::{QMatMul, QStorage, QTensor};
use candle_core::{Device, Module, Tensor};

use crate::engine::kernels::{self, BlockFormat, DecodeKernel, QuantMatrix};

/// How products with few rows are computed.
enum FewRows {
    /// Candor's kernel for this block format, on the weight's own bytes.
    Own(BlockFormat),
    /// candle's quantized product.
    Candle(QMatMul),
}

/// One weight matrix of shape `[out, in]`.
pub(crate) struct Linear {
    few_rows: FewRows,
    weight: Arc<QTensor>,
    out: usize,
    input: usize,
    dense_from_rows: usize,
}

impl Linear {
    /// `dense_from_rows`: from this many rows on, products go through the
    /// dense f32 path (`usize::MAX` never).
    /// `kernel`: who multiplies few rows (the own kernels only for the
    /// formats they support, with inputs a whole number of blocks wide, on
    /// CPUs with their SIMD path).
    pub(crate) fn new(
        weight: Arc<QTensor>,
        dense_from_rows: usize,
        kernel: DecodeKernel,
    ) -> candle_core::Result<Self> {
        let (out, input) = weight.shape().dims2()?;
        let own = match kernel {
            DecodeKernel::Own
                if input.is_multiple_of(32) && weight.device().is_cpu() && kernels::has_simd() =>
            {
                BlockFormat::of(weight.dtype())
            }
            _ => None,
        };
        let few_rows = match own {
            Some(format) => FewRows::Own(format),
            None => FewRows::Candle(QMatMul::from_arc(weight.clone())?),
        };
        Ok(Self {
            few_rows,
            weight,
            out,
            input,
            dense_from_rows,
        })
    }

    /// Output width.
    pub(crate) fn out(&self) -> usize {
        self.out
    }

    /// `rows` (shape `[n, in]`) times the transposed weights: `[n, out]`.
    pub(crate) fn forward(&self, rows: &Tensor) -> candle_core::Result<Tensor> {
        let n = rows.dim(0)?;
        if n >= self.dense_from_rows {
            let dense = self.weight.dequantize(&Device::Cpu)?;
            rows.matmul(&dense.t()?)
        } else {
            match &self.few_rows {
                FewRows::Candle(quantized) => quantized.forward(rows),
                FewRows::Own(format) => {
                    let bytes = self.weight.data()?;
                    let matrix = QuantMatrix {
                        format: *format,
                        bytes: &bytes,
                        rows: self.out,
                        cols: self.input,
                    };
                    let input = rows.flatten_all()?.to_vec1::<f32>()?;
                    let out = kernels::product(&matrix, &input, n)?;
                    Tensor::from_vec(out, (n, self.out), &Device::Cpu)
                }
            }
        }
    }
}

/// Several matrices applied to the same rows (query/key/value, or gate/up),
/// stored as one when their formats allow: one product instead of several,
/// so the worker threads meet once instead of once per matrix.
pub(crate) struct Stack {
    merged: Option<Linear>,
    separate: Vec<Linear>,
    widths: Vec<usize>,
}

impl Stack {
    pub(crate) fn new(
        parts: Vec<Arc<QTensor>>,
        dense_from_rows: usize,
        kernel: DecodeKernel,
    ) -> candle_core::Result<Self> {
        let widths = parts
            .iter()
            .map(|p| p.shape().dims2().map(|(out, _)| out))
            .collect::<candle_core::Result<Vec<_>>>()?;
        let merged = match merge_rows(&parts)? {
            Some(tensor) => Some(Linear::new(Arc::new(tensor), dense_from_rows, kernel)?),
            None => None,
        };
        let separate = if merged.is_some() {
            Vec::new()
        } else {
            parts
                .into_iter()
                .map(|p| Linear::new(p, dense_from_rows, kernel))
                .collect::<candle_core::Result<_>>()?
        };
        Ok(Self {
            merged,
            separate,
            widths,
        })
    }

    /// Output widths of the parts.
    pub(crate) fn widths(&self) -> &[usize] {
        &self.widths
    }

    /// `rows` times each part: one `[n, width]` row-major buffer per part.
    pub(crate) fn forward(&self, rows: &Tensor) -> candle_core::Result<Vec<Vec<f32>>> {
        let Some(merged) = &self.merged else {
            return self
                .separate
                .iter()
                .map(|l| l.forward(rows)?.flatten_all()?.to_vec1::<f32>())
                .collect();
        };
        let all = merged.forward(rows)?.flatten_all()?.to_vec1::<f32>()?;
        let total: usize = self.widths.iter().sum();
        let n = all.len() / total.max(1);
        let mut parts: Vec<Vec<f32>> = self
            .widths
            .iter()
            .map(|w| Vec::with_capacity(n * w))
            .collect();
        for row in all.chunks_exact(total) {
            let mut at = 0;
            for (part, &width) in parts.iter_mut().zip(&self.widths) {
                part.extend_from_slice(&row[at..at + width]);
                at += width;
            }
        }
        Ok(parts)
    }
}

/// One tensor holding the rows of all `parts`, when they share format and
/// input width (block formats keep each row's blocks together, so the rows'
/// bytes can simply follow each other).
fn merge_rows(parts: &[Arc<QTensor>]) -> candle_core::Result<Option<QTensor>> {
    let Some(first) = parts.first() else {
        return Ok(None);
    };
    let (_, k) = first.shape().dims2()?;
    let mut rows = 0;
    let mut bytes = Vec::new();
    for part in parts {
        let (out, part_k) = part.shape().dims2()?;
        if part.dtype() != first.dtype() || part_k != k {
            return Ok(None);
        }
        rows += out;
        bytes.extend_from_slice(&part.data()?);
    }
    let storage = QStorage::from_data(std::borrow::Cow::Owned(bytes), &Device::Cpu, first.dtype())?;
    Ok(Some(QTensor::new(storage, (rows, k))?))
}
