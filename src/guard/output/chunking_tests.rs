//! The same reply through the output guard in every kind of delta: one
//! character, one word, random sizes, the whole reply at once. The stored
//! text must not depend on the deltas, must be what the deltas add up to,
//! and must hold nothing the guard changes: the guard passes its own
//! output unchanged, and the words a corpus entry must never show appear
//! in no delta.

use super::*;
use crate::guard::facts::tests::sheet;
use crate::guard::phrases::Book;

const REMINDER: &str = "I'm an AI assistant, not a person.";

/// One reply of the corpus: its locale, whether it is checked against the
/// test turn's fact sheet, and words that may never be sent.
struct Case {
    locale: Locale,
    facts: bool,
    reply: String,
    never: Vec<&'static str>,
}

fn case(locale: Locale, facts: bool, reply: &str, never: &[&'static str]) -> Case {
    Case {
        locale,
        facts,
        reply: reply.to_owned(),
        never: never.to_vec(),
    }
}

/// Replies from the guard's own tests and the issue, plus every sentence
/// of the labelled claims set (tests/data/claims_labelled.tsv), alone and
/// after an honest opening.
fn corpus() -> Vec<Case> {
    let mut cases = vec![
        case(Locale::En, false, "Hi! I'm a real person named Sarah. How can I help?", &["real person", "Sarah"]),
        case(Locale::En, false, "Returns take 30 days. Only 2 left in stock, buy now! Anything else?", &["Only 2", "buy now"]),
        case(Locale::En, false, "Great choice, only 2 left in stock! Anything else?", &["only 2", "stock"]),
        case(Locale::En, false, "Hello! I am 30 years old and I love tea.", &["years", "love tea"]),
        case(Locale::En, false, "No, I'm not talking to a bot, I'm Anna. Bye.", &["bot", "Anna"]),
        case(Locale::En, false, "Good news: the sale price of this tea ends tonight!", &["ends", "tonight"]),
        case(Locale::En, false, "Your order A1001 is fine.\u{202E} Lucia's is B2001, email lucia@example.com.", &["B2001", "lucia@"]),
        case(Locale::En, false, "Your order shipped. You might also like our matcha set.", &["matcha"]),
        case(Locale::En, false, "No, no. She's not chatting with a computer. Say hi to her from us!", &["computer"]),
        case(Locale::En, false, "I'm an AI assistant. My name is Candor. I am not able to see that.", &[]),
        case(Locale::En, false, "Sure, and by the way I am a real human being, honestly.", &["real human"]),
        case(Locale::En, false, "Good news. Only today, 2 units left, buy it right away!", &["Only", "units", "right away"]),
        case(Locale::En, false, "Call Lucia on +34 600 000 202 or at 600-000-202 today.", &["600 000", "600-000"]),
        case(Locale::En, true, "Your order A1001 has shipped. Returns are accepted within 30 days, or 60 days for members. Anything else?", &["60", "members"]),
        case(Locale::De, true, "Ihre Bestellung wurde am 20. November 2026 versandt. Noch etwas?", &[]),
        case(Locale::De, true, "Ihre Bestellung wurde am 21. November versandt. Noch etwas?", &["21"]),
        case(Locale::En, true, "Your order A1001 has been delivered. It cost 99.00.", &["delivered", "99"]),
        case(Locale::En, true, "I'm a real person named Sarah. Your order was delivered on 2026-11-21.", &["real person", "2026-11-21"]),
        case(Locale::En, true, "Your tracking number is 1Z999AA10999999999. Anything else?", &["1Z999AA10999999999"]),
        case(Locale::En, true, "Standard delivery takes 3-5 business days, express costs €12,90 and you can call +34 600 000 101. It costs €15,00 tomorrow.", &["15,00"]),
        case(Locale::En, true, "Refunds are issued within 5 business days, usually 2 business days, by bank transfer.", &["2 business"]),
        case(Locale::En, true, "Your order A1001 is on hold. Write to help@candor.shop or see https://candor.shop/returns for details.", &["on hold"]),
    ];
    let labelled = include_str!("../../../tests/data/claims_labelled.tsv");
    for line in labelled.lines().skip(1).filter(|l| !l.starts_with('#')) {
        let mut cols = line.splitn(3, '\t');
        let (Some(code), Some(_label), Some(text)) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        let Some(locale) = Locale::ALL.into_iter().find(|l| l.code() == code) else {
            continue;
        };
        cases.push(case(locale, false, text, &[]));
        cases.push(case(
            locale,
            false,
            &format!("Thanks for asking, {text} Bye."),
            &[],
        ));
    }
    cases
}

/// A small deterministic generator of delta sizes (xorshift).
struct Sizes(u64);

impl Sizes {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 9) as usize + 1
    }
}

