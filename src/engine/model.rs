//! Model weights per architecture. Adding an architecture candle-transformers
//! ships a quantized implementation of is one match arm here.

use std::io::{Read, Seek};

use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use candle_transformers::models::{
    quantized_gemma3, quantized_llama, quantized_qwen2, quantized_qwen3,
};

use super::EngineError;

/// A loaded model of one of the supported architectures.
pub(crate) enum ModelWeights {
    /// llama family: Llama 2/3.x, Mistral, SmolLM/SmolLM2.
    Llama(quantized_llama::ModelWeights),
    /// Qwen2 / Qwen2.5.
    Qwen2(quantized_qwen2::ModelWeights),
    /// Qwen3.
    Qwen3(quantized_qwen3::ModelWeights),
    /// Gemma 3.
    Gemma3(quantized_gemma3::ModelWeights),
}

impl ModelWeights {
    /// Loads the weights named by `general.architecture`.
    pub(crate) fn load<R: Read + Seek>(
        content: gguf_file::Content,
        reader: &mut R,
        device: &Device,
    ) -> Result<Self, EngineError> {
        let arch = architecture(&content)?;
        let model = match arch.as_str() {
            "llama" | "mistral" => Self::Llama(quantized_llama::ModelWeights::from_gguf(content, reader, device)?),
            "qwen2" => Self::Qwen2(quantized_qwen2::ModelWeights::from_gguf(content, reader, device)?),
            "qwen3" => Self::Qwen3(quantized_qwen3::ModelWeights::from_gguf(content, reader, device)?),
            "gemma3" => Self::Gemma3(quantized_gemma3::ModelWeights::from_gguf(content, reader, device)?),
            other => {
                return Err(EngineError::Load(format!(
                    "architecture {other:?} is not supported (llama, mistral, qwen2, qwen3, gemma3 are)"
                )))
            }
        };
        Ok(model)
    }

    /// Runs `input` (shape `[1, seq]`) at position `index_pos`, returning the
    /// logits of the last position.
    pub(crate) fn forward(
        &mut self,
        input: &Tensor,
        index_pos: usize,
    ) -> candle_core::Result<Tensor> {
        match self {
            Self::Llama(m) => m.forward(input, index_pos),
            Self::Qwen2(m) => m.forward(input, index_pos),
            Self::Qwen3(m) => m.forward(input, index_pos),
            Self::Gemma3(m) => m.forward(input, index_pos),
        }
    }

    /// Forgets the attention cache (before an unrelated prompt).
    pub(crate) fn clear_kv_cache(&mut self) {
        match self {
            Self::Llama(m) => m.clear_kv_cache(),
            Self::Qwen2(m) => m.clear_kv_cache(),
            Self::Qwen3(m) => m.clear_kv_cache(),
            // gemma3 resets its cache when index_pos is 0.
            Self::Gemma3(_) => {}
        }
    }
}

/// `general.architecture` of the file.
pub(crate) fn architecture(content: &gguf_file::Content) -> Result<String, EngineError> {
    content
        .metadata
        .get("general.architecture")
        .and_then(|v| v.to_string().ok())
        .cloned()
        .ok_or_else(|| EngineError::Load("missing general.architecture".into()))
}

/// The device models run on: CPU, or a GPU when built with `cuda`/`metal`.
pub(crate) fn device() -> Result<Device, EngineError> {
    #[cfg(feature = "cuda")]
    return Ok(Device::new_cuda(0)?);
    #[cfg(all(feature = "metal", not(feature = "cuda")))]
    return Ok(Device::new_metal(0)?);
    #[cfg(not(any(feature = "cuda", feature = "metal")))]
    Ok(Device::Cpu)
}
