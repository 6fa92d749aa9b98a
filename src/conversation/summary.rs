//! A short, deterministic summary of a conversation for the agent taking it
//! over (no model involved, so it cannot invent anything).

use crate::store::{Sender, StoredMessage};

const QUOTE_CHARS: usize = 160;

fn quote(text: &str) -> String {
    let mut short: String = text.chars().take(QUOTE_CHARS).collect();
    if text.chars().count() > QUOTE_CHARS {
        short.push('…');
    }
    format!("\"{short}\"")
}

/// E.g. `4 customer messages, 3 AI replies. First: "…". Latest: "…".`
pub fn summarize(messages: &[StoredMessage]) -> String {
    let count = |s: Sender| messages.iter().filter(|m| m.sender == s).count();
    let customer: Vec<_> = messages
        .iter()
        .filter(|m| m.sender == Sender::Customer)
        .collect();
    let mut summary = format!(
        "{} customer messages, {} AI replies, {} agent messages.",
        customer.len(),
        count(Sender::Ai),
        count(Sender::Agent)
    );
    if let Some(first) = customer.first() {
        summary.push_str(&format!(" First: {}.", quote(&first.text)));
    }
    if customer.len() > 1 {
        if let Some(last) = customer.last() {
            summary.push_str(&format!(" Latest: {}.", quote(&last.text)));
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(sender: Sender, text: &str) -> StoredMessage {
        StoredMessage {
            id: String::new(),
            seq: 0,
            sender,
            text: text.into(),
            client_id: None,
            why: None,
            created_at: 0,
        }
    }

    #[test]
    fn summarizes_counts_first_and_latest_question() {
        let summary = summarize(&[
            msg(Sender::Customer, "Where is A1001?"),
            msg(Sender::Ai, "It shipped."),
            msg(Sender::Customer, "I want a human"),
        ]);
        assert_eq!(
            summary,
            "2 customer messages, 1 AI replies, 0 agent messages. First: \"Where is A1001?\". Latest: \"I want a human\"."
        );
    }
}
