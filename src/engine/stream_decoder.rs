//! Incremental detokenization for streaming generated text.
//!
//! A character can span several tokens (emoji and CJK text are often split into
//! single-byte tokens), so the decoder buffers raw token bytes and only emits
//! complete UTF-8. Joining every [`StreamDecoder::push`] output and the final
//! [`StreamDecoder::finish`] gives the same text as
//! [`ModelTokenizer::decode`] on all the ids, for byte-level BPE and for
//! SentencePiece vocabularies (including the dropped leading space and `<0xNN>`
//! byte tokens). For byte sequences that are not valid UTF-8 the decoder emits
//! U+FFFD like `decode` does, though for SentencePiece byte runs the number of
//! replacement characters can differ.

use super::tokenizer::{ModelTokenizer, VocabKind};

const REPLACEMENT: char = '\u{FFFD}';

/// Turns a stream of token ids into text chunks that are always valid UTF-8.
#[derive(Debug, Default, Clone)]
pub struct StreamDecoder {
    /// Bytes not yet emitted: an incomplete UTF-8 sequence at the end of the stream.
    pending: Vec<u8>,
    /// Whether any text has been emitted (the leading-space strip applies once).
    started: bool,
    /// Whether decoding drops one leading space (set from the tokenizer on push).
    strip_leading_space: bool,
    /// Whether each invalid byte becomes its own U+FFFD (SentencePiece byte fallback).
    replace_per_byte: bool,
}

impl StreamDecoder {
    /// A decoder with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one token and returns the text it completes, if any.
    /// Unknown ids contribute nothing.
    pub fn push(&mut self, tok: &ModelTokenizer, id: u32) -> Option<String> {
        self.strip_leading_space = tok.strips_leading_space();
        self.replace_per_byte = tok.kind() == VocabKind::SentencePiece;
        self.pending.extend(tok.token_bytes(id));
        let text = self.drain(false);
        self.emit(text)
    }

    /// Flushes what is still buffered (an incomplete sequence becomes U+FFFD)
    /// and resets the decoder for a new stream.
    pub fn finish(&mut self) -> Option<String> {
        let text = self.drain(true);
        let out = self.emit(text);
        *self = Self::new();
        out
    }

    /// Decodes the valid prefix of `pending`, replacing invalid bytes; an incomplete
    /// trailing sequence is kept unless `flush` is set.
    fn drain(&mut self, flush: bool) -> String {
        let mut out = String::new();
        let mut rest: &[u8] = &self.pending;
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    out.push_str(s);
                    rest = &[];
                    break;
                }
                Err(e) => {
                    let (valid, tail) = rest.split_at(e.valid_up_to());
                    out.push_str(&String::from_utf8_lossy(valid));
                    let bad = match e.error_len() {
                        Some(n) => n,
                        None if flush => tail.len(),
                        None => {
                            rest = tail;
                            break;
                        }
                    };
                    let count = if self.replace_per_byte { bad } else { 1 };
                    out.extend(std::iter::repeat_n(REPLACEMENT, count));
                    rest = &tail[bad..];
                }
            }
        }
        self.pending = rest.to_vec();
        out
    }

    /// Applies the one-time leading-space strip and hides empty chunks.
    fn emit(&mut self, mut text: String) -> Option<String> {
        if text.is_empty() {
            return None;
        }
        if !self.started {
            self.started = true;
            if self.strip_leading_space && text.starts_with(' ') {
                text.remove(0);
            }
        }
        (!text.is_empty()).then_some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tokenizer::tests::{byte_level_fixture, sentencepiece_fixture};

    fn stream(tok: &ModelTokenizer, ids: &[u32]) -> (Vec<Option<String>>, String) {
        let mut dec = StreamDecoder::new();
        let mut chunks: Vec<Option<String>> = ids.iter().map(|&id| dec.push(tok, id)).collect();
        chunks.push(dec.finish());
        let joined = chunks.iter().flatten().cloned().collect();
        (chunks, joined)
    }

    #[test]
    fn byte_level_emoji_is_held_until_complete() {
        let tok = byte_level_fixture();
        let ids = tok.encode("ok👍").unwrap();
        // "o", "k" and the four bytes of U+1F44D each get a token (no merges for them).
        assert_eq!(ids.len(), 6);
        let (chunks, joined) = stream(&tok, &ids);
        let expected = [Some("o"), Some("k"), None, None, None, Some("👍"), None];
        assert_eq!(chunks, expected.map(|c| c.map(String::from)));
        assert_eq!(joined, tok.decode(&ids).unwrap());
        assert_eq!(joined, "ok👍");
    }

    #[test]
    fn byte_level_cjk_round_trips() {
        let tok = byte_level_fixture();
        let text = "注文 はどこ";
        let ids = tok.encode(text).unwrap();
        let (chunks, joined) = stream(&tok, &ids);
        assert_eq!(joined, text);
        assert!(chunks.iter().flatten().all(|c| !c.contains(REPLACEMENT)));
        // Each 3-byte character needs three pushes; the first two yield nothing.
        assert_eq!(chunks[0], None);
        assert_eq!(chunks[1], None);
        assert_eq!(chunks[2].as_deref(), Some("注"));
    }

    #[test]
    fn sentencepiece_byte_fallback_and_leading_space() {
        let tok = sentencepiece_fixture();
        let text = "Hello 🎉 héllo";
        let ids = tok.encode(text).unwrap();
        let (chunks, joined) = stream(&tok, &ids);
        assert_eq!(tok.decode(&ids).unwrap(), text);
        assert_eq!(joined, text);
        // The first piece is "▁Hello": its leading space is dropped like `decode` does.
        assert_eq!(chunks[0].as_deref(), Some("Hello"));
        let emoji_at = chunks
            .iter()
            .position(|c| c.as_deref() == Some("🎉"))
            .unwrap();
        assert_eq!(chunks[emoji_at - 3..emoji_at], [None, None, None]);
    }

    #[test]
    fn truncated_sequence_is_replaced_on_finish() {
        let tok = byte_level_fixture();
        let ids = tok.encode("a👍").unwrap();
        let cut = &ids[..3]; // "a" plus two of the four emoji bytes
        let (_, joined) = stream(&tok, cut);
        assert_eq!(joined, tok.decode(cut).unwrap());
        assert_eq!(joined, "a\u{FFFD}");
    }

    #[test]
    fn sentencepiece_truncated_bytes_match_decode() {
        let tok = sentencepiece_fixture();
        let ids = tok.encode("Hello 🎉").unwrap();
        let cut = &ids[..ids.len() - 2]; // keeps two of the emoji's four byte tokens
        let (_, joined) = stream(&tok, cut);
        assert_eq!(joined, tok.decode(cut).unwrap());
        assert_eq!(joined, "Hello \u{FFFD}\u{FFFD}");
    }

    #[test]
    fn finish_resets_state() {
        let tok = sentencepiece_fixture();
        let ids = tok.encode("Hello").unwrap();
        let mut dec = StreamDecoder::new();
        for &id in &ids {
            dec.push(&tok, id);
        }
        assert_eq!(dec.finish(), None);
        // A fresh stream strips its own leading space again.
        assert_eq!(dec.push(&tok, ids[0]).as_deref(), Some("Hello"));
    }
}