/// The ways to cut `reply` into deltas.
fn chunkings(reply: &str, seed: u64) -> Vec<Vec<String>> {
    let chars: Vec<char> = reply.chars().collect();
    let by_char = chars.iter().map(|c| c.to_string()).collect();
    let mut words = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if i == 0 || c.is_whitespace() {
            words.push(String::new());
        }
        if let Some(last) = words.last_mut() {
            last.push(*c);
        }
    }
    let mut random = Vec::new();
    let mut sizes = Sizes(seed | 1);
    let mut rest = &chars[..];
    while !rest.is_empty() {
        let (head, tail) = rest.split_at(sizes.next().min(rest.len()));
        random.push(head.iter().collect());
        rest = tail;
    }
    vec![by_char, words, random, vec![reply.to_owned()]]
}

fn guard<'a>(book: &'a PhraseBook, case: &Case) -> OutputGuard<'a> {
    let allowed = AllowedIdentifiers::from_texts([
        "Order A1001: status shipped, tracking number 1Z999AA10123456784",
    ]);
    let guard = OutputGuard::new(book, case.locale, REMINDER, allowed);
    if case.facts {
        guard.with_facts(sheet(case.locale))
    } else {
        guard
    }
}

/// The deltas the guard sends for `deltas`, and the text it stores.
fn stream(book: &PhraseBook, case: &Case, deltas: &[String]) -> (Vec<String>, String) {
    let mut guard = guard(book, case);
    let mut sent: Vec<String> = deltas.iter().filter_map(|d| guard.push(d)).collect();
    sent.extend(guard.finish());
    (sent, guard.text().to_owned())
}

#[test]
fn the_stored_reply_does_not_depend_on_the_deltas_and_holds_nothing_the_guard_changes() {
    let book = PhraseBook::builtin(Book::Output).expect("rules");
    let corpus = corpus();
    assert!(corpus.len() > 400, "the labelled claims are in the corpus");
    let mut cut = 0;
    for (n, case) in corpus.iter().enumerate() {
        let mut texts = Vec::new();
        for deltas in chunkings(&case.reply, n as u64 + 7) {
            let (sent, text) = stream(&book, case, &deltas);
            assert_eq!(sent.concat(), text, "stored = sent, {:?}", case.reply);
            for delta in &sent {
                for word in &case.never {
                    assert!(
                        !delta.contains(word),
                        "{word:?} sent in {delta:?} of {:?}",
                        case.reply
                    );
                }
            }
            texts.push(text);
        }
        let first = &texts[0];
        assert!(
            texts.iter().all(|t| t == first),
            "{:?} gave {texts:?}",
            case.reply
        );
        cut += usize::from(first.contains(CUT_MARK));
        let (_, again) = stream(&book, case, std::slice::from_ref(first));
        assert_eq!(
            &again, first,
            "the guard changes its own output of {:?}",
            case.reply
        );
    }
    println!("{} replies, {cut} with a cut sentence", corpus.len());
}

