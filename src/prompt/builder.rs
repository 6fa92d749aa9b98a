//! The prompt builder: `prompts/system.j2` rendered with the shop's settings,
//! the knowledge-base entries retrieved for the turn and the consented
//! customer context, followed by the conversation history.

use std::path::Path;

use minijinja::Environment;

use crate::engine::ChatMessage;
use crate::personalization::ConsentedContext;
use crate::store::{Sender, StoredMessage};

/// Why prompts could not be loaded or rendered.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// A prompt file is unreadable.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The system prompt template is invalid.
    #[error("invalid system prompt template: {0}")]
    Template(#[from] minijinja::Error),
}

/// Builds model input from a conversation's history.
#[derive(Debug)]
pub struct PromptBuilder {
    env: Environment<'static>,
    shop_name: String,
}

/// One knowledge-base entry retrieved for the turn, as the prompt shows it.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct ShopFact<'a> {
    /// The entry's title.
    pub title: &'a str,
    /// The entry's text, as the shop wrote it.
    pub text: &'a str,
}

const SYSTEM_TEMPLATE: &str = "system";

impl PromptBuilder {
    /// Loads `system.j2` from `prompts_dir`.
    pub fn load(prompts_dir: &Path, shop_name: &str) -> Result<Self, PromptError> {
        let path = prompts_dir.join("system.j2");
        let template = std::fs::read_to_string(&path).map_err(|source| PromptError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::new(&template, shop_name)
    }

    /// Builds from the template text directly.
    pub fn new(system_template: &str, shop_name: &str) -> Result<Self, PromptError> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.add_template_owned(SYSTEM_TEMPLATE, system_template.to_owned())?;
        let builder = Self {
            env,
            shop_name: shop_name.to_owned(),
        };
        builder.system_prompt("English", &ConsentedContext::none(), &[])?;
        Ok(builder)
    }

    /// The system prompt for a reply in `language`, with the shop's entries
    /// retrieved for this turn and the consented customer context (the only
    /// way personal data enters a prompt).
    pub fn system_prompt(
        &self,
        language: &str,
        context: &ConsentedContext,
        knowledge: &[ShopFact<'_>],
    ) -> Result<String, PromptError> {
        let template = self.env.get_template(SYSTEM_TEMPLATE)?;
        let knowledge: Vec<ShopFact<'_>> = knowledge
            .iter()
            .map(|fact| ShopFact {
                title: fact.title.trim(),
                text: fact.text.trim(),
            })
            .collect();
        Ok(template
            .render(minijinja::context! {
                shop_name => &self.shop_name,
                knowledge => knowledge,
                language => language,
                customer_context => context.prompt_lines(),
            })?
            .trim()
            .to_owned())
    }

    /// System prompt plus history. Customer messages become `user` turns,
    /// AI and agent messages `assistant` turns; Candor's own notices are left
    /// out (they are not the assistant's words). Consecutive turns of one
    /// role are merged, since chat templates expect alternation.
    pub fn build(
        &self,
        language: &str,
        context: &ConsentedContext,
        knowledge: &[ShopFact<'_>],
        history: &[StoredMessage],
    ) -> Result<Vec<ChatMessage>, PromptError> {
        let mut messages = vec![ChatMessage {
            role: "system".into(),
            content: self.system_prompt(language, context, knowledge)?,
        }];
        for message in history {
            let role = match message.sender {
                Sender::Customer => "user",
                Sender::Ai | Sender::Agent => "assistant",
                Sender::System => continue,
            };
            match messages.last_mut() {
                Some(last) if last.role == role => {
                    last.content.push('\n');
                    last.content.push_str(&message.text);
                }
                _ => messages.push(ChatMessage {
                    role: role.into(),
                    content: message.text.clone(),
                }),
            }
        }
        Ok(messages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(seq: i64, sender: Sender, text: &str) -> StoredMessage {
        StoredMessage {
            id: format!("m{seq}"),
            seq,
            sender,
            text: text.into(),
            client_id: None,
            why: None,
            created_at: 0,
        }
    }

    #[test]
    fn history_maps_to_alternating_roles_without_notices() {
        let builder = PromptBuilder::new(
            "Shop {{ shop_name }} in {{ language }}.{% for k in knowledge %} {{ k.title }}: {{ k.text }}{% endfor %}",
            "Tea",
        )
        .expect("valid");
        let history = [
            msg(1, Sender::Customer, "hi"),
            msg(2, Sender::Customer, "anyone?"),
            msg(3, Sender::System, "busy notice"),
            msg(4, Sender::Ai, "hello"),
        ];
        let facts = [ShopFact {
            title: "Returns",
            text: "Within 30 days.\n",
        }];
        let messages = builder
            .build("French", &ConsentedContext::none(), &facts, &history)
            .expect("built");
        let roles: Vec<_> = messages.iter().map(|m| m.role.as_str()).collect();
        assert_eq!(roles, ["system", "user", "assistant"]);
        assert_eq!(
            messages[0].content,
            "Shop Tea in French. Returns: Within 30 days."
        );
        assert_eq!(messages[1].content, "hi\nanyone?");
        assert!(!messages.iter().any(|m| m.content.contains("busy notice")));
    }

    #[test]
    fn a_broken_template_is_an_error_at_load() {
        assert!(PromptBuilder::new("{% if %}", "Tea").is_err());
    }
}
