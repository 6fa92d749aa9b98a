//! TEMPORARY STUB (replaced by the real module).
use super::tokenizer::ModelTokenizer;
#[derive(Default)]
pub struct StreamDecoder;
impl StreamDecoder {
    pub fn new() -> Self { Self }
    pub fn push(&mut self, _t: &ModelTokenizer, _id: u32) -> Option<String> { None }
    pub fn finish(&mut self) -> Option<String> { None }
}
