//! The weights of a llama-family model, read tensor by tensor from a GGUF
//! (converted to Q8_0 on the way when asked), so loading never holds more
//! than the final weights plus one tensor.

use std::io::{Read, Seek};
use std::sync::Arc;

use candle_core::quantized::{gguf_file, QTensor};
use candle_core::Device;

use super::hyper::Hyper;
use super::linear::{Linear, Stack};
use crate::engine::requantize::convert;
use crate::engine::{DecodeKernel, EngineError, WeightFormat};

/// One transformer block.
pub(crate) struct Block {
    pub(crate) attn_norm: Vec<f32>,
    /// Query, key and value projections.
    pub(crate) qkv: Stack,
    pub(crate) wo: Linear,
    pub(crate) ffn_norm: Vec<f32>,
    /// Gate and up projections.
    pub(crate) gate_up: Stack,
    pub(crate) down: Linear,
}

/// Everything the forward pass reads.
pub(crate) struct Weights {
    pub(crate) embedding: Arc<QTensor>,
    pub(crate) blocks: Vec<Block>,
    pub(crate) output_norm: Vec<f32>,
    pub(crate) output: Linear,
}

impl Weights {
    pub(crate) fn load<R: Read + Seek>(
        content: &gguf_file::Content,
        reader: &mut R,
        hyper: &Hyper,
        format: WeightFormat,
        dense_from_rows: usize,
        kernel: DecodeKernel,
    ) -> Result<Self, EngineError> {
        let mut tensor = |name: &str| -> Result<Arc<QTensor>, EngineError> {
            let raw = content
                .tensor(reader, name, &Device::Cpu)
                .map_err(|e| EngineError::Load(format!("tensor {name}: {e}")))?;
            Ok(Arc::new(convert(raw, format)?))
        };
        let vector = |t: Arc<QTensor>| -> Result<Vec<f32>, EngineError> {
            Ok(t.dequantize(&Device::Cpu)?
                .flatten_all()?
                .to_vec1::<f32>()?)
        };
        let linear = |t: Arc<QTensor>| Linear::new(t, dense_from_rows, kernel);
        let stack = |parts: Vec<Arc<QTensor>>| Stack::new(parts, dense_from_rows, kernel);
        let embedding = tensor("token_embd.weight")?;
        let output = if content.tensor_infos.contains_key("output.weight") {
            tensor("output.weight")?
        } else {
            embedding.clone()
        };
        let mut blocks = Vec::with_capacity(hyper.layers);
        for i in 0..hyper.layers {
            let mut part = |name: &str| tensor(&format!("blk.{i}.{name}.weight"));
            let block = Block {
                attn_norm: vector(part("attn_norm")?)?,
                qkv: stack(vec![part("attn_q")?, part("attn_k")?, part("attn_v")?])?,
                wo: linear(part("attn_output")?)?,
                ffn_norm: vector(part("ffn_norm")?)?,
                gate_up: stack(vec![part("ffn_gate")?, part("ffn_up")?])?,
                down: linear(part("ffn_down")?)?,
            };
            check_shapes(&block, hyper, i)?;
            blocks.push(block);
        }
        Ok(Self {
            embedding,
            blocks,
            output_norm: vector(tensor("output_norm.weight")?)?,
            // The vocabulary projection always runs on a handful of rows.
            output: Linear::new(output, usize::MAX, kernel)?,
        })
    }
}

fn check_shapes(block: &Block, hyper: &Hyper, index: usize) -> Result<(), EngineError> {
    let qkv = block.qkv.widths();
    let gate_up = block.gate_up.widths();
    let expected = [
        (qkv[0], hyper.heads * hyper.head_dim, "attn_q"),
        (qkv[1], hyper.kv_dim(), "attn_k"),
        (qkv[2], hyper.kv_dim(), "attn_v"),
        (gate_up[0], gate_up[1], "ffn_gate and ffn_up"),
        (block.wo.out(), hyper.hidden, "attn_output"),
        (block.down.out(), hyper.hidden, "ffn_down"),
        (block.attn_norm.len(), hyper.hidden, "attn_norm"),
        (block.ffn_norm.len(), hyper.hidden, "ffn_norm"),
    ];
    for (got, want, name) in expected {
        if got != want {
            return Err(EngineError::Load(format!(
                "blk.{index}.{name} has size {got}, expected {want}"
            )));
        }
    }
    Ok(())
}
