//! Renders chat prompts with the model's own Jinja chat template.
//!
//! The template comes from, in order of precedence: an override file (e.g. in
//! `prompts/`), the GGUF's `tokenizer.chat_template`, or a built-in ChatML
//! fallback. It is rendered with minijinja configured like Hugging Face
//! `apply_chat_template`: `trim_blocks`, `lstrip_blocks`, Python string methods
//! (`.strip()`, `.startswith()`, ...) and a `raise_exception` function, with the
//! variables `messages`, `add_generation_prompt`, `bos_token` and `eos_token`.

use std::fmt;

use candle_core::quantized::gguf_file::{Content, Value};
use minijinja::{context, Environment, ErrorKind};

/// GGUF metadata key holding the model's chat template.
pub const GGUF_CHAT_TEMPLATE_KEY: &str = "tokenizer.chat_template";

/// ChatML, used when neither an override nor the GGUF provides a template.
pub const CHATML_TEMPLATE: &str = "{% for message in messages %}\
{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}\
{% endfor %}\
{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const TEMPLATE_NAME: &str = "chat";

/// One chat turn as the template sees it (`message['role']`, `message['content']`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// The turn's text.
    pub content: String,
}

impl ChatMessage {
    /// Builds a message from a role and its text.
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            role: role.into(),
            content: content.into(),
        }
    }
}

/// Where the active template text came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateOrigin {
    /// An override file supplied by the operator.
    Override,
    /// The GGUF's `tokenizer.chat_template`.
    Gguf,
    /// The built-in [`CHATML_TEMPLATE`].
    ChatMlFallback,
}

impl fmt::Display for TemplateOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Override => "override",
            Self::Gguf => "GGUF",
            Self::ChatMlFallback => "built-in ChatML",
        })
    }
}

/// Errors from loading or rendering a chat template.
#[derive(Debug, thiserror::Error)]
pub enum ChatTemplateError {
    /// The override text is empty or only whitespace.
    #[error("the chat template override is empty")]
    EmptyOverride,
    /// `tokenizer.chat_template` exists but is not a string.
    #[error("GGUF metadata key `{GGUF_CHAT_TEMPLATE_KEY}` is not a string")]
    NotAString,
    /// The template has a syntax error.
    #[error("the {origin} chat template does not compile: {source}")]
    Compile {
        /// Which template failed.
        origin: TemplateOrigin,
        /// The minijinja error (with line information).
        source: minijinja::Error,
    },
    /// Rendering failed, including a template calling `raise_exception(...)`.
    #[error("rendering the {origin} chat template failed: {source}")]
    Render {
        /// Which template failed.
        origin: TemplateOrigin,
        /// The minijinja error (with line information).
        source: minijinja::Error,
    },
}

/// A compiled chat template; the minijinja environment is built once, here.
pub struct ChatTemplate {
    env: Environment<'static>,
    origin: TemplateOrigin,
    bos_token: String,
    eos_token: String,
}

impl fmt::Debug for ChatTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatTemplate")
            .field("origin", &self.origin)
            .field("bos_token", &self.bos_token)
            .field("eos_token", &self.eos_token)
            .finish_non_exhaustive()
    }
}

impl ChatTemplate {
    /// Compiles the template. `override_source` (an override file's text) takes
    /// precedence over `gguf_template`; if both are absent (or the GGUF one is
    /// blank) the ChatML fallback is used. Errors on an empty override or a
    /// template that fails to compile.
    pub fn new(
        gguf_template: Option<&str>,
        override_source: Option<&str>,
        bos_token: &str,
        eos_token: &str,
    ) -> Result<Self, ChatTemplateError> {
        let (origin, source) = match (override_source, gguf_template) {
            (Some(src), _) if src.trim().is_empty() => {
                return Err(ChatTemplateError::EmptyOverride)
            }
            (Some(src), _) => (TemplateOrigin::Override, src),
            (None, Some(src)) if !src.trim().is_empty() => (TemplateOrigin::Gguf, src),
            (None, _) => (TemplateOrigin::ChatMlFallback, CHATML_TEMPLATE),
        };
        let mut env = Environment::new();
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.add_function("raise_exception", raise_exception);
        env.add_template_owned(TEMPLATE_NAME, source.to_string())
            .map_err(|source| ChatTemplateError::Compile { origin, source })?;
        Ok(Self {
            env,
            origin,
            bos_token: bos_token.to_string(),
            eos_token: eos_token.to_string(),
        })
    }

