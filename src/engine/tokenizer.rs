//! TEMPORARY STUB (replaced by the real module).
use candle_core::quantized::gguf_file;
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError { #[error("stub")] Stub }
pub struct ModelTokenizer;
impl ModelTokenizer {
    pub fn from_gguf(_c: &gguf_file::Content) -> Result<Self, TokenizerError> { Err(TokenizerError::Stub) }
    pub fn encode(&self, _t: &str) -> Result<Vec<u32>, TokenizerError> { Err(TokenizerError::Stub) }
    pub fn decode(&self, _i: &[u32]) -> Result<String, TokenizerError> { Err(TokenizerError::Stub) }
    pub fn token_id(&self, _t: &str) -> Option<u32> { None }
    pub fn bos_id(&self) -> Option<u32> { None }
    pub fn eos_id(&self) -> u32 { 0 }
    pub fn bos_token(&self) -> Option<&str> { None }
    pub fn eos_token(&self) -> &str { "" }
    pub fn add_bos_token(&self) -> bool { false }
}
