//! `candor bench retrieval`: knowledge-base retrieval time over a synthetic
//! knowledge base (2,000 entries by default) in a temporary SQLite store,
//! through the same `Knowledge::search` a conversation uses, reported as
//! p50/p95 of each part: the store's freshness check, embedding the
//! question, scoring (BM25 + cosine over every entry, ranking), and the total.

use std::path::PathBuf;
use std::time::Duration;

use rand::{Rng, SeedableRng};

use super::Percentiles;
use crate::domain::Locale;
use crate::knowledge::{
    Embedding, EntrySource, KbEntryId, Knowledge, KnowledgeSettings, NewKbEntry, DIMS, MODEL_ID,
};
use crate::store::Store;

/// Options of `candor bench retrieval`.
#[derive(Debug, clap::Args)]
pub struct RetrievalArgs {
    /// Entries in the synthetic knowledge base.
    #[arg(long, default_value_t = 2000)]
    pub entries: usize,
    /// How often each of the questions is asked.
    #[arg(long, default_value_t = 10)]
    pub rounds: usize,
    /// Embed every entry with the model instead of giving it a random unit
    /// vector (the scoring cost does not depend on the values; embedding
    /// 2,000 entries takes minutes on two cores).
    #[arg(long)]
    pub embed_entries: bool,
    /// Folder with all-MiniLM-L6-v2's model.safetensors and tokenizer.json.
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    pub model_dir: PathBuf,
}

/// Questions a shop's customers ask.
const QUESTIONS: [&str; 12] = [
    "How long does standard delivery take?",
    "What is your return policy?",
    "Can I pay by bank transfer?",
    "When is your support team available?",
    "Do you ship to Canada?",
    "How should I store green tea?",
    "How much is express shipping?",
    "Can I get my money back for an unused teapot?",
    "do u do gift wrapping",
    "Is the matcha organic?",
    "What's the warranty on the kettle?",
    "wheres my ordr",
];

const TOPICS: [&str; 12] = [
    "Shipping",
    "Delivery",
    "Returns",
    "Refunds",
    "Payment",
    "Support hours",
    "Gift wrapping",
    "Storage",
    "Brewing",
    "Origin",
    "Allergens",
    "Subscriptions",
];
const ADJECTIVES: [&str; 10] = [
    "Smoky", "Golden", "Misty", "Roasted", "Wild", "Royal", "Mountain", "Spring", "Dark", "Silver",
];
const NOUNS: [&str; 10] = [
    "sencha", "oolong", "matcha", "assam", "rooibos", "espresso", "cocoa", "teapot", "kettle",
    "caddy",
];

/// What one run measured (milliseconds).
#[derive(Debug, Clone)]
pub struct RetrievalReport {
    /// Entries in the knowledge base.
    pub entries: usize,
    /// Store version check (and rebuild, never after warm-up).
    pub freshness: Percentiles,
    /// Embedding the question.
    pub embedding: Percentiles,
    /// BM25 + cosine over every entry, ranking.
    pub scoring: Percentiles,
    /// Everything.
    pub total: Percentiles,
}