    /// Like [`ChatTemplate::new`], reading `tokenizer.chat_template` from GGUF metadata.
    pub fn from_gguf(
        content: &Content,
        override_source: Option<&str>,
        bos_token: &str,
        eos_token: &str,
    ) -> Result<Self, ChatTemplateError> {
        let gguf_template = match content.metadata.get(GGUF_CHAT_TEMPLATE_KEY) {
            None => None,
            Some(Value::String(s)) => Some(s.as_str()),
            // Only an error when the GGUF template would actually be used.
            Some(_) if override_source.is_none() => return Err(ChatTemplateError::NotAString),
            Some(_) => None,
        };
        Self::new(gguf_template, override_source, bos_token, eos_token)
    }

    /// Renders `messages` to a prompt string. With `add_generation_prompt` the
    /// template appends the header that opens the assistant's turn.
    pub fn render(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
    ) -> Result<String, ChatTemplateError> {
        let render_err = |source| ChatTemplateError::Render {
            origin: self.origin,
            source,
        };
        let template = self.env.get_template(TEMPLATE_NAME).map_err(render_err)?;
        template
            .render(context! {
                messages => messages,
                add_generation_prompt => add_generation_prompt,
                bos_token => &self.bos_token,
                eos_token => &self.eos_token,
            })
            .map_err(render_err)
    }

    /// Where the template text came from.
    pub fn origin(&self) -> TemplateOrigin {
        self.origin
    }
}

/// `raise_exception(msg)` as in Hugging Face templates: aborts rendering with `msg`.
fn raise_exception(message: String) -> Result<String, minijinja::Error> {
    Err(minijinja::Error::new(ErrorKind::InvalidOperation, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat() -> Vec<ChatMessage> {
        vec![
            ChatMessage::new("system", "Be brief."),
            ChatMessage::new("user", "Hi"),
        ]
    }

    #[test]
    fn chatml_fallback_when_no_template() {
        for gguf in [None, Some(""), Some("  \n")] {
            let t = ChatTemplate::new(gguf, None, "", "").unwrap();
            assert_eq!(t.origin(), TemplateOrigin::ChatMlFallback);
            let out = t.render(&chat(), true).unwrap();
            let want = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
            assert_eq!(out, want);
            assert_eq!(
                t.render(&chat(), false).unwrap(),
                want.trim_end_matches("<|im_start|>assistant\n")
            );
        }
    }

    #[test]
    fn override_takes_precedence_and_sees_tokens() {
        let t = ChatTemplate::new(
            Some("GGUF"),
            Some("{{ bos_token }}{{ messages[-1].content }}{{ eos_token }}"),
            "<s>",
            "</s>",
        )
        .unwrap();
        assert_eq!(t.origin(), TemplateOrigin::Override);
        assert_eq!(t.render(&chat(), true).unwrap(), "<s>Hi</s>");
    }

    #[test]
    fn trim_blocks_lstrip_blocks_and_pycompat() {
        let src = "{% for m in messages %}\n    {% if m.role == 'user' %}\n[{{ m.content.strip().upper() }}]\n    {% endif %}\n{% endfor %}\n";
        let t = ChatTemplate::new(Some(src), None, "", "").unwrap();
        let msgs = [ChatMessage::new("user", "  hi  ")];
        assert_eq!(t.render(&msgs, false).unwrap(), "[HI]\n");
    }

    #[test]
    fn raise_exception_is_a_render_error() {
        let src = "{% if messages[0].role != 'user' %}{{ raise_exception('roles must alternate') }}{% endif %}ok";
        let t = ChatTemplate::new(Some(src), None, "", "").unwrap();
        let err = t.render(&chat(), true).unwrap_err();
        assert!(matches!(
            err,
            ChatTemplateError::Render {
                origin: TemplateOrigin::Gguf,
                ..
            }
        ));
        assert!(err.to_string().contains("roles must alternate"), "{err}");
        assert_eq!(t.render(&chat()[1..], true).unwrap(), "ok");
    }

    #[test]
    fn bad_templates_are_errors() {
        let err = ChatTemplate::new(None, Some("{% for m in messages %}"), "", "").unwrap_err();
        assert!(matches!(
            err,
            ChatTemplateError::Compile {
                origin: TemplateOrigin::Override,
                ..
            }
        ));
        let err = ChatTemplate::new(Some("{{ oops"), None, "", "").unwrap_err();
        assert!(matches!(
            err,
            ChatTemplateError::Compile {
                origin: TemplateOrigin::Gguf,
                ..
            }
        ));
        assert!(matches!(
            ChatTemplate::new(None, Some(" "), "", ""),
            Err(ChatTemplateError::EmptyOverride)
        ));
    }
}
