//! A weight matrix and its product with a batch of rows.
//!
//! Weights stay quantized in memory. Few rows (decode) use candle's
//! quantized kernels, which read the small weights once; many rows
//! (a prompt) can instead use the weights expanded to f32 for the duration
//! of one product, where the dense matrix-multiply kernel is several times
//! faster than the quantized one and the expansion is paid once for all
//! rows. Only one matrix is expanded at a time, so memory stays bounded.

use std::sync::Arc;

use candle_core::quantized::{QMatMul, QStorage, QTensor};
use candle_core::{Device, Module, Tensor};

/// One weight matrix of shape `[out, in]`.
pub(crate) struct Linear {
    quantized: QMatMul,
    weight: Arc<QTensor>,
    out: usize,
    dense_from_rows: usize,
}

impl Linear {
    /// `dense_from_rows`: from this many rows on, products go through the
    /// dense f32 path (`usize::MAX` never).
    pub(crate) fn new(weight: Arc<QTensor>, dense_from_rows: usize) -> candle_core::Result<Self> {
        let (out, _) = weight.shape().dims2()?;
        Ok(Self {
            quantized: QMatMul::from_arc(weight.clone())?,
            weight,
            out,
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
            self.quantized.forward(rows)
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
    ) -> candle_core::Result<Self> {
        let widths = parts
            .iter()
            .map(|p| p.shape().dims2().map(|(out, _)| out))
            .collect::<candle_core::Result<Vec<_>>>()?;
        let merged = match merge_rows(&parts)? {
            Some(tensor) => Some(Linear::new(Arc::new(tensor), dense_from_rows)?),
            None => None,
        };
        let separate = if merged.is_some() {
            Vec::new()
        } else {
            parts
                .into_iter()
                .map(|p| Linear::new(p, dense_from_rows))
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