/// Fills a temporary store, then times every question `rounds` times.
pub async fn run_retrieval(args: &RetrievalArgs) -> Result<RetrievalReport, String> {
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average before start: {}", load.trim());
    }
    let dir = tempfile_dir()?;
    let store = Store::connect(&format!("sqlite://{}/bench.db", dir.display()))
        .await
        .map_err(|e| e.to_string())?;
    let settings = KnowledgeSettings {
        model_dir: args.model_dir.clone(),
        ..KnowledgeSettings::default()
    };
    // No kb/ folder: the store holds only the synthetic entries.
    let knowledge = Knowledge::start(store.clone(), &settings, &dir)
        .await
        .map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    fill(&store, &knowledge, args).await?;
    println!(
        "filled {} entries in {:.1} s ({})",
        args.entries,
        started.elapsed().as_secs_f64(),
        if args.embed_entries {
            "embedded"
        } else {
            "random unit vectors"
        }
    );
    for question in QUESTIONS.iter().take(3) {
        knowledge.search(Locale::En, question).await; // warm-up, and the one rebuild
    }
    let mut runs = Vec::with_capacity(args.rounds * QUESTIONS.len());
    for _ in 0..args.rounds {
        for question in QUESTIONS {
            runs.push(knowledge.search(Locale::En, question).await.timings);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let pick = |f: fn(&crate::knowledge::RetrievalTimings) -> Duration| {
        Percentiles::of(runs.iter().map(f))
    };
    let report = RetrievalReport {
        entries: args.entries,
        freshness: pick(|t| t.freshness),
        embedding: pick(|t| t.embedding),
        scoring: pick(|t| t.scoring),
        total: pick(|t| t.total),
    };
    print_report(&report);
    Ok(report)
}

fn print_report(report: &RetrievalReport) {
    let show = |p: &Percentiles| match (p.p50, p.p95) {
        (Some(p50), Some(p95)) => format!("{p50:>8.3} {p95:>8.3}"),
        _ => "n/a".into(),
    };
    println!(
        "retrieval over {} entries, {} questions (ms):",
        report.entries, report.total.n
    );
    println!("  {:<34} {:>8} {:>8}", "part", "p50", "p95");
    println!(
        "  {:<34} {}",
        "(a) question embedding",
        show(&report.embedding)
    );
    println!(
        "  {:<34} {}",
        "(b) scoring (BM25 + cosine, rank)",
        show(&report.scoring)
    );
    println!(
        "  {:<34} {}",
        "    store freshness check",
        show(&report.freshness)
    );
    println!("  {:<34} {}", "(c) total", show(&report.total));
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average after: {}", load.trim());
    }
}

async fn fill(store: &Store, knowledge: &Knowledge, args: &RetrievalArgs) -> Result<(), String> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut entries = Vec::with_capacity(args.entries);
    for i in 0..args.entries {
        let topic = TOPICS[i % TOPICS.len()];
        let product = format!(
            "{} {}",
            ADJECTIVES[rng.random_range(0..ADJECTIVES.len())],
            NOUNS[rng.random_range(0..NOUNS.len())]
        );
        let text = format!(
            "{topic} for {product}: orders ship within {} business days and standard delivery takes {}-{} business days. \
             Unused items can be returned within {} days. Keep the {product} away from light and heat; \
             questions go to support Monday to Friday.",
            rng.random_range(1..4),
            rng.random_range(2..5),
            rng.random_range(5..9),
            rng.random_range(14..61),
        );
        let id = KbEntryId::parse(&format!("bench-{i}")).map_err(|e| e.to_string())?;
        let entry = NewKbEntry::new(
            id,
            &format!("{topic}: {product}"),
            &text,
            Locale::En,
            EntrySource::Api,
        )
        .map_err(|e| e.to_string())?;
        entries.push(entry);
    }
    for chunk in entries.chunks(64) {
        let vectors = if args.embed_entries {
            let texts = chunk.iter().map(NewKbEntry::embedding_input).collect();
            knowledge
                .embed_batch(texts)
                .await
                .map_err(|e| e.to_string())?
        } else {
            chunk
                .iter()
                .map(|_| random_unit(&mut rng))
                .collect::<Result<Vec<_>, _>>()?
        };
        for (entry, vector) in chunk.iter().zip(&vectors) {
            store
                .upsert_kb_entry(entry, vector, MODEL_ID, "bench")
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn random_unit(rng: &mut rand::rngs::StdRng) -> Result<Embedding, String> {
    let values: Vec<f32> = (0..DIMS).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    Embedding::from_vec(values).ok_or_else(|| "degenerate random vector".to_owned())
}

fn tempfile_dir() -> Result<PathBuf, String> {
    let dir =
        std::env::temp_dir().join(format!("candor-bench-kb-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}
