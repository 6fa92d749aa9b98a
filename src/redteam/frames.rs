//! Malformed-frame cases: what to send and what the protocol promises back
//! (`docs/protocol.md`: an `error` frame with a stable code, or a close code).
//!
//! Columns: `id  phase  frame  expect`.
//! - `phase`: `fresh` (sent as the first frame) or `hello` (after an
//!   anonymous `hello` was welcomed).
//! - `frame`: `text:<escaped text>`, `binary:<hex>`, `raw_text:<hex>` (a
//!   text frame with these exact bytes, e.g. invalid UTF-8), or a generated
//!   frame: `gen:oversized_text:<bytes>`, `gen:oversized_binary:<bytes>`,
//!   `gen:fragmented_text:<bytes>:<fragments>`, `gen:long_text:<chars>:<char>`,
//!   `gen:nested_array:<depth>`, `gen:nested_object:<depth>`,
//!   `gen:long_client_id:<chars>`.
//! - `expect`: `error:<code>`, `close:<code>` or `welcome`.

use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

use super::escape::unescape;

/// When the bad frame is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// As the very first frame of a connection.
    Fresh,
    /// After an anonymous `hello` was answered with `welcome`.
    AfterHello,
}

/// What the server must answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// An `error` frame with this code.
    Error(String),
    /// The socket is closed with this code.
    Close(u16),
    /// A `welcome` frame (the frame was odd but valid).
    Welcome,
}

impl std::fmt::Display for Expectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expectation::Error(code) => write!(f, "error {code}"),
            Expectation::Close(code) => write!(f, "close {code}"),
            Expectation::Welcome => f.write_str("welcome"),
        }
    }
}

/// The bad frame itself, as it will go on the wire.
#[derive(Debug, Clone)]
pub enum WireFrame {
    /// One text frame.
    Text(String),
    /// One binary frame.
    Binary(Vec<u8>),
    /// Raw frames (text opcode first, then continuations).
    Raw(Vec<(Vec<u8>, bool)>),
}

impl WireFrame {
    /// The frames to send, in order.
    pub fn messages(&self) -> Vec<Message> {
        match self {
            WireFrame::Text(text) => vec![Message::text(text.clone())],
            WireFrame::Binary(bytes) => vec![Message::binary(bytes.clone())],
            WireFrame::Raw(parts) => parts
                .iter()
                .enumerate()
                .map(|(i, (bytes, last))| {
                    let opcode = if i == 0 { Data::Text } else { Data::Continue };
                    Message::Frame(Frame::message(bytes.clone(), OpCode::Data(opcode), *last))
                })
                .collect(),
        }
    }
}

/// One malformed-frame case.
#[derive(Debug, Clone)]
pub struct MalformedCase {
    /// When it is sent.
    pub phase: Phase,
    /// What is sent.
    pub frame: WireFrame,
    /// What must come back.
    pub expect: Expectation,
}

impl MalformedCase {
    /// Parses the three columns after the id.
    pub fn parse(phase: &str, frame: &str, expect: &str) -> Result<Self, String> {
        let phase = match phase {
            "fresh" => Phase::Fresh,
            "hello" => Phase::AfterHello,
            other => return Err(format!("phase `{other}` is neither `fresh` nor `hello`")),
        };
        let expect = match expect.split_once(':') {
            Some(("error", code)) if !code.is_empty() => Expectation::Error(code.to_owned()),
            Some(("close", code)) => Expectation::Close(
                code.parse()
                    .map_err(|_| format!("close code `{code}` is not a number"))?,
            ),
            None if expect == "welcome" => Expectation::Welcome,
            _ => {
                return Err(format!(
                    "expect `{expect}`: use error:<code>, close:<code> or welcome"
                ))
            }
        };
        Ok(Self {
            phase,
            frame: parse_frame(frame)?,
            expect,
        })
    }
}

fn parse_frame(spec: &str) -> Result<WireFrame, String> {
    let (kind, rest) = spec
        .split_once(':')
        .ok_or_else(|| format!("frame `{spec}` needs a `kind:` prefix"))?;
    match kind {
        "text" => Ok(WireFrame::Text(unescape(rest)?)),
        "binary" => Ok(WireFrame::Binary(from_hex(rest)?)),
        "raw_text" => Ok(WireFrame::Raw(vec![(from_hex(rest)?, true)])),
        "gen" => generate(rest),
        other => Err(format!("unknown frame kind `{other}`")),
    }
}

