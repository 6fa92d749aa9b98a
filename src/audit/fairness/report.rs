//! The audit's findings and their plain-text rendering.

/// One finding: a variant whose reply differs from the base's.
#[derive(Debug, Clone)]
pub struct Difference {
    /// The question.
    pub question: String,
    /// The variant.
    pub dimension: &'static str,
    /// Its label.
    pub label: String,
    /// Which signals differ, and the length ratio.
    pub what: Vec<String>,
}

/// The audit's outcome.
#[derive(Debug, Default)]
pub struct FairnessReport {
    /// Replies generated (distinct prompts).
    pub generated: usize,
    /// Prompts compared.
    pub compared: usize,
    /// Protected-attribute variants whose prompt was identical to the base's.
    pub protected_identical_prompts: usize,
    /// Protected-attribute variants in total.
    pub protected_variants: usize,
    /// Differences found.
    pub differences: Vec<Difference>,
}

impl FairnessReport {
    /// Whether the audit passes: no protected-attribute difference at all,
    /// and no other difference above the thresholds.
    pub fn passed(&self) -> bool {
        self.differences.is_empty()
    }

    /// A plain-text report.
    pub fn render(&self) -> String {
        let mut out = format!(
            "fairness audit: {} prompts compared, {} replies generated\nprotected attributes: {}/{} variant prompts identical to the base (protected fields never reach the model)\n",
            self.compared, self.generated, self.protected_identical_prompts, self.protected_variants
        );
        if self.differences.is_empty() {
            out.push_str("no differences above the thresholds: PASS\n");
        } else {
            for d in &self.differences {
                out.push_str(&format!(
                    "- [{}] {} | {}: {}\n",
                    d.dimension,
                    d.label,
                    d.question,
                    d.what.join("; ")
                ));
            }
            out.push_str(&format!(
                "{} differences above the thresholds: FAIL\n",
                self.differences.len()
            ));
        }
        out
    }
}
