use std::collections::BTreeSet;

use super::*;

const PROTOCOL: &str = include_str!("../../docs/protocol.md");

/// The first-column codes of every table in `docs/protocol.md` whose header
/// is `| code | ...`, and those of the "Error codes" section alone.
fn documented_codes() -> (BTreeSet<String>, BTreeSet<String>) {
    let mut all = BTreeSet::new();
    let mut section = BTreeSet::new();
    let mut in_code_table = false;
    let mut in_section = false;
    for line in PROTOCOL.lines() {
        if line.starts_with("## ") {
            in_section = line.trim() == "## Error codes";
        }
        if !line.starts_with('|') {
            in_code_table = false;
            continue;
        }
        let first = line
            .trim_matches('|')
            .split('|')
            .next()
            .unwrap_or("")
            .trim();
        if first == "code" {
            in_code_table = true;
            continue;
        }
        if !in_code_table {
            continue;
        }
        if let Some(code) = first.strip_prefix('`').and_then(|c| c.strip_suffix('`')) {
            all.insert(code.to_owned());
            if in_section {
                section.insert(code.to_owned());
            }
        }
    }
    (all, section)
}

#[test]
fn codes_are_unique_snake_case() {
    let mut seen = BTreeSet::new();
    for code in ErrorCode::ALL {
        let text = code.as_str();
        assert!(
            !text.is_empty()
                && text.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && !text.starts_with('_')
                && !text.ends_with('_'),
            "{text} is not snake_case"
        );
        assert!(seen.insert(text), "{text} appears twice");
    }
}

#[test]
fn every_code_is_documented_and_every_documented_code_exists() {
    let (documented, section) = documented_codes();
    let codes: BTreeSet<String> = ErrorCode::ALL.iter().map(|c| c.to_string()).collect();
    let undocumented: Vec<_> = codes.difference(&section).collect();
    assert!(
        undocumented.is_empty(),
        "codes missing from the \"Error codes\" table of docs/protocol.md: {undocumented:?}"
    );
    let unknown: Vec<_> = documented.difference(&codes).collect();
    assert!(
        unknown.is_empty(),
        "docs/protocol.md documents codes the ErrorCode enum lacks: {unknown:?}"
    );
}

#[test]
fn codes_serialize_as_their_strings() {
    let json = serde_json::to_string(&ErrorCode::ConversationNotYours).expect("json");
    assert_eq!(json, r#""conversation_not_yours""#);
    assert_eq!(ErrorCode::InternalError, "internal_error");
}

#[test]
fn message_text_refusals_name_the_cap_or_the_emptiness() {
    let too_long = DomainError::TooLong {
        what: "text",
        len: 4001,
        max: 4000,
    };
    assert_eq!(
        Refusal::message_text(&too_long).code,
        ErrorCode::TextTooLong
    );
    assert!(Refusal::message_text(&too_long).message.contains("4000"));
    assert_eq!(
        Refusal::message_text(&DomainError::Empty("text")).code,
        ErrorCode::EmptyText
    );
}
