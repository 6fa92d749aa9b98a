//! A [`tokenizers::Tokenizer`] rebuilt from a GGUF file's own metadata.
//!
//! GGUF files carry their vocabulary in `tokenizer.ggml.*` keys, so no
//! `tokenizer.json` is needed. Two vocabulary kinds are supported:
//!
//! * `gpt2`: byte-level BPE (vocab + `merges`). The pre-tokenizer is chosen
//!   from `tokenizer.ggml.pre`; no prefix space is ever added.
//! * `llama`: SentencePiece-style BPE whose merges are derived from
//!   `tokenizer.ggml.scores`, with the `▁` metaspace and `<0xNN>` byte fallback.
//!
//! Control (type 3) and user-defined (type 4) tokens become special added
//! tokens, so text such as `<|im_start|>` encodes to its single id.
//!
//! Submodules: `metadata` (typed GGUF reads), `pipeline` (normalizer,
//! pre-tokenizer, model and decoder per vocabulary kind), `tests`.

mod metadata;
mod pipeline;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::HashMap;

use candle_core::quantized::gguf_file::Content;
use tokenizers::{AddedToken, Tokenizer};

use metadata::{as_str, as_u64, int_array, opt_bool, per_token, req, string_array};
use metadata::{TYPE_CONTROL, TYPE_NORMAL, TYPE_USER_DEFINED};

