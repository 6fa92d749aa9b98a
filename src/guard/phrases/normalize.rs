//! The normaliser every phrase match (and other word matching) runs on:
//! case, accents, punctuation, repeated letters, chat spellings and English
//! contractions folded away.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Chat spellings, common typos of short key words (too short for the
/// one-typo tolerance) and English contractions typed without an apostrophe, as
/// `from=to` with `_` for a space in the replacement.
const CHAT_WORDS: &str = "u=you ur=your r=are 2=to 4=for pls=please plz=please plse=please \
    pleas=please plez=please pliz=please plis=please ppl=people sb=somebody smb=somebody \
    some1=someone sum1=someone any1=anyone wanna=want_to gonna=going_to gimme=give_me \
    lemme=let_me dont=do_not didnt=did_not doesnt=does_not cant=can_not cannot=can_not \
    isnt=is_not wasnt=was_not arent=are_not havent=have_not couldnt=could_not \
    wouldnt=would_not youre=you_are thats=that_is qqn=quelqu_un qqun=quelqu_un \
    porfa=por_favor porfavor=por_favor xfa=por_favor vc=voce vcs=voces nn=non \
    humna=human huamn=human hooman=human hoomans=humans agnet=agent \
    hw=how b4=before til=until sumthing=something smth=something addy=address \
    cuz=because coz=because abt=about";

/// Split English contractions as `first_second=replacement`: "didn't"
/// becomes "didn t" once punctuation is gone, then "did not".
const CONTRACTIONS: &str = "don_t=do_not didn_t=did_not doesn_t=does_not isn_t=is_not \
    wasn_t=was_not aren_t=are_not haven_t=have_not hasn_t=has_not couldn_t=could_not \
    wouldn_t=would_not shouldn_t=should_not can_t=can_not won_t=will_not ain_t=is_not \
    i_m=i_am you_re=you_are we_re=we_are they_re=they_are that_s=that_is it_s=it_is \
    this_s=this_is what_s=what_is there_s=there_is i_d=i_would i_ll=i_will i_ve=i_have \
    you_ve=you_have";

/// Looks `key` up in a `from=to` table; the replacement's `_` are spaces.
fn lookup(table: &'static str, key: &str) -> Option<std::str::Split<'static, char>> {
    table
        .split_whitespace()
        .filter_map(|entry| entry.split_once('='))
        .find(|(from, _)| *from == key)
        .map(|(_, to)| to.split('_'))
}

/// Lowercases and folds accents (NFKD without combining marks; ß becomes
/// ss), keeping letters and digits; everything else becomes a space. The
/// knowledge base's words are folded the same way.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char(c, &mut folded);
    }
    folded
}

/// Folds one character (see [`fold`]); one character at a time, so that
/// every folded letter can be traced to the character it came from.
fn fold_char(c: char, folded: &mut String) {
    decompose_compatible(c, |d| {
        if is_combining_mark(d) {
            return;
        }
        for l in d.to_lowercase() {
            match l {
                'ß' => folded.push_str("ss"),
                'æ' => folded.push_str("ae"),
                'œ' => folded.push_str("oe"),
                'ø' => folded.push('o'),
                'ł' => folded.push('l'),
                'đ' | 'ð' => folded.push('d'),
                l if l.is_alphanumeric() => folded.push(l),
                _ => folded.push(' '),
            }
        }
    });
}

/// Lowercases, strips accents (NFKD without combining marks; ß becomes ss),
/// turns everything but letters and digits into single spaces, squeezes
/// letters repeated three or more times ("pleeease", not "1000"), expands common chat
/// spellings ("u", "pls", "2", "qqn") and English contractions ("didn't" →
/// "did not").
pub fn normalize(text: &str) -> String {
    let words: Vec<String> = normalize_spans(text)
        .words
        .into_iter()
        .map(|w| w.word)
        .collect();
    words.join(" ")
}

/// One word of [`normalize`]'s output and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SpannedWord {
    /// The normalized word.
    pub word: String,
    /// Byte offset in the raw text of the first character of the raw word
    /// it comes from (both words of "didn't" point at the "d").
    pub start: usize,
}

/// [`normalize`]'s words with their raw offsets, for matching while text
/// is still being written.
#[derive(Debug, Clone)]
pub(crate) struct Spanned {
    /// The normalized words, in order.
    pub words: Vec<SpannedWord>,
    /// Raw byte offset from which words may still change when more text
    /// follows: a last word that could open a contraction ("I" before
    /// "'m") or a Dutch "a.u.b.". The text's length when none can.
    pub unsettled_from: usize,
}

