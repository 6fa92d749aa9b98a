//! Where the sentence at the start of the held text ends. The decision
//! depends only on the text up to that point, never on how it arrived in
//! deltas.

use crate::guard::facts::FactSheet;

/// A sentence longer than this many characters is ended at its last
/// space even without an end mark, so the hold-back window stays bounded.
pub(super) const MAX_SENTENCE_CHARS: usize = 240;

/// What the held text says about its first sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SentenceEnd {
    /// The first sentence is the text before this byte offset (its
    /// trailing whitespace included).
    Complete(usize),
    /// An end mark may end the sentence at this offset, but the text after
    /// it has not arrived far enough to tell (a "." before the next word of
    /// "20. November"); nothing after the offset belongs to the sentence yet.
    Undecided(usize),
    /// The sentence goes on.
    Open,
}

/// The end of the first sentence in `text`: an end mark followed by
/// whitespace, a newline, or the last space within the first
/// [`MAX_SENTENCE_CHARS`] + 1 characters of a longer run without one. With
/// a fact sheet, a dot that belongs to a date ("20. November", "Nov. 20")
/// does not end the sentence, so the date is checked whole.
pub(super) fn sentence_end(text: &str, facts: Option<&FactSheet<'_>>) -> SentenceEnd {
    let mut chars = text.char_indices().peekable();
    let mut count = 0;
    while let Some((i, c)) = chars.next() {
        count += 1;
        if c == '\n' {
            return SentenceEnd::Complete(i + 1);
        }
        if matches!(c, '.' | '!' | '?' | '。' | '！' | '？') {
            let Some(&(j, next)) = chars.peek() else {
                return SentenceEnd::Undecided(text.len());
            };
            if next.is_whitespace() {
                let end = j + next.len_utf8();
                let continues = match facts {
                    Some(facts) if c == '.' && next != '\n' => {
                        match facts.dot_continues(&text[..i], &text[end..]) {
                            Some(continues) => continues,
                            None => return SentenceEnd::Undecided(end),
                        }
                    }
                    _ => false,
                };
                if !continues {
                    return SentenceEnd::Complete(end);
                }
            }
        }
        if count > MAX_SENTENCE_CHARS {
            if let Some(space) = text[..i + c.len_utf8()].rfind(' ') {
                return SentenceEnd::Complete(space + 1);
            }
        }
    }
    SentenceEnd::Open
}
