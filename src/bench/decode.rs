//! The default `candor bench`: model load time, prompt (prefill) and decode
//! speed on a ~400-token customer-service prompt. Numbers, not assertions: see
//! the README's Benchmarks section for how to run it on a quiet machine.

use std::path::PathBuf;
use std::time::Instant;

use crate::engine::local_bench::LoadedModelHandle;
use crate::engine::{
    ChatMessage, DecodeKernel, EngineError, GenerationRequest, Implementation, SamplingParams,
    WeightFormat,
};

/// Options of `candor bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// GGUF file to measure.
    #[arg(long, default_value = "models/SmolLM2-135M-Instruct.Q4_1.gguf")]
    pub model: PathBuf,
    /// Tokens to generate per run (greedy; a run may stop earlier at end of turn).
    #[arg(long, default_value_t = 128)]
    pub max_new_tokens: usize,
    /// Timed runs (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Weight format in memory: as-stored (the server's default), q8_0
    /// (converted at load), or f32.
    #[arg(long, value_enum, default_value = "as-stored")]
    pub weights: BenchWeights,
    /// Forward pass: Candor's own (llama family) or candle-transformers'.
    #[arg(long, value_enum, default_value = "own")]
    pub implementation: BenchImplementation,
    /// Decode kernel: Candor's own (Q4_0/Q4_1/Q8_0 weights; the server's
    /// default) or candle's.
    #[arg(long, value_enum, default_value = "own")]
    pub decode_kernel: BenchDecodeKernel,
    /// Generate exactly `--max-new-tokens` tokens, past the end of turn
    /// (as llama-bench's tg128 does), so that variants whose greedy
    /// replies end at different lengths compare like with like.
    #[arg(long)]
    pub ignore_end_of_turn: bool,
    /// Print the workload's messages as JSON (for running the same prompt
    /// elsewhere, e.g. llama-server) and exit.
    #[arg(long)]
    pub print_workload: bool,
}

/// `--implementation` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum BenchImplementation {
    /// Candor's batched forward pass.
    Own,
    /// candle-transformers' model.
    Upstream,
}

/// `--decode-kernel` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum BenchDecodeKernel {
    /// Candor's own quantized kernels.
    Own,
    /// candle's quantized matrix product.
    Candle,
}

/// `--weights` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum BenchWeights {
    /// 4/5-bit weights converted to Q8_0 at load.
    #[value(name = "q8_0")]
    Q80,
    /// As stored in the GGUF.
    AsStored,
    /// Every matrix expanded to f32.
    F32,
}

/// A conversation whose rendered prompt is about 400 tokens with the default model
/// (the run prints the exact count).
fn workload() -> Vec<ChatMessage> {
    let system = "You are Candor, the customer-service assistant of Candor Demo Shop. You are an AI language model, not a human: never claim to be a person. Answer in English. Keep answers short, friendly and factual. Only state facts that appear below. If you do not know something, say so and offer to connect the customer with a human colleague. Never pressure the customer.\n\nShop policies:\n- Shipping: orders ship within 2 business days; standard delivery takes 3-5 business days.\n- Returns: unused items can be returned within 30 days for a full refund.\n- Support hours: Monday to Friday, 9:00-17:00. Outside those hours a human replies the next business day.\n- Payment: cards and bank transfer. We never ask for a password or a full card number in chat.\n\nCustomer context (support purpose): order A1001, status shipped, tracking 1Z999AA10123456784, items: Sencha green tea 100g x2, Cast iron teapot x1, total 64.50, placed 2026-11-20. Order A1002, status processing, items: Earl Grey 250g x1, total 12.90, placed 2026-11-27.";
    let turns = [
        ("user", "Hi! I ordered a teapot and some green tea last week. Has it shipped yet? I need it before my sister visits on the weekend."),
        ("assistant", "Hello! Your order A1001 with the cast iron teapot and two packs of Sencha green tea has shipped. The tracking number is 1Z999AA10123456784. Standard delivery takes 3-5 business days."),
        ("user", "Okay. Can you summarise my two orders in a short list?"),
    ];
    let mut messages = vec![ChatMessage {
        role: "system".into(),
        content: system.into(),
    }];
    messages.extend(turns.iter().map(|(role, content)| ChatMessage {
        role: (*role).into(),
        content: (*content).into(),
    }));
    messages
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Runs the benchmark and prints a small report.
pub fn run(args: &BenchArgs) -> Result<(), EngineError> {
    if args.print_workload {
        let messages: Vec<serde_json::Value> = workload()
            .iter()
            .map(|m| serde_json::json!({"role": m.role, "content": m.content}))
            .collect();
        println!("{}", serde_json::Value::Array(messages));
        return Ok(());
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average before start: {}", load.trim());
    }
    let started = Instant::now();
    let format = match args.weights {
        BenchWeights::Q80 => WeightFormat::Q8_0,
        BenchWeights::AsStored => WeightFormat::AsStored,
        BenchWeights::F32 => WeightFormat::F32,
    };
    let implementation = match args.implementation {
        BenchImplementation::Own => Implementation::Own,
        BenchImplementation::Upstream => Implementation::Upstream,
    };
    let kernel = match args.decode_kernel {
        BenchDecodeKernel::Own => DecodeKernel::Own,
        BenchDecodeKernel::Candle => DecodeKernel::Candle,
    };
    let mut model =
        LoadedModelHandle::load_with_kernel(&args.model, format, implementation, kernel)?;
    let load_secs = started.elapsed().as_secs_f64();
    if args.ignore_end_of_turn {
        model.ignore_end_of_turn();
    }
    let request = GenerationRequest {
        messages: workload(),
        sampling: SamplingParams {
            max_new_tokens: args.max_new_tokens,
            temperature: 0.0,
            top_p: 1.0,
            repeat_penalty: 1.0,
            repeat_last_n: 0,
            seed: 0,
            max_generation_secs: 600,
        },
        cache_key: None,
    };
    println!("model: {}", model.description());
    println!("load: {load_secs:.2} s");
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(rss) = status.lines().find(|l| l.starts_with("VmRSS")) {
            println!(
                "after load: {}",
                rss.split_whitespace().skip(1).collect::<Vec<_>>().join(" ")
            );
        }
    }
    let (mut prefill, mut decode) = (Vec::new(), Vec::new());
    for run in 0..args.runs.max(1) {
        let stats = model.generate(&request)?;
        let prefill_rate = stats.prompt_tokens as f64 / stats.prefill_secs;
        let decode_rate = stats.generated_tokens as f64 / stats.decode_secs;
        println!(
            "run {}: prompt {} tokens at {prefill_rate:.1} tok/s, generated {} tokens at {decode_rate:.1} tok/s",
            run + 1,
            stats.prompt_tokens,
            stats.generated_tokens
        );
        prefill.push(prefill_rate);
        decode.push(decode_rate);
    }
    println!(
        "median: prefill {:.1} tok/s, decode {:.1} tok/s ({} runs)",
        median(&mut prefill),
        median(&mut decode),
        prefill.len()
    );
    Ok(())
}
