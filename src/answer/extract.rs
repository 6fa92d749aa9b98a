//! Extractive answers: the shop's own sentences from a knowledge-base entry,
//! chosen by how much of the question they cover.

use crate::guard::phrases::normalize;

/// A retrieved knowledge-base entry, as the planner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// The entry id (cited as `kb:<id>`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its text, as the shop wrote it.
    pub text: String,
    /// Retrieval score in 0..1 (higher is more relevant).
    pub score: f32,
}

/// The most sentences an extractive answer quotes.
const MAX_SENTENCES: usize = 2;

/// Words too common to say what a sentence is about (all locales).
const STOPWORDS: &[&str] = &[
    "the", "and", "for", "you", "your", "our", "are", "can", "how", "what", "when", "where",
    "which", "who", "why", "does", "did", "with", "that", "this", "from", "have", "has", "will",
    "would", "could", "there", "their", "about", "into", "any", "all", "not", "but", "its", "was",
    "were", "been", "is", "do", "to", "of", "in", "on", "at", "or", "if", "it", "my", "me",
    "please", "hello", "hi", "thanks", "thank", "que", "los", "las", "una", "por", "para", "con",
    "como", "cual", "del", "mis", "sus", "les", "des", "une", "est", "pour", "avec", "vous",
    "nous", "quel", "quelle", "quels", "der", "die", "das", "und", "ist", "sie", "ich", "wie",
    "was", "wann", "welche", "mit", "fur", "ein", "eine", "sind", "uma", "como", "qual", "sao",
    "voce", "com", "per", "che", "chi", "come", "quale", "sono", "della", "het", "een", "van",
    "voor", "wat", "hoe", "welke", "zijn", "ik", "je", "jullie", "u", "mijn",
];

/// The content words of `text`, cut to a five-letter stem so that
/// "delivery" and "delivered" meet.
pub fn content_stems(text: &str) -> Vec<String> {
    normalize(text)
        .split_whitespace()
        .filter(|w| w.len() >= 3 && !STOPWORDS.contains(w))
        .map(|w| w.chars().take(5).collect())
        .collect()
}

/// Two stems meet when equal, or when the shorter (of four letters or
/// more) starts the longer ("take" / "takes").
fn stems_meet(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short == long || (short.len() >= 4 && long.starts_with(short))
}

/// Splits shop text into sentences, keeping each sentence's own words
/// (list items and lines count as sentences).
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim().trim_start_matches(['-', '*', '•']).trim();
        if line.is_empty() {
            continue;
        }
        let mut start = 0;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (k, &(i, c)) in chars.iter().enumerate() {
            let next_is_space = chars.get(k + 1).is_some_and(|(_, n)| n.is_whitespace());
            if matches!(c, '.' | '!' | '?') && next_is_space {
                let end = i + c.len_utf8();
                let sentence = line[start..end].trim();
                if !sentence.is_empty() {
                    out.push(sentence.to_owned());
                }
                start = end;
            }
        }
        let rest = line[start..].trim();
        if !rest.is_empty() {
            out.push(rest.to_owned());
        }
    }
    out
}

/// The share of the question's content stems a text covers (0..1).
fn coverage(question: &[String], text: &str) -> f32 {
    if question.is_empty() {
        return 0.0;
    }
    let stems = content_stems(text);
    let covered = question
        .iter()
        .filter(|q| stems.iter().any(|s| stems_meet(q, s)))
        .count();
    covered as f32 / question.len() as f32
}

/// The sentences of `passage` that answer `question`, in the entry's
/// order: its opening sentence (a shop states the main fact of an entry
/// first) and the sentence that covers the question best, if another.
pub fn best_sentences(question: &str, passage: &Passage) -> Vec<String> {
    let all = sentences(&passage.text);
    if all.len() <= 1 {
        return all;
    }
    let stems = content_stems(question);
    let mut best: Option<(usize, f32)> = None;
    for (i, sentence) in all.iter().enumerate() {
        let score = coverage(&stems, sentence);
        if score > best.map_or(0.0, |(_, s)| s) {
            best = Some((i, score));
        }
    }
    let mut chosen = vec![0];
    if let Some((i, _)) = best {
        if i != 0 {
            chosen.push(i);
        }
    }
    chosen
        .into_iter()
        .take(MAX_SENTENCES)
        .map(|i| all[i].clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage(text: &str) -> Passage {
        Passage {
            id: "delivery".into(),
            title: "Delivery times".into(),
            text: text.into(),
            score: 1.0,
        }
    }

    #[test]
    fn the_sentence_that_answers_is_chosen() {
        let p = passage(
            "Standard delivery takes 3-5 business days. Express delivery takes 1-2 business days and costs 9.90 EUR.\nWe deliver Monday to Saturday.",
        );
        assert_eq!(
            best_sentences("How long does express delivery take?", &p),
            [
                "Standard delivery takes 3-5 business days.",
                "Express delivery takes 1-2 business days and costs 9.90 EUR."
            ]
        );
        assert_eq!(
            best_sentences("Do you deliver on saturday?", &p),
            [
                "Standard delivery takes 3-5 business days.",
                "We deliver Monday to Saturday."
            ]
        );
        assert_eq!(
            best_sentences("how long is standard delivery", &p),
            ["Standard delivery takes 3-5 business days."]
        );
    }

    #[test]
    fn sentences_split_on_end_marks_and_lines() {
        assert_eq!(
            sentences("- One 1.5 kg box. Two!\n\n* Three"),
            ["One 1.5 kg box.", "Two!", "Three"]
        );
    }
}
