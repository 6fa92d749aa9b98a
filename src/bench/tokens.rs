//! Counting generated tokens when the server does not report them: the
//! reply text re-encoded with the model's own tokenizer (read from the GGUF
//! metadata; the weights are not loaded).
//!
//! A re-encoded reply can differ from the ids the model produced by a token
//! or so (the model may pick a non-canonical split; the end-of-turn token
//! is not text), which is well below the noise of a load run.

use std::path::Path;

use candle_core::quantized::gguf_file;

use super::LoadError;
use crate::engine::tokenizer::ModelTokenizer;

/// The tokenizer of one GGUF model, for counting.
#[derive(Debug, Clone)]
pub struct TokenCounter {
    tokenizer: ModelTokenizer,
}

impl TokenCounter {
    /// Reads the tokenizer from the GGUF file at `path`.
    pub fn from_gguf(path: &Path) -> Result<Self, LoadError> {
        let fail = |reason: String| LoadError::Tokenizer {
            path: path.to_owned(),
            reason,
        };
        let mut file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
        let content = gguf_file::Content::read(&mut file).map_err(|e| fail(e.to_string()))?;
        let tokenizer = ModelTokenizer::from_gguf(&content).map_err(|e| fail(e.to_string()))?;
        Ok(Self { tokenizer })
    }

    /// Tokens in `text` (0 for text the tokenizer cannot encode).
    pub fn count(&self, text: &str) -> usize {
        self.tokenizer.encode(text).map_or(0, |ids| ids.len())
    }
}
