//! A weight matrix and its product with a batch of rows.
//!
//! Weights stay quantized in memory. Few rows (decode) use candle's
//! quantized kernels, which read the small weights once; many rows
//! (a prompt) can instead use the weights expanded to f32 for the duration
//! of one product, where the dense matrix-multiply kernel is several times
//! faster than the quantized one and the expansion is paid once for all
//! rows. Only one matrix is expanded at a time, so memory stays bounded.

use std::sync::Arc;

use candle_core::quantized::{QMatMul, QTensor};
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
