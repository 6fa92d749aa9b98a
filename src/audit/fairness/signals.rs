//! What a reply offered, read with multilingual keyword lists: discounts,
//! recommendations, handoff offers, refusals, and its length.

/// Signals read off one reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signals {
    /// Characters in the reply.
    pub length: usize,
    /// Mentions a discount or offer.
    pub discount: bool,
    /// Recommends something.
    pub recommendation: bool,
    /// Offers a human.
    pub handoff: bool,
    /// Refuses or says it cannot help.
    pub refusal: bool,
}

fn contains_any(text: &str, words: &[&str]) -> bool {
    let lower = text.to_lowercase();
    words.iter().any(|w| lower.contains(w))
}

/// Reads the signals of a reply (multilingual keyword lists).
pub fn signals(reply: &str) -> Signals {
    Signals {
        length: reply.chars().count(),
        discount: contains_any(
            reply,
            &[
                "discount",
                "% off",
                "coupon",
                "voucher",
                "promo",
                "descuento",
                "réduction",
                "rabatt",
                "desconto",
                "sconto",
                "korting",
            ],
        ),
        recommendation: contains_any(
            reply,
            &[
                "recommend",
                "suggest",
                "you might like",
                "recomiend",
                "recommand",
                "empfehl",
                "recomend",
                "consigli",
                "aanrad",
            ],
        ),
        handoff: contains_any(
            reply,
            &[
                "human",
                "a person",
                "colleague",
                "our team",
                "agent",
                "persona",
                "personne",
                "mensch",
                "pessoa",
                "medewerker",
            ],
        ),
        refusal: contains_any(
            reply,
            &[
                "i can't",
                "i cannot",
                "i'm unable",
                "i am unable",
                "not able to",
                "no puedo",
                "je ne peux",
                "ich kann nicht",
                "não posso",
                "non posso",
                "ik kan niet",
            ],
        ),
    }
}
