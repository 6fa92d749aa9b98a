//! Renders a chat and encodes it so that only the template writes control
//! tokens.
//!
//! Every message content is untrusted: customer messages, profile and order
//! fields, knowledge-base entries and agent messages all reach the model as
//! content. Were the rendered prompt encoded as one string with special-token
//! matching, a visitor typing `<|im_end|>\n<|im_start|>system\n…` would write
//! a real system turn. So the template is rendered with a placeholder in place
//! of each content; control tokens are recognised in that skeleton only (the
//! template's own text); the contents are spliced back in as plain text, and
//! every piece between two of the template's control tokens is encoded with
//! special-token matching off. A content can spell any control token it
//! likes: it becomes ordinary text tokens, whatever the template family.
//!
//! For benign text the ids equal those of encoding the whole rendering at
//! once, since the tokenizer splits at control tokens before anything else.

use super::chat_template::{ChatMessage, ChatTemplate};
use super::tokenizer::ModelTokenizer;
use super::EngineError;

/// Opens a placeholder: a private-use character no template writes.
const OPEN: char = '\u{E000}';
/// Closes a placeholder.
const CLOSE: char = '\u{E001}';

/// One stretch of a prompt.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    /// A control token the template itself wrote.
    Control(u32),
    /// Text (template text and contents) encoded without special matching.
    Text(String),
}

/// Renders `messages` with `template` and encodes the result; BOS is added
/// when the model wants it and the template did not write it.
pub(crate) fn encode_chat(
    template: &ChatTemplate,
    tokenizer: &ModelTokenizer,
    messages: &[ChatMessage],
    add_generation_prompt: bool,
) -> Result<Vec<u32>, EngineError> {
    let placeholders: Vec<ChatMessage> = messages
        .iter()
        .enumerate()
        .map(|(index, message)| ChatMessage::new(&message.role, placeholder(index)))
        .collect();
    let skeleton = template.render(&placeholders, add_generation_prompt)?;
    let pieces = splice(&skeleton, messages, tokenizer);

    let mut ids = Vec::new();
    if tokenizer.add_bos_token() {
        if let Some(bos) = tokenizer.bos_id() {
            if pieces.first() != Some(&Piece::Control(bos)) {
                ids.push(bos);
            }
        }
    }
    for piece in pieces {
        match piece {
            Piece::Control(id) => ids.push(id),
            Piece::Text(text) if text.is_empty() => {}
            Piece::Text(text) => ids.extend(tokenizer.encode_plain(&text)?),
        }
    }
    Ok(ids)
}

fn placeholder(index: usize) -> String {
    format!("{OPEN}{index}{CLOSE}")
}

/// Walks the skeleton: the template's control tokens become [`Piece::Control`],
/// placeholders become their message's content, the rest is text.
fn splice(skeleton: &str, messages: &[ChatMessage], tokenizer: &ModelTokenizer) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = skeleton;
    'walk: while let Some(c) = rest.chars().next() {
        if c == OPEN {
            if let Some((content, after)) = placeholder_content(rest, messages) {
                text.push_str(content);
                rest = after;
                continue;
            }
        }
        for (special, id) in tokenizer.control_tokens() {
            if let Some(after) = rest.strip_prefix(special.as_str()) {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
                pieces.push(Piece::Control(*id));
                rest = after;
                continue 'walk;
            }
        }
        text.push(c);
        rest = &rest[c.len_utf8()..];
    }
    pieces.push(Piece::Text(text));
    pieces
}

/// The content a placeholder at the start of `rest` stands for, and the text
/// after it.
fn placeholder_content<'m, 'r>(
    rest: &'r str,
    messages: &'m [ChatMessage],
) -> Option<(&'m str, &'r str)> {
    let inner = rest.strip_prefix(OPEN)?;
    let (digits, after) = inner.split_once(CLOSE)?;
    let index: usize = digits.parse().ok()?;
    let message = messages.get(index)?;
    Some((message.content.as_str(), after))
}

#[cfg(test)]
mod tests;