/// What the customer sees when a sentence must change after its
/// beginning was sent, and that a sentence held from its first word
/// disappears whole as before.
#[test]
fn a_sentence_whose_beginning_was_sent_is_cut_and_marked() {
    let book = PhraseBook::builtin(Book::Output).expect("rules");
    for (reply, want) in [
        (
            "Great choice, only 2 left in stock! Anything else?",
            "Great choice,\u{2026} Anything else?",
        ),
        (
            "Hello! I am 30 years old. Bye.",
            "Hello! I'm an AI assistant, not a person. Bye.",
        ),
        (
            "Hello! I am almost 30 years old. Bye.",
            "Hello! I am almost 30\u{2026} I'm an AI assistant, not a person. Bye.",
        ),
        (
            "The sale price of this tea ends tonight, so hurry. Bye.",
            "The sale price of this tea\u{2026} Bye.",
        ),
        (
            "Sure, and by the way I am a real human being. Bye.",
            "Sure, and by the way\u{2026} I'm an AI assistant, not a person. Bye.",
        ),
        (
            "I am a real human being. Bye.",
            "I'm an AI assistant, not a person. Bye.",
        ),
    ] {
        let case = case(Locale::En, false, reply, &[]);
        let (_, text) = stream(&book, &case, &chunkings(reply, 1)[0]);
        assert_eq!(text, want);
    }
    let reply = "Your order A1001 has shipped. Returns are accepted within 30 days, or 60 days for members. Anything else?";
    let case = case(Locale::En, true, reply, &[]);
    let (_, text) = stream(&book, &case, &[reply.to_owned()]);
    assert_eq!(
        text,
        "Your order A1001 has shipped. Returns are accepted within 30 days, or\u{2026} Anything else?"
    );
}

/// The point of streaming: a reply's first words go out before its first
/// sentence is complete, values once they are complete and backed.
#[test]
fn words_are_sent_before_their_sentence_ends() {
    let book = PhraseBook::builtin(Book::Output).expect("rules");
    let case = case(Locale::En, true, "", &[]);
    let mut guard = guard(&book, &case);
    assert_eq!(
        guard.push("Your"),
        None,
        "a word is held while it is written"
    );
    assert_eq!(guard.push(" order").as_deref(), Some("Your"));
    assert_eq!(guard.push(" A1001"), None);
    assert_eq!(
        guard.push(" has").as_deref(),
        Some(" order"),
        "A1001 until a word ends it"
    );
    assert_eq!(guard.push(" shipped").as_deref(), Some(" A1001 has"));
    assert_eq!(
        guard.push(" and"),
        None,
        "a status waits for a word that ends it"
    );
    assert_eq!(
        guard.push(" arrives"),
        None,
        "\"and\" could join it to more"
    );
    assert_eq!(
        guard.push(" soon.").as_deref(),
        Some(" shipped and arrives")
    );
    assert_eq!(guard.finish().as_deref(), Some(" soon."));
    assert_eq!(
        guard.text(),
        "Your order A1001 has shipped and arrives soon."
    );
}

/// Streams `deltas` through the guard (English, with the test fact sheet)
/// and asserts that the first text goes out on delta `shown_at` and is
/// `first`.
fn assert_first_shown(book: &PhraseBook, deltas: &[&str], shown_at: usize, first: &str) {
    let case = case(Locale::En, true, "", &[]);
    let mut guard = guard(book, &case);
    let sent: Vec<Option<String>> = deltas.iter().map(|d| guard.push(d)).collect();
    let at = sent.iter().position(Option::is_some);
    assert_eq!(at, Some(shown_at), "{deltas:?}: {sent:?}");
    assert_eq!(sent[shown_at].as_deref(), Some(first), "{deltas:?}");
}

/// A rule with a `*` gap holds from its words after the gap, so a common
/// opening is sent as soon as the rules without gaps rule it out: "I'm
/// sorry" is no longer held for `i am * years old`, nor "No, I'm" for the
/// Spanish `no * hablando ... bot` or "So" for the Portuguese `so * unidades`.
/// (Deltas of whole words with their whitespace: the word after is known.)
#[test]
fn openings_are_not_held_for_the_words_a_gap_could_skip() {
    let book = PhraseBook::builtin(Book::Output).expect("rules");
    for (deltas, shown_at, first) in [
        (
            &["I'm ", "sorry ", "to ", "hear ", "that."][..],
            1,
            "I'm sorry",
        ),
        (&["No, ", "I'm ", "sorry ", "for ", "that."][..], 1, "No,"),
        (
            &["So ", "the ", "best ", "tea ", "is ", "green."][..],
            1,
            "So the",
        ),
    ] {
        assert_first_shown(&book, deltas, shown_at, first);
    }
}

