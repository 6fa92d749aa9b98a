//! The model's shape, read from the GGUF metadata.

use candle_core::quantized::gguf_file;

use crate::engine::EngineError;

/// Sizes and constants of a llama-family model.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hyper {
    pub(crate) layers: usize,
    pub(crate) hidden: usize,
    pub(crate) heads: usize,
    pub(crate) kv_heads: usize,
    pub(crate) head_dim: usize,
    pub(crate) rope_dim: usize,
    pub(crate) rope_base: f32,
    pub(crate) rms_eps: f32,
    pub(crate) context: usize,
}

impl Hyper {
    /// Reads `llama.*` (or `mistral.*`) keys of `content`.
    pub(crate) fn from_gguf(content: &gguf_file::Content, arch: &str) -> Result<Self, EngineError> {
        let get = |key: &str| content.metadata.get(&format!("{arch}.{key}"));
        let usize_of = |key: &str| -> Result<usize, EngineError> {
            get(key)
                .and_then(|v| v.to_u32().ok())
                .map(|v| v as usize)
                .ok_or_else(|| EngineError::Load(format!("missing or invalid {arch}.{key}")))
        };
        let heads = usize_of("attention.head_count")?;
        let hidden = usize_of("embedding_length")?;
        if heads == 0 || hidden % heads != 0 {
            return Err(EngineError::Load(format!(
                "embedding length {hidden} is not a multiple of {heads} heads"
            )));
        }
        let head_dim = hidden / heads;
        let kv_heads = usize_of("attention.head_count_kv").unwrap_or(heads);
        if kv_heads == 0 || heads % kv_heads != 0 {
            return Err(EngineError::Load(format!(
                "{heads} heads cannot share {kv_heads} key/value heads"
            )));
        }
        let rope_dim = usize_of("rope.dimension_count").unwrap_or(head_dim);
        if rope_dim > head_dim || rope_dim % 2 != 0 {
            return Err(EngineError::Load(format!(
                "rope dimension {rope_dim} does not fit head size {head_dim}"
            )));
        }
        let f32_of =
            |key: &str, default: f32| get(key).and_then(|v| v.to_f32().ok()).unwrap_or(default);
        Ok(Self {
            layers: usize_of("block_count")?,
            hidden,
            heads,
            kv_heads,
            head_dim,
            rope_dim,
            rope_base: f32_of("rope.freq_base", 10_000.0),
            rms_eps: f32_of("attention.layer_norm_rms_epsilon", 1e-5),
            context: usize_of("context_length").unwrap_or(4096),
        })
    }

    /// Width of one token's keys (or values) in one layer.
    pub(crate) fn kv_dim(&self) -> usize {
        self.kv_heads * self.head_dim
    }
}
