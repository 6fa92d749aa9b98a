use super::*;

fn phrases() -> PhraseBook {
    PhraseBook::builtin(Book::Handoff).expect("built-in phrase lists parse")
}

#[test]
fn normalize_folds_case_accents_punctuation_and_chat_spellings() {
    for (raw, want) in [
        ("  Ça NE m'aide PAS !!!", "ca ne m aide pas"),
        (
            "Ich möchte mit Straße—sprechen?",
            "ich mochte mit strasse sprechen",
        ),
        ("¿Atención al cliente…?", "atencion al cliente"),
        (
            "can u get me 2 a HUMAAAN pls",
            "can you get me to a human please",
        ),
        ("That didn’t help, I'm done", "that did not help i am done"),
        ("echte persoon a.u.b.", "echte persoon aub"),
        ("?!", ""),
        ("Orden 1000, pleeease", "orden 1000 please"),
    ] {
        assert_eq!(normalize(raw), want, "{raw:?}");
    }
}

#[test]
fn a_malformed_line_names_the_file_and_line() {
    let source = "# comment\n\nhuman: talk to * human\nhumen: talk to a person\n";
    let err = PhraseList::parse("xx.txt", source).expect_err("unknown kind is rejected");
    assert!(matches!(&err, PhraseError::Syntax { line: 4, .. }));
    assert!(err.to_string().starts_with("xx.txt:4: "), "{err}");
    for bad in [
        "talk to a",
        "human: a? b?",
        "human: a ^",
        "human: l'agent",
        "not: a||b",
    ] {
        assert!(
            PhraseList::parse("yy.txt", bad).is_err(),
            "accepted {bad:?}"
        );
    }
}

#[test]
fn long_words_accept_one_typo_and_short_ones_do_not() {
    assert!(one_edit_apart("operator", "operater") && one_edit_apart("someone", "somone"));
    assert!(one_edit_apart("representative", "represnetative"));
    assert!(!one_edit_apart("person", "person") && !one_edit_apart("support", "suport1x"));
    let p = phrases();
    assert_eq!(
        p.detect(Locale::En, "representitive please"),
        Some(Intent::Human)
    );
    assert_eq!(
        p.detect(Locale::En, "talk to a hmuan"),
        None,
        "five letters: exact only"
    );
}

#[test]
fn load_reads_files_and_falls_back_to_the_built_in_copies() {
    let dir = std::env::temp_dir().join(format!("candor-handoff-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("handoff")).expect("create temp dir");
    std::fs::write(dir.join("handoff/en.txt"), "human: beam me up\n").expect("write en");
    let loaded = PhraseBook::load(&dir, Book::Handoff).expect("loads");
    assert_eq!(
        loaded.detect(Locale::En, "Beam me up!"),
        Some(Intent::Human)
    );
    assert_eq!(loaded.detect(Locale::En, "I want to talk to a human"), None);
    assert_eq!(
        loaded.detect(Locale::De, "Mitarbeiter bitte"),
        Some(Intent::Human)
    );
    std::fs::write(dir.join("handoff/fr.txt"), "humain parler\n").expect("write fr");
    let err = PhraseBook::load(&dir, Book::Handoff).expect_err("bad fr line");
    assert!(err.to_string().contains("fr.txt:1: "), "{err}");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn other_locales_are_a_fallback_and_long_messages_stay_cheap() {
    let p = phrases();
    assert_eq!(
        p.detect(Locale::Fr, "can I talk to a human"),
        Some(Intent::Human)
    );
    assert_eq!(
        p.detect(Locale::En, "quiero hablar con una persona"),
        Some(Intent::Human)
    );
    assert_eq!(p.detect(Locale::En, ""), None);
    // 4,000 characters, the longest message Candor accepts.
    let long = "lorem ipsum dolor sit amet ".repeat(148) + "agent please";
    let started = std::time::Instant::now();
    assert_eq!(
        p.detect(Locale::En, &long),
        None,
        "bare nouns count in short messages only"
    );
    println!(
        "detect on {} chars took {:?}",
        long.len(),
        started.elapsed()
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

type Row<'a> = (&'a str, Option<Intent>, Option<Intent>);

/// Prints and returns the precision and recall of `intent` over `rows`.
fn score<'a>(
    rows: impl Iterator<Item = &'a Row<'a>> + Clone,
    intent: Intent,
    set: &str,
) -> (f64, f64) {
    let count = |f: fn(bool, bool) -> bool| {
        let hits = rows
            .clone()
            .filter(|(_, w, g)| f(*w == Some(intent), *g == Some(intent)));
        hits.count() as f64
    };
    let (tp, predicted, actual) = (count(|w, g| w && g), count(|_, g| g), count(|w, _| w));
    let (precision, recall) = (tp / predicted.max(1.0), tp / actual.max(1.0));
    println!("{set} {intent:?}: precision {precision:.3} ({tp}/{predicted}), recall {recall:.3} ({tp}/{actual})");
    (precision, recall)
}

/// Scores the labelled set. A `# split: NAME` line starts a named subset;
/// `heldout` rows were written after the lists were last frozen.
#[test]
fn labelled_set_precision_and_recall() {
    let p = phrases();
    let (mut split, mut rows, mut per_locale) =
        ("main", Vec::new(), std::collections::BTreeMap::new());
    for line in include_str!("../../../tests/data/handoff_labelled.tsv")
        .lines()
        .skip(1)
    {
        if let Some(name) = line.strip_prefix("# split:") {
            split = name.trim();
        }
        let cols: Vec<&str> = line.splitn(3, '\t').collect();
        let [code, label, text] = cols[..] else {
            continue;
        };
        let locale = Locale::ALL
            .into_iter()
            .find(|l| l.code() == code)
            .expect("known locale");
        let want = match label {
            "human" => Some(Intent::Human),
            "dissatisfied" => Some(Intent::Dissatisfied),
            "none" => None,
            other => panic!("bad label {other:?}"),
        };
        let got = p.detect(locale, text);
        if got != want {
            println!("MISCLASSIFIED [{split}] {code}\twant {want:?}\tgot {got:?}\t{text}");
        }
        *per_locale.entry(code).or_insert(0) += 1;
        rows.push((split, want, got));
    }
    println!("rows: {} {per_locale:?}", rows.len());
    assert!(rows.len() >= 150);
    let mut splits: Vec<&str> = rows.iter().map(|r| r.0).collect();
    splits.dedup();
    for name in splits.into_iter().chain(["all"]) {
        let subset = rows.iter().filter(move |r| name == "all" || r.0 == name);
        score(subset.clone(), Intent::Dissatisfied, name);
        let (precision, recall) = score(subset, Intent::Human, name);
        if name == "all" {
            assert!(recall >= 0.98, "Human recall {recall:.3} < 0.98");
            assert!(precision >= 0.95, "Human precision {precision:.3} < 0.95");
        }
    }
}