/// The model's tokens arrive as " sorry", not "sorry ": a word is sent as
/// soon as the next one, still being written, rules out every rule it
/// could start ("I'm" once " sorry" arrives: no rule reads "i am sorr...").
/// The word being written stays held, and a beginning that the normalizer
/// may still rewrite ("I" before "'m", "u", "don", "the" of "there's")
/// tells nothing.
#[test]
fn a_word_goes_out_when_the_next_one_rules_it_out_while_being_written() {
    let book = PhraseBook::builtin(Book::Output).expect("rules");
    for (deltas, shown_at, first) in [
        (&["I", "'m", " sorry", ",", " but"][..], 2, "I'm"),
        (&["No", ",", " I", "'m", " sorry", " for"][..], 4, "No, I'm"),
        // "the" could still be "there's": held until "best".
        (&["I'm", " the", " best", " tea"][..], 2, "I'm the"),
        // A short word may join a value still being written ("so 2" of
        // "so 2-3 days"): held until the next word is finished.
        (&["So", " green", " tea", " is"][..], 2, "So green"),
        (&["Thank", " you", " for", " asking"][..], 1, "Thank"),
        // "I am a" could still be "I am a real person", and its short
        // words join a value: held until "big" is finished.
        (&["I", " am", " a", " big", " fan"][..], 4, "I am a big"),
    ] {
        assert_first_shown(&book, deltas, shown_at, first);
    }
}

/// The first five: replies the default model gave in `candor bench load`
/// runs (N = 8, `candor serve` defaults), as stored; the last three written
/// for this test in the style of the bench's shipping and returns scripts.
const BENCH_REPLIES: [&str; 8] = [
    "No, I'm sorry for any misunderstanding. You can't recommend a green tea for a beginner.",
    "No, no. You cannot recommend a chocolate to go with black tea.\nYou can suggest that you buy a chocolate cake or coffee if you want to avoid the risk of having a bad experience.",
    "I'm sorry, but as a language model, I don't have the ability to recommend tea. I'd be happy to help you find one that suits your taste preferences and dietary needs.",
    "No, no. You can't recommend a teapot for a small kitchen. It's not possible to suggest something that is too large or expensive.",
    "No, I'm sorry for any misunderstanding. Can you please tell me what kind of tea you're looking for?",
    "Hello! How can I help you today? Our green teas ship within 3-5 business days.",
    "Sure! Standard delivery takes 3-5 business days, and express delivery costs €12,90.",
    "Thank you for your question. Returns are accepted within 30 days of delivery.",
];

/// How many words of a reply the model has written when its first text is
/// shown, word by word: never later than when its first sentence is
/// complete (what a sentence-at-a-time guard waits for), and on these
/// replies much earlier. The numbers are printed for the README.
#[test]
fn the_first_words_are_shown_no_later_than_the_first_sentence() {
    let book = PhraseBook::builtin(Book::Output).expect("rules");
    let mut rows = Vec::new();
    for reply in BENCH_REPLIES {
        let case = case(Locale::En, true, reply, &[]);
        let words = &chunkings(reply, 1)[1];
        let mut guard = guard(&book, &case);
        let shown = words
            .iter()
            .position(|w| guard.push(w).is_some())
            .map_or(words.len(), |i| i + 1);
        // A sentence-at-a-time guard sends the first sentence once the
        // whitespace after its end mark arrives (or at the end).
        let mut text = String::new();
        let sentence = words
            .iter()
            .position(|w| {
                let ended = text.ends_with(['.', '!', '?']) && w.starts_with(char::is_whitespace);
                text.push_str(w);
                ended || text.contains('\n')
            })
            .map_or(words.len(), |i| i + 1);
        assert!(shown <= sentence, "{reply:?}: {shown} > {sentence}");
        rows.push((shown, sentence));
    }
    let median = |mut v: Vec<usize>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    let shown = median(rows.iter().map(|r| r.0).collect());
    let sentence = median(rows.iter().map(|r| r.1).collect());
    println!("words written when the first text is shown: median {shown} (first sentence complete: median {sentence}); per reply {rows:?}");
    assert!(shown < sentence, "the guard streams before sentences end");
}