/// Errors raised while building or using a [`ModelTokenizer`].
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    /// A required GGUF metadata key is absent.
    #[error("GGUF metadata key `{0}` is missing")]
    MissingKey(&'static str),
    /// A GGUF metadata key holds a value of the wrong type.
    #[error("GGUF metadata key `{key}` should be {expected}")]
    WrongType {
        /// The offending key.
        key: &'static str,
        /// What the key should have held.
        expected: &'static str,
    },
    /// A per-token array does not have one entry per token.
    #[error("GGUF metadata key `{key}` has {len} entries but the vocabulary has {vocab_size}")]
    LengthMismatch {
        /// The offending key.
        key: &'static str,
        /// Its length.
        len: usize,
        /// The number of tokens.
        vocab_size: usize,
    },
    /// `tokenizer.ggml.tokens` is empty.
    #[error("GGUF vocabulary `tokenizer.ggml.tokens` is empty")]
    EmptyVocab,
    /// `tokenizer.ggml.model` names a vocabulary kind this module cannot build.
    #[error("unsupported tokenizer model `{0}` (supported: gpt2, llama)")]
    UnsupportedModel(String),
    /// A special token id in the metadata is outside the vocabulary.
    #[error("GGUF metadata key `{key}` = {id} is outside the vocabulary of {vocab_size} tokens")]
    IdOutOfVocab {
        /// The offending key.
        key: &'static str,
        /// The id it holds.
        id: u64,
        /// The number of tokens.
        vocab_size: usize,
    },
    /// An entry of `tokenizer.ggml.merges` is malformed.
    #[error("merge #{index} `{merge}` is invalid: {reason}")]
    InvalidMerge {
        /// Position in the merges array.
        index: usize,
        /// The merge text.
        merge: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// `decode` was given an id that is not in the vocabulary.
    #[error("token id {id} is outside the vocabulary of {vocab_size} tokens")]
    UnknownTokenId {
        /// The offending id.
        id: u32,
        /// The number of tokens.
        vocab_size: usize,
    },
    /// The `tokenizers` crate refused the assembled pipeline.
    #[error("failed to build the tokenizer: {0}")]
    Build(#[source] tokenizers::Error),
    /// Encoding failed inside the `tokenizers` crate.
    #[error("failed to encode text: {0}")]
    Encode(#[source] tokenizers::Error),
    /// Decoding failed inside the `tokenizers` crate.
    #[error("failed to decode tokens: {0}")]
    Decode(#[source] tokenizers::Error),
}

type Result<T> = std::result::Result<T, TokenizerError>;

/// Which detokenization rules a vocabulary follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VocabKind {
    /// GPT-2 style byte-level BPE (`tokenizer.ggml.model = gpt2`).
    ByteLevel,
    /// SentencePiece-style BPE with `▁` and `<0xNN>` tokens (`llama`).
    SentencePiece,
}

/// A tokenizer for one GGUF model, plus the special-token facts generation needs.
#[derive(Clone)]
pub struct ModelTokenizer {
    inner: Tokenizer,
    kind: VocabKind,
    tokens: Vec<String>,
    bos_id: Option<u32>,
    eos_id: u32,
    add_bos: bool,
    strip_leading_space: bool,
    warnings: Vec<String>,
    /// The same pipeline with special-token matching off: control-token
    /// spellings in the text become ordinary text tokens.
    plain: Tokenizer,
    /// Every special token's text and id, longest text first.
    control_tokens: Vec<(String, u32)>,
}

impl std::fmt::Debug for ModelTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelTokenizer")
            .field("kind", &self.kind)
            .field("vocab_size", &self.tokens.len())
            .field("bos_id", &self.bos_id)
            .field("eos_id", &self.eos_id)
            .field("add_bos", &self.add_bos)
            .finish_non_exhaustive()
    }
}

impl ModelTokenizer {
    /// Builds the tokenizer from a GGUF file's `tokenizer.ggml.*` metadata.
    pub fn from_gguf(content: &Content) -> Result<Self> {
        let md = &content.metadata;
        let model = as_str(req(md, "tokenizer.ggml.model")?, "tokenizer.ggml.model")?;
        let tokens = string_array(md, "tokenizer.ggml.tokens")?;
        if tokens.is_empty() {
            return Err(TokenizerError::EmptyVocab);
        }
        let n = tokens.len();
        let types = match md.get("tokenizer.ggml.token_type") {
            Some(v) => per_token(
                int_array(v, "tokenizer.ggml.token_type")?,
                "tokenizer.ggml.token_type",
                n,
            )?,
            None => vec![TYPE_NORMAL; n],
        };
        let mut vocab: HashMap<String, u32> = HashMap::with_capacity(n);
        for (id, tok) in (0u32..).zip(&tokens) {
            vocab.entry(tok.clone()).or_insert(id); // first occurrence wins
        }
        let mut warnings = Vec::new();
        let special_id = |key: &'static str| -> Result<Option<u32>> {
            match md.get(key) {
                None => Ok(None),
                Some(v) => {
                    let id = as_u64(v, key)?;
                    match u32::try_from(id) {
                        Ok(small) if (small as usize) < n => Ok(Some(small)),
                        _ => Err(TokenizerError::IdOutOfVocab {
                            key,
                            id,
                            vocab_size: n,
                        }),
                    }
                }
            }
        };
        let bos_id = special_id("tokenizer.ggml.bos_token_id")?;
        let eos_id = match special_id("tokenizer.ggml.eos_token_id")? {
            Some(id) => id,
            None => special_id("tokenizer.ggml.eot_token_id")?
                .ok_or(TokenizerError::MissingKey("tokenizer.ggml.eos_token_id"))?,
        };
        let mut lenient_id = |key: &'static str| match special_id(key) {
            Ok(id) => id,
            Err(e) => {
                warnings.push(format!("ignored: {e}"));
                None
            }
        };
        let unk_id = lenient_id("tokenizer.ggml.unknown_token_id");
        let pad_id = lenient_id("tokenizer.ggml.padding_token_id");

        let (mut inner, kind, add_bos_default, strip) = match model {
            "gpt2" => {
                let pre = match md.get("tokenizer.ggml.pre") {
                    Some(v) => Some(as_str(v, "tokenizer.ggml.pre")?),
                    None => None,
                };
                let (tok, add_bos) = pipeline::build_byte_level(md, vocab, pre, &mut warnings)?;
                (tok, VocabKind::ByteLevel, add_bos, false)
            }
            "llama" => {
                let prefix = opt_bool(md, "tokenizer.ggml.add_space_prefix")?.unwrap_or(true);
                let tok =
                    pipeline::build_sentencepiece(md, &tokens, &types, vocab, unk_id, prefix)?;
                (tok, VocabKind::SentencePiece, true, prefix)
            }
            other => return Err(TokenizerError::UnsupportedModel(other.to_string())),
        };

        // Special: control and user-defined tokens, bos/eos whatever their type, and
        // unk/pad unless they are ordinary text tokens (some files point pad at "!").
        let mut specials: Vec<AddedToken> = Vec::new();
        let mut control_tokens: Vec<(String, u32)> = Vec::new();
        for (id, (tok, &ty)) in (0u32..).zip(tokens.iter().zip(&types)) {
            let special = ty == TYPE_CONTROL
                || ty == TYPE_USER_DEFINED
                || id == eos_id
                || bos_id == Some(id)
                || (ty != TYPE_NORMAL && [unk_id, pad_id].contains(&Some(id)));
            if tok.is_empty() || !special {
                continue;
            }
            // Matched on the raw text, before any `▁` normalization (as llama.cpp does).
            specials.push(AddedToken::from(tok.clone(), true));
            control_tokens.push((tok.clone(), id));
        }
        // Longest first, so a match never stops at a shorter token's prefix.
        control_tokens.sort_by_key(|(text, _)| std::cmp::Reverse(text.len()));
        inner
            .add_special_tokens(specials)
            .map_err(TokenizerError::Build)?;
        let mut plain = inner.clone();
        plain.set_encode_special_tokens(true);

        let add_bos = opt_bool(md, "tokenizer.ggml.add_bos_token")?.unwrap_or(add_bos_default);
        Ok(Self {
            inner,
            kind,
            tokens,
            bos_id,
            eos_id,
            add_bos,
            strip_leading_space: strip,
            warnings,
            plain,
            control_tokens,
        })
    }

    /// Encodes `text` to ids. Special/control tokens written in the text (e.g.
    /// `<|im_start|>`) map to their single ids; no BOS is added (see [`Self::add_bos_token`]).
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        ids_of(&self.inner, text)
    }

    /// Encodes `text` to ids with special-token matching off: a control
    /// token's spelling in `text` becomes ordinary text tokens. Every
    /// untrusted text reaches the model through this (see `prompt_encoding`).
    pub fn encode_plain(&self, text: &str) -> Result<Vec<u32>> {
        ids_of(&self.plain, text)
    }

    /// Every special (control or user-defined) token's text and id, longest
    /// text first.
    pub fn control_tokens(&self) -> &[(String, u32)] {
        &self.control_tokens
    }

    /// Decodes ids to text. Special tokens are kept (`skip_special_tokens = false`),
    /// so `decode(encode(s)) == s` for text containing `<|im_start|>` too.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        if let Some(&id) = ids.iter().find(|&&id| id as usize >= self.tokens.len()) {
            return Err(TokenizerError::UnknownTokenId {
                id,
                vocab_size: self.tokens.len(),
            });
        }
        self.inner
            .decode(ids, false)
            .map_err(TokenizerError::Decode)
    }

    /// The id of a vocabulary entry, written as stored (byte-level form for gpt2, `▁` for llama).
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// The beginning-of-sequence id, if the model declares one.
    pub fn bos_id(&self) -> Option<u32> {
        self.bos_id
    }

    /// The end-of-sequence id (`eos_token_id`, else `eot_token_id`).
    pub fn eos_id(&self) -> u32 {
        self.eos_id
    }

    /// The text of the BOS token, if any.
    pub fn bos_token(&self) -> Option<&str> {
        self.bos_id
            .and_then(|id| self.tokens.get(id as usize))
            .map(String::as_str)
    }

    /// The text of the EOS token.
    pub fn eos_token(&self) -> &str {
        self.tokens
            .get(self.eos_id as usize)
            .map_or("", String::as_str)
    }

    /// Whether prompts should start with BOS: `tokenizer.ggml.add_bos_token`, defaulting
    /// to true for llama/SentencePiece (and llama3-style gpt2) and false for gpt2.
    /// Always false when the model has no BOS id.
    pub fn add_bos_token(&self) -> bool {
        self.add_bos && self.bos_id.is_some()
    }

    /// Number of entries in `tokenizer.ggml.tokens`.
    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    /// The vocabulary kind, which fixes how token bytes are recovered.
    pub fn kind(&self) -> VocabKind {
        self.kind
    }

    /// Whether decoding drops one leading space of the whole output (SentencePiece
    /// models that add a `▁` prefix when encoding).
    pub fn strips_leading_space(&self) -> bool {
        self.strip_leading_space
    }

    /// Non-fatal oddities found in the metadata (ignored ids, unknown `pre`), for logging.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The raw bytes one token contributes to decoded text (empty for an unknown id).
    /// Mirrors the decoder: byte-level chars map back to bytes; for SentencePiece,
    /// `<0xNN>` is that byte and `▁` is a space. The leading-space strip is not applied.
    pub fn token_bytes(&self, id: u32) -> Vec<u8> {
        let Some(tok) = self.tokens.get(id as usize) else {
            return Vec::new();
        };
        match self.kind {
            VocabKind::ByteLevel => tok
                .chars()
                .map(byte_level_char_to_byte)
                .collect::<Option<Vec<u8>>>()
                .unwrap_or_else(|| tok.as_bytes().to_vec()),
            VocabKind::SentencePiece => match byte_token_value(tok) {
                Some(b) => vec![b],
                None => tok.replace('\u{2581}', " ").into_bytes(),
            },
        }
    }
}

/// `text` encoded by `tokenizer`, without added special tokens.
fn ids_of(tokenizer: &Tokenizer, text: &str) -> Result<Vec<u32>> {
    let encoding = tokenizer
        .encode(text, false)
        .map_err(TokenizerError::Encode)?;
    Ok(encoding.get_ids().to_vec())
}

/// Inverse of GPT-2's `bytes_to_unicode`: printable bytes stand for themselves,
/// the other 68 bytes were shifted to U+0100..=U+0143 in order.
pub(crate) fn byte_level_char_to_byte(c: char) -> Option<u8> {
    let cp = c as u32;
    match cp {
        33..=126 | 161..=172 | 174..=255 => u8::try_from(cp).ok(),
        256..=288 => u8::try_from(cp - 256).ok(),
        289..=322 => u8::try_from(cp - 289 + 127).ok(),
        323 => Some(173),
        _ => None,
    }
}

/// The byte of a SentencePiece byte-fallback token such as `<0x0A>`.
fn byte_token_value(tok: &str) -> Option<u8> {
    let hex = tok.strip_prefix("<0x")?.strip_suffix('>')?;
    if hex.len() != 2 {
        return None;
    }
    u8::from_str_radix(hex, 16).ok()
}
