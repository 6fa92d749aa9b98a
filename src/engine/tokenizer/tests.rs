//! Unit tests on tiny synthetic GGUF vocabularies; the fixtures are shared
//! with the stream decoder's tests.

use super::*;
use candle_core::quantized::gguf_file::Value;
use candle_core::quantized::gguf_file::VersionedMagic;

fn content(md: Vec<(&str, Value)>) -> Content {
    let metadata = md.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    Content {
        magic: VersionedMagic::GgufV3,
        metadata,
        tensor_infos: HashMap::new(),
        tensor_data_offset: 0,
    }
}

fn strings<S: AsRef<str>>(items: &[S]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|s| Value::String(s.as_ref().to_string()))
            .collect(),
    )
}

fn byte_level_md() -> Vec<(&'static str, Value)> {
    byte_level_md_with(&["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
}

/// A byte-level vocabulary whose first tokens are the control tokens
/// `controls` (bos = the second, eos = the third).
fn byte_level_md_with(controls: &[&str]) -> Vec<(&'static str, Value)> {
    let byte_char = |b: u8| {
        (0..=323u32)
            .filter_map(char::from_u32)
            .find(|&c| byte_level_char_to_byte(c) == Some(b))
    };
    let mut tokens: Vec<String> = controls.iter().map(|c| c.to_string()).collect();
    tokens.extend((0..=255u8).filter_map(byte_char).map(String::from));
    let merges = ["H e", "He l", "Hel l", "Hell o", "Ġ H", "ĠH i", "1 2"];
    tokens.extend(["He", "Hel", "Hell", "Hello", "ĠH", "ĠHi", "12"].map(String::from));
    let mut types = vec![Value::I32(3); controls.len()];
    types.resize(tokens.len(), Value::I32(1));
    vec![
        ("tokenizer.ggml.model", Value::String("gpt2".into())),
        ("tokenizer.ggml.pre", Value::String("smollm".into())),
        ("tokenizer.ggml.tokens", strings(&tokens)),
        ("tokenizer.ggml.token_type", Value::Array(types)),
        ("tokenizer.ggml.merges", strings(&merges)),
        ("tokenizer.ggml.bos_token_id", Value::U32(1)),
        ("tokenizer.ggml.eos_token_id", Value::U32(2)),
    ]
}

/// A tiny gpt2/smollm vocabulary: control tokens 0..3, the 256 byte chars, a few merges.
pub(crate) fn byte_level_fixture() -> ModelTokenizer {
    ModelTokenizer::from_gguf(&content(byte_level_md())).unwrap()
}

/// A tiny byte-level vocabulary with the given control tokens (at least
/// three: the second is bos, the third eos).
pub(crate) fn byte_level_fixture_with(controls: &[&str]) -> ModelTokenizer {
    ModelTokenizer::from_gguf(&content(byte_level_md_with(controls))).unwrap()
}

fn sentencepiece_md() -> Vec<(&'static str, Value)> {
    let mut tokens: Vec<String> = vec!["<unk>".into(), "<s>".into(), "</s>".into()];
    let mut types = vec![2, 3, 3];
    tokens.extend((0..=255u8).map(|b| format!("<0x{b:02X}>")));
    types.resize(tokens.len(), 6);
    let pieces = [
        "▁", "H", "e", "l", "o", "h", "He", "ll", "Hell", "Hello", "▁Hello", "<tool>",
    ];
    tokens.extend(pieces.map(String::from));
    types.extend(pieces.map(|p| if p == "<tool>" { 4 } else { 1 }));
    let mut scores = vec![Value::F32(0.0); 259];
    scores.extend((1..=pieces.len()).map(|i| Value::F32(-(i as f32))));
    vec![
        ("tokenizer.ggml.model", Value::String("llama".into())),
        ("tokenizer.ggml.tokens", strings(&tokens)),
        (
            "tokenizer.ggml.token_type",
            Value::Array(types.into_iter().map(Value::I32).collect()),
        ),
        ("tokenizer.ggml.scores", Value::Array(scores)),
        ("tokenizer.ggml.bos_token_id", Value::U32(1)),
        ("tokenizer.ggml.eos_token_id", Value::U32(2)),
        ("tokenizer.ggml.unknown_token_id", Value::U32(0)),
    ]
}

/// A tiny llama/SentencePiece vocabulary with all 256 byte-fallback tokens.
pub(crate) fn sentencepiece_fixture() -> ModelTokenizer {
    ModelTokenizer::from_gguf(&content(sentencepiece_md())).unwrap()
}

fn build_err(md: Vec<(&str, Value)>) -> TokenizerError {
    ModelTokenizer::from_gguf(&content(md)).unwrap_err()
}

fn with(
    mut md: Vec<(&'static str, Value)>,
    key: &'static str,
    v: Option<Value>,
) -> Vec<(&'static str, Value)> {
    md.retain(|(k, _)| *k != key);
    md.extend(v.map(|v| (key, v)));
    md
}

#[test]
fn byte_level_has_no_prefix_space_and_splits_digits() {
    let tok = byte_level_fixture();
    assert_eq!(
        tok.encode("Hello").unwrap(),
        vec![tok.token_id("Hello").unwrap()]
    );
    assert_eq!(
        tok.encode(" Hi").unwrap(),
        vec![tok.token_id("ĠHi").unwrap()]
    );
    let one = tok.token_id("1").unwrap();
    assert_eq!(
        tok.encode("12").unwrap(),
        vec![one, one + 1],
        "the `1 2` merge must not apply"
    );
    assert!(!tok.add_bos_token());
    assert_eq!(
        (tok.bos_token(), tok.eos_token()),
        (Some("<|im_start|>"), "<|im_end|>")
    );
}

#[test]
fn byte_level_special_tokens_and_bytes() {
    let tok = byte_level_fixture();
    assert_eq!(tok.encode("<|im_start|>Hi<|im_end|>").unwrap()[0], 1);
    assert_eq!(
        tok.encode("<|im_start|>Hi<|im_end|>").unwrap().last(),
        Some(&2)
    );
    assert_eq!(tok.token_bytes(tok.token_id("Ġ").unwrap()), b" ");
    assert_eq!(tok.token_bytes(tok.token_id("Ċ").unwrap()), b"\n");
    assert_eq!(tok.token_bytes(1), b"<|im_start|>");
    assert!(tok.token_bytes(99_999).is_empty());
    let err = tok.decode(&[99_999]).unwrap_err();
    assert!(matches!(
        err,
        TokenizerError::UnknownTokenId { id: 99_999, .. }
    ));
}

#[test]
fn byte_level_char_mapping_is_a_bijection() {
    let mut seen = [false; 256];
    for c in (0..=400u32).filter_map(char::from_u32) {
        if let Some(b) = byte_level_char_to_byte(c) {
            assert!(!seen[b as usize], "byte {b} mapped twice");
            seen[b as usize] = true;
        }
    }
    assert!(seen.iter().all(|&s| s));
    assert_eq!(byte_level_char_to_byte('Ġ'), Some(b' '));
    assert_eq!(byte_level_char_to_byte('Ċ'), Some(b'\n'));
}

#[test]
fn sentencepiece_merges_prefix_and_byte_fallback() {
    let tok = sentencepiece_fixture();
    let id = |t: &str| tok.token_id(t).unwrap();
    assert_eq!(tok.encode("Hello").unwrap(), vec![id("▁Hello")]);
    let ids = tok.encode("Hello é").unwrap();
    assert_eq!(ids, vec![id("▁Hello"), id("▁"), id("<0xC3>"), id("<0xA9>")]);
    assert_eq!(tok.decode(&ids).unwrap(), "Hello é");
    // Like llama.cpp, text after a special or user-defined token gets its own `▁` prefix.
    let ids = tok.encode("Hello<tool>Hello").unwrap();
    assert_eq!(ids, vec![id("▁Hello"), id("<tool>"), id("▁Hello")]);
    assert_eq!(tok.decode(&ids).unwrap(), "Hello<tool> Hello");
    assert_eq!(tok.encode("<s>Hello").unwrap(), vec![1, id("▁Hello")]);
    assert_eq!(
        tok.encode("  h").unwrap(),
        [id("▁"), id("▁"), id("▁"), id("h")]
    );
    assert_eq!(tok.token_bytes(id("▁Hello")), b" Hello");
    assert_eq!(tok.token_bytes(id("<0x0A>")), b"\n");
    assert!(tok.add_bos_token() && tok.strips_leading_space());
}

#[test]
fn add_bos_and_prefix_follow_metadata() {
    let md = with(
        sentencepiece_md(),
        "tokenizer.ggml.add_bos_token",
        Some(Value::Bool(false)),
    );
    let md = with(
        md,
        "tokenizer.ggml.add_space_prefix",
        Some(Value::Bool(false)),
    );
    let tok = ModelTokenizer::from_gguf(&content(md)).unwrap();
    assert!(!tok.add_bos_token() && !tok.strips_leading_space());
    assert_eq!(tok.encode("He").unwrap(), vec![tok.token_id("He").unwrap()]);
    let md = with(
        byte_level_md(),
        "tokenizer.ggml.add_bos_token",
        Some(Value::Bool(true)),
    );
    assert!(ModelTokenizer::from_gguf(&content(md))
        .unwrap()
        .add_bos_token());
}

#[test]
fn bad_metadata_is_an_error() {
    let e = build_err(with(byte_level_md(), "tokenizer.ggml.tokens", None));
    assert!(matches!(
        e,
        TokenizerError::MissingKey("tokenizer.ggml.tokens")
    ));
    let e = build_err(with(
        byte_level_md(),
        "tokenizer.ggml.eos_token_id",
        Some(Value::U32(1 << 20)),
    ));
    assert!(matches!(
        e,
        TokenizerError::IdOutOfVocab {
            key: "tokenizer.ggml.eos_token_id",
            ..
        }
    ));
    let e = build_err(with(
        byte_level_md(),
        "tokenizer.ggml.bos_token_id",
        Some(Value::I32(-1)),
    ));
    assert!(matches!(e, TokenizerError::WrongType { .. }));
    let e = build_err(with(byte_level_md(), "tokenizer.ggml.eos_token_id", None));
    assert!(matches!(e, TokenizerError::MissingKey(_)));
    let e = build_err(with(
        byte_level_md(),
        "tokenizer.ggml.model",
        Some(Value::String("bert".into())),
    ));
    assert!(matches!(e, TokenizerError::UnsupportedModel(_)));
    let e = build_err(with(
        byte_level_md(),
        "tokenizer.ggml.merges",
        Some(strings(&["H x"])),
    ));
    assert!(matches!(e, TokenizerError::InvalidMerge { index: 0, .. }));
    let e = build_err(with(
        byte_level_md(),
        "tokenizer.ggml.merges",
        Some(strings(&["Hello"])),
    ));
    assert!(matches!(e, TokenizerError::InvalidMerge { .. }));
    let e = build_err(with(
        byte_level_md(),
        "tokenizer.ggml.token_type",
        Some(Value::Array(vec![])),
    ));
    assert!(matches!(e, TokenizerError::LengthMismatch { .. }));
    let e = build_err(with(sentencepiece_md(), "tokenizer.ggml.scores", None));
    assert!(matches!(
        e,
        TokenizerError::MissingKey("tokenizer.ggml.scores")
    ));
    let e = build_err(with(
        byte_level_md(),
        "tokenizer.ggml.tokens",
        Some(strings::<&str>(&[])),
    ));
    assert!(matches!(e, TokenizerError::EmptyVocab));
}

#[test]
fn unknown_pre_falls_back_with_a_warning() {
    let md = with(
        byte_level_md(),
        "tokenizer.ggml.pre",
        Some(Value::String("mystery".into())),
    );
    let md = with(
        md,
        "tokenizer.ggml.padding_token_id",
        Some(Value::U32(1 << 20)),
    );
    let tok = ModelTokenizer::from_gguf(&content(md)).unwrap();
    assert_eq!(tok.warnings().len(), 2);
    assert_eq!(tok.encode("12").unwrap(), vec![tok.token_id("12").unwrap()]);
}

#[test]
fn llama3_and_qwen2_pre_tokenizers_build() {
    // (pre, tokens for "12": llama3 groups up to three digits, qwen2/tekken split each)
    for (pre, digits) in [
        ("llama-bpe", 1),
        ("qwen2", 2),
        ("tekken", 2),
        ("gpt2", 1),
        ("default", 1),
    ] {
        let md = with(
            byte_level_md(),
            "tokenizer.ggml.pre",
            Some(Value::String(pre.into())),
        );
        let tok = ModelTokenizer::from_gguf(&content(md)).unwrap();
        assert_eq!(
            tok.encode("Hello").unwrap(),
            vec![tok.token_id("Hello").unwrap()],
            "{pre}"
        );
        assert_eq!(
            tok.encode(" Hi").unwrap(),
            vec![tok.token_id("ĠHi").unwrap()],
            "{pre}"
        );
        assert_eq!(tok.encode("12").unwrap().len(), digits, "{pre}");
        assert_eq!(
            tok.add_bos_token(),
            pre == "llama-bpe" || pre == "tekken",
            "{pre}"
        );
    }
}
