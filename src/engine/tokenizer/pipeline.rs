//! Assembles the `tokenizers` pipeline (normalizer, pre-tokenizer, BPE model,
//! decoder) for each GGUF vocabulary kind.

use std::collections::HashMap;

use candle_core::quantized::gguf_file::Value;
use tokenizers::decoders::{byte_fallback::ByteFallback, fuse::Fuse, strip::Strip};
use tokenizers::decoders::{sequence::Sequence as DecoderSequence, DecoderWrapper};
use tokenizers::models::bpe::{Vocab, BPE};
use tokenizers::normalizers::{NormalizerWrapper, Prepend, Replace, Sequence as NormSequence, NFC};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::{digits::Digits, sequence::Sequence, split::Split};
use tokenizers::pre_tokenizers::{split::SplitPattern, PreTokenizerWrapper};
use tokenizers::{SplitDelimiterBehavior, Tokenizer};

use super::metadata::{f32_array, per_token, req, string_array};
use super::metadata::{TYPE_BYTE, TYPE_NORMAL, TYPE_UNKNOWN};
use super::TokenizerError;

type Result<T> = std::result::Result<T, TokenizerError>;

/// Llama 3 split regex (digits grouped by up to three).
const LLAMA3_REGEX: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
/// Tekken (Mistral Nemo) split regex, as in its `tokenizer.json`.
const TEKKEN_REGEX: &str = r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";
/// Qwen2 split regex (digits one by one).
const QWEN2_REGEX: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Builds the byte-level BPE pipeline; returns it with the family's add_bos default.
pub(super) fn build_byte_level(
    md: &HashMap<String, Value>,
    vocab: HashMap<String, u32>,
    pre: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<(Tokenizer, bool)> {
    let raw_merges = string_array(md, "tokenizer.ggml.merges")?;
    let mut merges = Vec::with_capacity(raw_merges.len());
    for (index, m) in raw_merges.into_iter().enumerate() {
        let bad = |reason| TokenizerError::InvalidMerge {
            index,
            merge: m.clone(),
            reason,
        };
        let (a, b) = m.split_once(' ').ok_or_else(|| bad("no space separator"))?;
        if !vocab.contains_key(a) || !vocab.contains_key(b) {
            return Err(bad("a part is not in the vocabulary"));
        }
        if !vocab.contains_key(&format!("{a}{b}")) {
            return Err(bad("the merged token is not in the vocabulary"));
        }
        merges.push((a.to_string(), b.to_string()));
    }
    // (split regex, split digits one by one, NFC, ignore_merges, add_bos default).
    // A missing `pre` or "default" uses the GPT-2 regex, as HF GPT-2 tokenizers do.
    let (regex, digits, nfc, ignore_merges, add_bos) = match pre.unwrap_or("default") {
        "default" | "gpt2" | "gpt-2" | "phi-2" | "mpt" | "olmo" | "jais" | "roberta-bpe" => {
            (None, false, false, false, false)
        }
        "smollm" | "starcoder" | "refact" | "command-r" | "codeshell" | "exaone" | "minerva-7b" => {
            (None, true, false, false, false)
        }
        "llama3" | "llama-v3" | "llama-bpe" | "falcon3" => {
            (Some(LLAMA3_REGEX), false, false, true, true)
        }
        "smaug-bpe" => (Some(LLAMA3_REGEX), false, false, false, false),
        "tekken" => (Some(TEKKEN_REGEX), false, false, true, true),
        "qwen2" | "deepseek-r1-qwen" | "megrez" => (Some(QWEN2_REGEX), false, true, false, false),
        other => {
            warnings.push(format!(
                "unknown tokenizer.ggml.pre `{other}`, using the GPT-2 regex"
            ));
            (None, false, false, false, false)
        }
    };
    let bpe = BPE::builder()
        .vocab_and_merges(vocab.into_iter().collect::<Vocab>(), merges)
        .ignore_merges(ignore_merges)
        .build()
        .map_err(TokenizerError::Build)?;
    let mut tok = Tokenizer::new(bpe);
    let mut steps: Vec<PreTokenizerWrapper> = Vec::new();
    if digits {
        steps.push(Digits::new(true).into());
    }
    match regex {
        Some(re) => {
            let split = Split::new(
                SplitPattern::Regex(re.to_string()),
                SplitDelimiterBehavior::Isolated,
                false,
            )
            .map_err(TokenizerError::Build)?;
            steps.push(split.into());
            steps.push(ByteLevel::new(false, true, false).into());
        }
        None => steps.push(ByteLevel::new(false, true, true).into()),
    }
    tok.with_pre_tokenizer(Some(Sequence::new(steps)));
    if nfc {
        tok.with_normalizer(Some(NFC))
            .map_err(TokenizerError::Build)?;
    }
    tok.with_decoder(Some(ByteLevel::default()));
    Ok((tok, add_bos))
}

/// Builds the SentencePiece-style BPE pipeline from `tokenizer.ggml.scores`.
pub(super) fn build_sentencepiece(
    md: &HashMap<String, Value>,
    tokens: &[String],
    types: &[i64],
    vocab: HashMap<String, u32>,
    unk_id: Option<u32>,
    add_space_prefix: bool,
) -> Result<Tokenizer> {
    let key = "tokenizer.ggml.scores";
    let scores = per_token(f32_array(req(md, key)?, key)?, key, tokens.len())?;
    // Only normal pieces take part in merges; control, user-defined, byte and unknown
    // pieces are reached by special-token matching or byte fallback, as in SentencePiece.
    let mergeable = |id: u32| types.get(id as usize) == Some(&TYPE_NORMAL);
    // Every split of a normal piece into two normal pieces is a merge, ranked by the
    // merged piece's score (highest first), then by ids for determinism.
    let mut ranked: Vec<(f32, u32, u32, u32, usize)> = Vec::new();
    for (id, piece) in (0u32..).zip(tokens) {
        if !mergeable(id) || vocab.get(piece) != Some(&id) {
            continue;
        }
        for (cut, _) in piece.char_indices().skip(1) {
            let (l, r) = piece.split_at(cut);
            if let (Some(&li), Some(&ri)) = (vocab.get(l), vocab.get(r)) {
                if mergeable(li) && mergeable(ri) {
                    ranked.push((scores[id as usize], id, li, ri, cut));
                }
            }
        }
    }
    ranked.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then((a.1, a.2, a.3).cmp(&(b.1, b.2, b.3)))
    });
    let merges = ranked
        .into_iter()
        .map(|(_, id, _, _, cut)| {
            let (l, r) = tokens[id as usize].split_at(cut);
            (l.to_string(), r.to_string())
        })
        .collect();
    let unk = unk_id.or_else(|| {
        types
            .iter()
            .position(|&t| t == TYPE_UNKNOWN)
            .map(|i| i as u32)
    });
    let byte_fallback = types.contains(&TYPE_BYTE) || vocab.contains_key("<0x00>");
    let mut builder = BPE::builder()
        .vocab_and_merges(vocab.into_iter().collect::<Vocab>(), merges)
        .byte_fallback(byte_fallback);
    if let Some(unk) = unk.and_then(|id| tokens.get(id as usize)) {
        builder = builder.unk_token(unk.clone()).fuse_unk(true);
    }
    let mut tok = Tokenizer::new(builder.build().map_err(TokenizerError::Build)?);
    let space = Replace::new(" ", "\u{2581}").map_err(TokenizerError::Build)?;
    let normalizer: NormalizerWrapper = if add_space_prefix {
        NormSequence::new(vec![Prepend::new("\u{2581}".into()).into(), space.into()]).into()
    } else {
        space.into()
    };
    tok.with_normalizer(Some(normalizer))
        .map_err(TokenizerError::Build)?;
    let mut steps: Vec<DecoderWrapper> = vec![
        Replace::new("\u{2581}", " ")
            .map_err(TokenizerError::Build)?
            .into(),
        ByteFallback::new().into(),
        Fuse::new().into(),
    ];
    if add_space_prefix {
        steps.push(Strip::new(' ', 1, 0).into());
    }
    tok.with_decoder(Some(DecoderSequence::new(steps)));
    Ok(tok)
}
