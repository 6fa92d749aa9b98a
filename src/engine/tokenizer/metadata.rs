//! Typed reads of GGUF metadata values, each failing with a [`TokenizerError`]
//! that names the key.

use std::collections::HashMap;

use candle_core::quantized::gguf_file::Value;

use super::TokenizerError;

type Result<T> = std::result::Result<T, TokenizerError>;

/// `tokenizer.ggml.token_type` values (llama.cpp / SentencePiece numbering).
pub(super) const TYPE_NORMAL: i64 = 1;
pub(super) const TYPE_UNKNOWN: i64 = 2;
pub(super) const TYPE_CONTROL: i64 = 3;
pub(super) const TYPE_USER_DEFINED: i64 = 4;
pub(super) const TYPE_BYTE: i64 = 6;

pub(super) fn req<'a>(md: &'a HashMap<String, Value>, key: &'static str) -> Result<&'a Value> {
    md.get(key).ok_or(TokenizerError::MissingKey(key))
}

pub(super) fn as_str<'a>(v: &'a Value, key: &'static str) -> Result<&'a str> {
    match v {
        Value::String(s) => Ok(s),
        _ => Err(TokenizerError::WrongType {
            key,
            expected: "a string",
        }),
    }
}

pub(super) fn as_i64(v: &Value) -> Option<i64> {
    match *v {
        Value::U8(x) => Some(x.into()),
        Value::I8(x) => Some(x.into()),
        Value::U16(x) => Some(x.into()),
        Value::I16(x) => Some(x.into()),
        Value::U32(x) => Some(x.into()),
        Value::I32(x) => Some(x.into()),
        Value::U64(x) => i64::try_from(x).ok(),
        Value::I64(x) => Some(x),
        _ => None,
    }
}

pub(super) fn as_u64(v: &Value, key: &'static str) -> Result<u64> {
    as_i64(v)
        .and_then(|x| u64::try_from(x).ok())
        .ok_or(TokenizerError::WrongType {
            key,
            expected: "a non-negative integer",
        })
}

pub(super) fn opt_bool(md: &HashMap<String, Value>, key: &'static str) -> Result<Option<bool>> {
    match md.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(TokenizerError::WrongType {
            key,
            expected: "a bool",
        }),
    }
}

pub(super) fn array<'a>(
    v: &'a Value,
    key: &'static str,
    expected: &'static str,
) -> Result<&'a [Value]> {
    match v {
        Value::Array(items) => Ok(items),
        _ => Err(TokenizerError::WrongType { key, expected }),
    }
}

pub(super) fn string_array(md: &HashMap<String, Value>, key: &'static str) -> Result<Vec<String>> {
    let expected = "an array of strings";
    array(req(md, key)?, key, expected)?
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            _ => Err(TokenizerError::WrongType { key, expected }),
        })
        .collect()
}

pub(super) fn int_array(v: &Value, key: &'static str) -> Result<Vec<i64>> {
    let expected = "an array of integers";
    array(v, key, expected)?
        .iter()
        .map(|v| as_i64(v).ok_or(TokenizerError::WrongType { key, expected }))
        .collect()
}

pub(super) fn f32_array(v: &Value, key: &'static str) -> Result<Vec<f32>> {
    let expected = "an array of floats";
    array(v, key, expected)?
        .iter()
        .map(|v| match *v {
            Value::F32(x) => Ok(x),
            Value::F64(x) => Ok(x as f32),
            _ => Err(TokenizerError::WrongType { key, expected }),
        })
        .collect()
}

pub(super) fn per_token<T>(values: Vec<T>, key: &'static str, vocab_size: usize) -> Result<Vec<T>> {
    if values.len() != vocab_size {
        return Err(TokenizerError::LengthMismatch {
            key,
            len: values.len(),
            vocab_size,
        });
    }
    Ok(values)
}
