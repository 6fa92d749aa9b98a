//! TEMPORARY STUB (replaced by the real module).
use candle_core::quantized::gguf_file;
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChatMessage { pub role: String, pub content: String }
#[derive(Debug, thiserror::Error)]
pub enum ChatTemplateError { #[error("stub")] Stub }
pub struct ChatTemplate;
impl ChatTemplate {
    pub fn from_gguf(_c: &gguf_file::Content, _o: Option<&str>, _b: &str, _e: &str) -> Result<Self, ChatTemplateError> { Err(ChatTemplateError::Stub) }
    pub fn render(&self, _m: &[ChatMessage], _a: bool) -> Result<String, ChatTemplateError> { Err(ChatTemplateError::Stub) }
}