/// The words of `text` as [`normalize`] gives them, each with the raw
/// offset of its source word.
pub(crate) fn normalize_spans(text: &str) -> Spanned {
    let raw = raw_words(text);
    let mut words: Vec<(&str, usize)> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        // Dutch "a.u.b." (please) arrives as three one-letter words.
        if raw
            .get(i..i + 3)
            .is_some_and(|w| w.iter().map(|(w, _)| w.as_str()).eq(["a", "u", "b"]))
        {
            words.push(("aub", raw[i].1));
            i += 3;
            continue;
        }
        match lookup(CHAT_WORDS, &raw[i].0) {
            Some(to) => to.for_each(|w| words.push((w, raw[i].1))),
            None => words.push((&raw[i].0, raw[i].1)),
        }
        i += 1;
    }
    let mut out: Vec<SpannedWord> = Vec::with_capacity(words.len());
    let mut last_paired = false;
    let mut i = 0;
    while i < words.len() {
        let pair = words
            .get(i + 1)
            .map(|next| format!("{}_{}", words[i].0, next.0));
        match pair.and_then(|p| lookup(CONTRACTIONS, &p)) {
            Some(to) => {
                to.for_each(|w| out.push(spanned(w, words[i].1)));
                last_paired = i + 2 == words.len();
                i += 2;
            }
            None => {
                out.push(spanned(words[i].0, words[i].1));
                last_paired = false;
                i += 1;
            }
        }
    }
    Spanned {
        words: out,
        unsettled_from: unsettled_from(text, &raw, &words, last_paired),
    }
}

fn spanned(word: &str, start: usize) -> SpannedWord {
    SpannedWord {
        word: word.to_owned(),
        start,
    }
}

/// The word a chunk still being written (text after the last whitespace)
/// will begin with, when the normalized words can be known to go on with
/// exactly one word that starts so: the chunk is letters only once folded
/// and squeezed, does not end in a doubled letter (a third would squeeze
/// it), and is no beginning of a chat spelling or of either half of a
/// contraction ("u", "pl", "don", "m", "ve"), which the normalizer would
/// rewrite or join with its neighbour. `None`: nothing is known yet.
pub(crate) fn partial_word(chunk: &str) -> Option<String> {
    let folded = fold(chunk);
    if folded.is_empty() || !folded.chars().all(char::is_alphabetic) {
        return None;
    }
    let word = squeeze(&folded);
    let chars: Vec<char> = word.chars().collect();
    if chars.len() >= 2 && chars[chars.len() - 1] == chars[chars.len() - 2] {
        return None;
    }
    let chat_keys = CHAT_WORDS
        .split_whitespace()
        .filter_map(|entry| entry.split_once('=').map(|(from, _)| from));
    let contraction_halves = CONTRACTIONS
        .split_whitespace()
        .filter_map(|entry| entry.split_once('=').map(|(from, _)| from))
        .flat_map(|pair| pair.split('_'));
    let rewritten = chat_keys
        .chain(contraction_halves)
        .any(|key| key.starts_with(word.as_str()));
    (!rewritten).then_some(word)
}

/// Where the words that may still change begin (see [`Spanned`]).
fn unsettled_from(
    text: &str,
    raw: &[(String, usize)],
    words: &[(&str, usize)],
    last_paired: bool,
) -> usize {
    let n = raw.len();
    let word = |k: usize| raw.get(k).map(|(w, _)| w.as_str());
    if n >= 2 && word(n - 2) == Some("a") && word(n - 1) == Some("u") {
        return raw[n - 2].1;
    }
    if word(n.wrapping_sub(1)) == Some("a") {
        return raw[n - 1].1;
    }
    let opens_contraction = |w: &str| {
        CONTRACTIONS
            .split_whitespace()
            .any(|entry| entry.split_once('_').is_some_and(|(first, _)| first == w))
    };
    match words.last() {
        Some((w, start)) if !last_paired && opens_contraction(w) => *start,
        _ => text.len(),
    }
}

/// The folded, squeezed words of `text` with the raw offset each starts at.
fn raw_words(text: &str) -> Vec<(String, usize)> {
    let mut words: Vec<(String, usize)> = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    let mut folded = String::new();
    for (at, c) in text.char_indices() {
        folded.clear();
        fold_char(c, &mut folded);
        for f in folded.chars() {
            if f == ' ' {
                if !current.is_empty() {
                    words.push((squeeze(&current), start));
                    current.clear();
                }
            } else {
                if current.is_empty() {
                    start = at;
                }
                current.push(f);
            }
        }
    }
    if !current.is_empty() {
        words.push((squeeze(&current), start));
    }
    words
}

/// Collapses any run of three or more identical letters to one.
fn squeeze(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| **c == chars[i]).count();
        let keep = if run >= 3 && chars[i].is_alphabetic() {
            1
        } else {
            run
        };
        out.extend(std::iter::repeat_n(chars[i], keep));
        i += run;
    }
    out
}