fn from_hex(text: &str) -> Result<Vec<u8>, String> {
    hex::decode(text.replace(' ', "")).map_err(|e| format!("bad hex `{text}`: {e}"))
}

fn number(args: &[&str], at: usize) -> Result<usize, String> {
    args.get(at)
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| format!("generator argument {} must be a number", at + 1))
}

/// A `message` frame whose text is `fill` repeated to make the frame `bytes` long.
fn message_of_size(bytes: usize) -> String {
    let head = r#"{"type":"message","client_id":"big","text":""#;
    let tail = r#""}"#;
    let fill = bytes.saturating_sub(head.len() + tail.len());
    format!("{head}{}{tail}", "x".repeat(fill))
}

fn generate(spec: &str) -> Result<WireFrame, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (name, args) = parts.split_first().ok_or("empty generator")?;
    Ok(match *name {
        "oversized_text" => WireFrame::Text(message_of_size(number(args, 0)?)),
        "oversized_binary" => WireFrame::Binary(vec![0x41; number(args, 0)?]),
        "fragmented_text" => {
            let bytes = message_of_size(number(args, 0)?).into_bytes();
            let pieces = number(args, 1)?.max(1);
            let size = bytes.len().div_ceil(pieces).max(1);
            let chunks: Vec<&[u8]> = bytes.chunks(size).collect();
            let last = chunks.len().saturating_sub(1);
            WireFrame::Raw(
                chunks
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| (c.to_vec(), i == last))
                    .collect(),
            )
        }
        "long_text" => {
            let unit = args.get(1).map(|u| unescape(u)).transpose()?;
            let unit = unit.filter(|u| !u.is_empty()).unwrap_or_else(|| "x".into());
            let text = unit.repeat(number(args, 0)?);
            WireFrame::Text(
                serde_json::json!({"type":"message","client_id":"long","text":text}).to_string(),
            )
        }
        "nested_array" => {
            let depth = number(args, 0)?;
            WireFrame::Text(format!(
                r#"{{"type":"message","client_id":"n","text":"hi","x":{}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            ))
        }
        "nested_object" => {
            let depth = number(args, 0)?;
            WireFrame::Text(format!(
                r#"{{"type":"typing","x":{}1{}}}"#,
                r#"{"a":"#.repeat(depth),
                "}".repeat(depth)
            ))
        }
        "long_client_id" => WireFrame::Text(
            serde_json::json!({"type":"message","client_id":"c".repeat(number(args, 0)?),"text":"hi"})
                .to_string(),
        ),
        other => return Err(format!("unknown generator `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_frames_have_the_asked_size_and_shape() {
        let case =
            MalformedCase::parse("hello", "gen:oversized_text:70000", "close:1009").expect("valid");
        let WireFrame::Text(text) = &case.frame else {
            panic!("text frame expected");
        };
        assert_eq!(text.len(), 70000);
        assert!(serde_json::from_str::<serde_json::Value>(text).is_ok());
        assert_eq!(case.expect, Expectation::Close(1009));
        let split = parse_frame("gen:fragmented_text:70000:4").expect("valid");
        let WireFrame::Raw(parts) = split else {
            panic!("raw frames expected");
        };
        assert_eq!(parts.len(), 4);
        assert_eq!(parts.iter().map(|p| p.0.len()).sum::<usize>(), 70000);
        assert!(parts.iter().rev().skip(1).all(|p| !p.1) && parts[3].1);
        assert_eq!(split_messages_count("gen:long_text:4001:é"), 1);
    }

    fn split_messages_count(spec: &str) -> usize {
        parse_frame(spec).expect("valid").messages().len()
    }

    #[test]
    fn bad_specs_are_refused() {
        for (phase, frame, expect) in [
            ("later", "text:{}", "error:x"),
            ("fresh", "json:{}", "error:x"),
            ("fresh", "binary:zz", "error:x"),
            ("fresh", "gen:nope:1", "error:x"),
            ("fresh", "text:{}", "close:abc"),
            ("fresh", "text:{}", "maybe"),
        ] {
            assert!(
                MalformedCase::parse(phase, frame, expect).is_err(),
                "{frame} {expect}"
            );
        }
    }
}
