//! The prompt builder: `prompts/system.j2` rendered with the shop's settings,
//! followed by the conversation history.

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
    policies: String,
}

const SYSTEM_TEMPLATE: &str = "system";

impl PromptBuilder {
    /// Loads `system.j2` and `policies.md` from `prompts_dir`.
    pub fn load(prompts_dir: &Path, shop_name: &str) -> Result<Self, PromptError> {
        let read = |name: &str| {
            let path = prompts_dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| PromptError::Read {
                path: path.display().to_string(),
                source,
            })
        };
        Self::new(&read("system.j2")?, &read("policies.md")?, shop_name)
    }

    /// Builds from template and policy text directly.
    pub fn new(
        system_template: &str,
        policies: &str,
        shop_name: &str,
    ) -> Result<Self, PromptError> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.add_template_owned(SYSTEM_TEMPLATE, system_template.to_owned())?;
        let builder = Self {
            env,
            shop_name: shop_name.to_owned(),
            policies: without_credentials(policies),
        };
        builder.system_prompt("English", &ConsentedContext::none())?;
        Ok(builder)
    }

    /// The system prompt for a reply in `language`, with the consented
    /// customer context (the only way personal data enters a prompt).
    pub fn system_prompt(
        &self,
        language: &str,
        context: &ConsentedContext,
    ) -> Result<String, PromptError> {
        let template = self.env.get_template(SYSTEM_TEMPLATE)?;
        Ok(template
            .render(minijinja::context! {
                shop_name => &self.shop_name,
                policies => &self.policies,
                language => language,
                customer_context => context.prompt_lines(),
            })?
            .trim()
            .to_owned())
    }

    /// The shop policies text (non-personal knowledge the model may quote).
    pub fn policies(&self) -> &str {
        &self.policies
    }

    /// System prompt plus history. Customer messages become `user` turns,
    /// AI and agent messages `assistant` turns; Candor's own notices are left
    /// out (they are not the assistant's words). Consecutive turns of one
    /// role are merged, since chat templates expect alternation.
    pub fn build(
        &self,
        language: &str,
        context: &ConsentedContext,
        history: &[StoredMessage],
    ) -> Result<Vec<ChatMessage>, PromptError> {
        let mut messages = vec![ChatMessage {
            role: "system".into(),
            content: self.system_prompt(language, context)?,
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

/// The policies without any line that holds a credential value (see
/// [`super::credentials`]): policies are not secret (the model may quote
/// them), so credentials must never enter a prompt. A line that only
/// mentions a password is kept. Dropped lines are counted in the log,
/// never shown.
fn without_credentials(policies: &str) -> String {
    let filtered = super::credentials::without_credentials(policies);
    if !filtered.dropped.is_empty() {
        tracing::warn!(
            dropped = filtered.dropped.len(),
            "policy lines that hold credentials were left out of the prompt"
        );
    }
    filtered.text
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
            "Shop {{ shop_name }} in {{ language }}. {{ policies }}",
            "P",
            "Tea",
        )
        .expect("valid");
        let history = [
            msg(1, Sender::Customer, "hi"),
            msg(2, Sender::Customer, "anyone?"),
            msg(3, Sender::System, "busy notice"),
            msg(4, Sender::Ai, "hello"),
        ];
        let messages = builder
            .build("French", &ConsentedContext::none(), &history)
            .expect("built");
        let roles: Vec<_> = messages.iter().map(|m| m.role.as_str()).collect();
        assert_eq!(roles, ["system", "user", "assistant"]);
        assert_eq!(messages[0].content, "Shop Tea in French. P");
        assert_eq!(messages[1].content, "hi\nanyone?");
        assert!(!messages.iter().any(|m| m.content.contains("busy notice")));
    }

    #[test]
    fn credential_values_never_reach_the_system_prompt_but_the_payment_line_does() {
        let policies = "Returns within 30 days.\nStaff wifi password: CANARY-71f3\nAPI key for the courier: CANARY-99\ncourier hook: https://api.example/x?token=CANARY-5e\n- Payment: cards and bank transfer. We never ask for a password or a full card number in chat.\nWe ship to the EU.";
        let builder = PromptBuilder::new("{{ policies }}", policies, "Tea").expect("valid");
        let prompt = builder
            .system_prompt("English", &ConsentedContext::none())
            .expect("prompt");
        assert_eq!(
            prompt,
            "Returns within 30 days.\n- Payment: cards and bank transfer. We never ask for a password or a full card number in chat.\nWe ship to the EU."
        );
        assert!(!prompt.contains("CANARY"));
    }

    #[test]
    fn a_broken_template_is_an_error_at_load() {
        assert!(PromptBuilder::new("{% if %}", "", "Tea").is_err());
    }
}
