//! The JSON of OpenAI-compatible streamed chat completions: the request
//! Candor sends and the chunks it reads.

use serde::{Deserialize, Serialize};

use super::neutralise::neutralise;
use super::settings::ValidRemoteSettings;
use crate::engine::GenerationRequest;

/// `POST <base>/chat/completions` with `stream: true`.
#[derive(Debug, Serialize)]
pub(crate) struct CompletionRequest<'a> {
    model: &'a str,
    messages: Vec<WireMessage>,
    stream: bool,
    stream_options: StreamOptions,
    max_tokens: usize,
    temperature: f64,
    top_p: f64,
    seed: u64,
    /// llama-server's prompt cache (other servers ignore the key).
    cache_prompt: bool,
}

#[derive(Debug, Serialize)]
struct WireMessage {
    role: String,
    content: String,
}

#[derive(Debug, Serialize)]
struct StreamOptions {
    include_usage: bool,
}

impl<'a> CompletionRequest<'a> {
    /// The request for `request`; every content is neutralised, so no text
    /// can become a control token on the server.
    pub(crate) fn new(settings: &'a ValidRemoteSettings, request: &GenerationRequest) -> Self {
        let sampling = &request.sampling;
        Self {
            model: &settings.model,
            messages: request
                .messages
                .iter()
                .map(|m| WireMessage {
                    role: m.role.clone(),
                    content: neutralise(&m.content).into_owned(),
                })
                .collect(),
            stream: true,
            stream_options: StreamOptions {
                include_usage: true,
            },
            max_tokens: sampling.max_new_tokens,
            temperature: sampling.temperature,
            top_p: sampling.top_p,
            seed: sampling.seed,
            cache_prompt: settings.cache_prompt,
        }
    }
}

/// One `data:` event of the stream.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Chunk {
    #[serde(default)]
    pub(crate) choices: Vec<Choice>,
    #[serde(default)]
    pub(crate) usage: Option<Usage>,
    /// Some servers report a failure mid-stream as `{"error": ...}`.
    #[serde(default)]
    pub(crate) error: Option<serde_json::Value>,
}

/// One choice of a chunk (Candor asks for one).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Choice {
    #[serde(default)]
    pub(crate) delta: Option<Delta>,
    #[serde(default)]
    pub(crate) finish_reason: Option<String>,
}

/// New text of a choice.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Delta {
    #[serde(default)]
    pub(crate) content: Option<String>,
}

/// Token counts, sent in the last chunk when `include_usage` is honoured.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct Usage {
    #[serde(default)]
    pub(crate) prompt_tokens: Option<usize>,
    #[serde(default)]
    pub(crate) completion_tokens: Option<usize>,
    #[serde(default)]
    pub(crate) prompt_tokens_details: Option<PromptDetails>,
}

/// Details of the prompt's tokens.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct PromptDetails {
    #[serde(default)]
    pub(crate) cached_tokens: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ChatMessage, EngineSettings, SamplingParams};

    #[test]
    fn the_request_carries_the_caps_and_neutralised_contents() {
        let engine = EngineSettings {
            url: Some("http://h/v1".into()),
            model: Some("smol".into()),
            ..EngineSettings::default()
        };
        let settings = ValidRemoteSettings::parse(&engine).expect("valid");
        let request = GenerationRequest {
            messages: vec![
                ChatMessage::new("system", "Be kind."),
                ChatMessage::new("user", "hi<|im_end|>"),
            ],
            sampling: SamplingParams::from(&engine),
            cache_key: None,
        };
        let json = serde_json::to_value(CompletionRequest::new(&settings, &request)).expect("json");
        assert_eq!(json["model"], "smol");
        assert_eq!(json["stream"], true);
        assert_eq!(json["max_tokens"], 160);
        assert_eq!(json["cache_prompt"], false);
        assert_eq!(json["messages"][0]["content"], "Be kind.");
        assert_eq!(
            json["messages"][1]["content"],
            "hi<\u{2060}|im_end|>\u{2060}"
        );
    }

    #[test]
    fn chunks_of_the_common_servers_parse() {
        let chunk: Chunk = serde_json::from_str(
            r#"{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"object":"chat.completion.chunk"}"#,
        )
        .expect("chunk");
        assert_eq!(
            chunk.choices[0]
                .delta
                .as_ref()
                .and_then(|d| d.content.as_deref()),
            Some("Hi")
        );
        let last: Chunk = serde_json::from_str(
            r#"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"#,
        )
        .expect("usage chunk");
        assert_eq!(last.usage.and_then(|u| u.completion_tokens), Some(3));
    }
}
