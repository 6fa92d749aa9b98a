//! Re-quantization at load: 4- and 5-bit weights (Q4_0, Q4_1, Q5_0, Q5_1)
//! are converted to Q8_0, for which candle has SIMD kernels on x86 and ARM.
//! Prompt processing gets several times faster for a modest memory cost
//! (see README, Benchmarks). The file on disk is untouched.

use std::io::{Cursor, Read, Seek};

use candle_core::quantized::{gguf_file, GgmlDType, QTensor};
use candle_core::Device;

use super::EngineError;

/// How weights are held in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightFormat {
    /// As stored in the GGUF (the default: a 4-bit model reads about 40%
    /// fewer bytes per token than its Q8_0 copy; see README, "Decode
    /// kernel").
    #[default]
    AsStored,
    /// 4/5-bit block formats converted to Q8_0 at load.
    Q8_0,
    /// Every matrix expanded to f32: no quantization error at all, about
    /// four times the memory; the reference for accuracy comparisons.
    F32,
}

/// A GGUF held in memory: its parsed header and a reader over its bytes.
pub(crate) type InMemoryGguf = (gguf_file::Content, Cursor<Vec<u8>>);

fn converts(dtype: GgmlDType) -> bool {
    matches!(
        dtype,
        GgmlDType::Q4_0 | GgmlDType::Q4_1 | GgmlDType::Q5_0 | GgmlDType::Q5_1
    )
}

/// `tensor` in the requested format: 4/5-bit block formats become Q8_0 when
/// asked for and the rows divide into Q8_0 blocks; anything else is kept.
pub(crate) fn convert(tensor: QTensor, format: WeightFormat) -> candle_core::Result<QTensor> {
    let divisible = tensor.shape().dims().last().is_some_and(|d| d % 32 == 0);
    match format {
        WeightFormat::Q8_0 if converts(tensor.dtype()) && divisible => {
            QTensor::quantize(&tensor.dequantize(&Device::Cpu)?, GgmlDType::Q8_0)
        }
        WeightFormat::F32 if tensor.dtype() != GgmlDType::F32 => {
            QTensor::quantize(&tensor.dequantize(&Device::Cpu)?, GgmlDType::F32)
        }
        _ => Ok(tensor),
    }
}

/// Reads every tensor, converting it to `format` where needed, and returns an
/// in-memory GGUF with the same metadata that the model loaders can read.
/// Returns `None` when nothing needs converting.
pub(crate) fn converted<R: Read + Seek>(
    content: &gguf_file::Content,
    reader: &mut R,
    format: WeightFormat,
) -> Result<Option<InMemoryGguf>, EngineError> {
    let needed = |dtype: GgmlDType| match format {
        WeightFormat::AsStored => false,
        WeightFormat::Q8_0 => converts(dtype),
        WeightFormat::F32 => dtype != GgmlDType::F32,
    };
    if !content.tensor_infos.values().any(|t| needed(t.ggml_dtype)) {
        return Ok(None);
    }
    let cpu = Device::Cpu;
    let mut names: Vec<&String> = content.tensor_infos.keys().collect();
    names.sort();
    let mut tensors: Vec<(String, QTensor)> = Vec::with_capacity(names.len());
    for name in names {
        let tensor = convert(content.tensor(reader, name, &cpu)?, format)?;
        tensors.push((name.clone(), tensor));
    }
    // The writer aligns tensor data to 32 bytes, the GGUF default.
    let metadata: Vec<(&str, &gguf_file::Value)> = content
        .metadata
        .iter()
        .filter(|(k, _)| k.as_str() != "general.alignment")
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let tensor_refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let mut buffer = Cursor::new(Vec::new());
    gguf_file::write(&mut buffer, &metadata, &tensor_refs)?;
    drop(tensors);
    buffer.set_position(0);
    let converted = gguf_file::Content::read(&mut buffer)?;
    Ok(Some((converted, buffer)))
}
