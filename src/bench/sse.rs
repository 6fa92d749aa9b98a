//! Reading an OpenAI-style streaming chat completion: server-sent events
//! split out of arbitrary byte chunks, and the fields of each chunk that
//! the load generator needs.

use serde_json::Value;

/// Collects bytes and hands out the payload of every complete `data:` line.
#[derive(Debug, Default)]
pub(crate) struct SseLines {
    pending: Vec<u8>,
}

impl SseLines {
    /// Adds `bytes` and returns the `data:` payloads completed by them.
    /// Other fields (`event:`, `id:`, comments) and blank lines are skipped.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(bytes);
        let mut payloads = Vec::new();
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if let Some(data) = line.strip_prefix("data:") {
                payloads.push(data.strip_prefix(' ').unwrap_or(data).to_owned());
            }
        }
        payloads
    }
}

/// What one streamed chunk says.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct ChatChunk {
    /// New reply text (`choices[0].delta.content`).
    pub content: Option<String>,
    /// Generated tokens: `usage.completion_tokens`, else llama-server's
    /// `timings.predicted_n`.
    pub completion_tokens: Option<usize>,
    /// The `[DONE]` marker.
    pub done: bool,
    /// An `error` object's message.
    pub error: Option<String>,
}

/// Reads one `data:` payload.
pub(crate) fn parse_chunk(data: &str) -> Result<ChatChunk, String> {
    let data = data.trim();
    if data == "[DONE]" {
        return Ok(ChatChunk {
            done: true,
            ..ChatChunk::default()
        });
    }
    let value: Value = serde_json::from_str(data)
        .map_err(|_| "the server streamed a chunk that is not JSON".to_owned())?;
    let error = value.get("error").map(|e| {
        e["message"]
            .as_str()
            .map_or_else(|| e.to_string(), str::to_owned)
    });
    let count = |v: &Value| v.as_u64().and_then(|n| usize::try_from(n).ok());
    Ok(ChatChunk {
        content: value["choices"][0]["delta"]["content"]
            .as_str()
            .map(str::to_owned),
        completion_tokens: count(&value["usage"]["completion_tokens"])
            .or_else(|| count(&value["timings"]["predicted_n"])),
        done: false,
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_survive_arbitrary_chunking() {
        let stream = "data: {\"a\":1}\r\n\r\n: comment\nevent: x\ndata:[DONE]\n\n";
        for split in 0..stream.len() {
            let mut lines = SseLines::default();
            let mut got = lines.push(&stream.as_bytes()[..split]);
            got.extend(lines.push(&stream.as_bytes()[split..]));
            assert_eq!(got, ["{\"a\":1}", "[DONE]"], "split at {split}");
        }
    }

    #[test]
    fn multibyte_text_split_across_chunks_is_kept() {
        let bytes = "data: {\"t\":\"thé\"}\n".as_bytes();
        let mut lines = SseLines::default();
        let mut got = lines.push(&bytes[..15]);
        got.extend(lines.push(&bytes[15..]));
        assert_eq!(got, ["{\"t\":\"thé\"}"]);
    }

    #[test]
    fn chunks_give_text_counts_and_errors() {
        let text = parse_chunk(r#"{"choices":[{"delta":{"content":"Hi"}}]}"#).expect("chunk");
        assert_eq!(text.content.as_deref(), Some("Hi"));
        let usage =
            parse_chunk(r#"{"choices":[],"usage":{"completion_tokens":12}}"#).expect("chunk");
        assert_eq!(usage.completion_tokens, Some(12));
        let timings = parse_chunk(
            r#"{"choices":[{"delta":{},"finish_reason":"stop"}],"timings":{"predicted_n":9}}"#,
        )
        .expect("chunk");
        assert_eq!(
            (timings.content, timings.completion_tokens),
            (None, Some(9))
        );
        assert!(parse_chunk("[DONE]").expect("done").done);
        let error = parse_chunk(r#"{"error":{"message":"context full"}}"#).expect("chunk");
        assert_eq!(error.error.as_deref(), Some("context full"));
        assert!(parse_chunk("nope").is_err());
    }
}
