//! Credential values in shop-provided text (policies, knowledge-base
//! entries): lines that *hold* a secret are found so they never reach a
//! prompt or a reply. A line that merely talks about a password ("We never
//! ask for a password or a full card number in chat.") is not a credential.
//!
//! A line holds a credential when it has
//! - a secret with a recognisable shape anywhere (`sk-...`, `sk_live_...`,
//!   `AKIA...`, `ghp_...`, `xoxb-...`, a JWT, `Bearer <token>`, a PEM private
//!   key header, a URL with a password in it);
//! - an assignment `token=...`, `password=...`, `api_key=...`, `secret=...`;
//! - a credential word (password, API key, token, secret, PIN, contraseña,
//!   mot de passe, Passwort, senha, wachtwoord, ...) followed within a few
//!   words by `:`, `=` or "is/es/est/ist/è/é" and a value that looks like a
//!   secret: one with a digit, a symbol or mixed case inside, a quoted
//!   value, or a single word ending the line ("Wifi password: teatime").

use std::sync::OnceLock;

use regex::Regex;

struct Rules {
    shaped: Regex,
    assignment: Regex,
    labelled: Regex,
}

fn rules() -> Option<&'static Rules> {
    static RULES: OnceLock<Option<Rules>> = OnceLock::new();
    RULES
        .get_or_init(|| {
            let shaped = Regex::new(concat!(
                r"\bsk-[A-Za-z0-9_-]{8,}|\b[spr]k_(?:live|test)_[A-Za-z0-9]{8,}",
                r"|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}|\bxox[abposr]-[A-Za-z0-9-]{10,}",
                r"|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.|\bAIza[0-9A-Za-z_-]{30,}",
                r"|-----BEGIN [A-Z ]*PRIVATE KEY-----|(?i:\bbearer\s+[A-Za-z0-9._~+/-]{12,})",
                r"|\b[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s/@]+@",
            ))
            .ok()?;
            let assignment = Regex::new(
                r"(?i)\b(?:password|passwd|pwd|pass|token|access_token|auth_token|api[_-]?key|secret|client_secret|private_key)\s*=\s*\S",
            )
            .ok()?;
            let labelled = Regex::new(concat!(
                r"(?i)\b(?:passwords?|passwd|passcode|passphrase|pin(?: code)?|api[ _-]?keys?|secret(?: key)?",
                r"|(?:access |auth |api )?tokens?|credentials?|private key|login details",
                r"|contraseñas?|claves?|mots? de passe|mdp|code secret|passw[oö]rt|kennwort|zugangsdaten",
                r"|senhas?|palavra-passe|chave|wachtwoord|parola d'ordine)\b",
                r"[^.:=\n]{0,40}?(?:\s*[:=]|\s(?:is|was|are|es|est|ist|è|é|era)\b\s*:?)",
                r#"\s*(["'`]?)([^\s"'`]+)(["'`]?)(.*)$"#,
            ))
            .ok()?;
            Some(Rules {
                shaped,
                assignment,
                labelled,
            })
        })
        .as_ref()
}

/// Whether `line` holds a credential value (see the module docs).
pub fn is_credential_line(line: &str) -> bool {
    let Some(rules) = rules() else {
        // The patterns are constants; if they ever failed to compile, keep
        // nothing rather than leak.
        return true;
    };
    if rules.shaped.is_match(line) || rules.assignment.is_match(line) {
        return true;
    }
    rules.labelled.captures_iter(line).any(|c| {
        let quoted = c.get(1).is_some_and(|m| !m.as_str().is_empty());
        let value = c.get(2).map_or("", |m| m.as_str());
        let rest = c.get(4).map_or("", |m| m.as_str());
        quoted || looks_secret(value, rest)
    })
}

/// A value after a credential label: a secret when it has a digit, a
/// symbol or inner capitals, or when it is the line's last word.
fn looks_secret(value: &str, rest: &str) -> bool {
    let value = value.trim_end_matches(['.', ',', ';', ')', '!', '?']);
    if value.chars().count() < 3 {
        return false;
    }
    let digit = value.chars().any(|c| c.is_ascii_digit());
    let symbol = value.chars().any(|c| "-_!@#$%^&*+=/\\~|".contains(c));
    let inner_capital =
        value.chars().skip(1).any(char::is_uppercase) && value.chars().any(char::is_lowercase);
    let last_word = rest.trim().chars().all(|c| !c.is_alphanumeric());
    digit || symbol || inner_capital || last_word
}

/// Text without its credential lines, and the 1-based numbers of the lines
/// dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filtered {
    /// The kept lines, joined with `\n` and trimmed.
    pub text: String,
    /// Which lines were dropped.
    pub dropped: Vec<usize>,
}

/// Drops every line of `text` that holds a credential value.
pub fn without_credentials(text: &str) -> Filtered {
    let mut dropped = Vec::new();
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, line)| {
            let credential = is_credential_line(line);
            if credential {
                dropped.push(i + 1);
            }
            !credential
        })
        .map(|(_, line)| line)
        .collect();
    Filtered {
        text: kept.join("\n").trim().to_owned(),
        dropped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_that_only_mention_a_credential_word_are_kept() {
        for line in [
            "We never ask for a password or a full card number in chat.",
            "- Payment: cards and bank transfer. We never ask for a password or a full card number in chat.",
            "Your password is never stored by us.",
            "Forgot your password? Use the reset link on the sign-in page.",
            "Passwords are never sent by email.",
            "The token is valid for 30 minutes.",
            "If you lost your password: use the reset link.",
            "Nunca pedimos una contraseña ni el número completo de la tarjeta en el chat.",
            "Nous ne demandons jamais de mot de passe dans le chat.",
            "Wir fragen im Chat nie nach einem Passwort oder der vollständigen Kartennummer.",
            "Nunca pedimos uma senha no chat.",
            "We vragen nooit om een wachtwoord in de chat.",
            "Returns within 30 days.",
            "Pin the tea caddy lid: keep it closed.",
            "The secret to good tea is fresh water.",
            "Discount codes: none at the moment.",
        ] {
            assert!(!is_credential_line(line), "kept: {line}");
        }
    }

    #[test]
    fn lines_holding_a_credential_value_are_dropped() {
        for line in [
            "Staff wifi password: CANARY-71f3",
            "API key for the courier: CANARY-99",
            "API key for the courier: sk-live-4f9a8b7c6d5e",
            "courier callback: https://api.example/hook?token=abc123",
            "token=abc123",
            "password = hunter2",
            "The wifi password is hunter2.",
            "Wifi password: teatime",
            "Door code secret: \"open sesame\"",
            "PIN: 4821",
            "Auth: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",
            "AWS AKIAIOSFODNN7EXAMPLE",
            "ghp_0123456789abcdefghijABCDEFGHIJ",
            "db: postgres://candor:s3cret@db.internal/shop",
            "-----BEGIN RSA PRIVATE KEY-----",
            "La contraseña del wifi es Hoja-de-te7",
            "Le mot de passe du wifi est Th3Leaf",
            "Das WLAN-Passwort ist Teeblatt42",
            "A senha do wifi é folha2024",
            "Het wachtwoord is theeblad9",
            "Stripe: sk_live_51Habcdefgh",
        ] {
            assert!(is_credential_line(line), "dropped: {line}");
        }
    }

    #[test]
    fn filtering_reports_the_dropped_line_numbers() {
        let filtered = without_credentials(
            "Returns within 30 days.\nStaff wifi password: CANARY-71f3\nWe never ask for a password.",
        );
        assert_eq!(
            filtered.text,
            "Returns within 30 days.\nWe never ask for a password."
        );
        assert_eq!(filtered.dropped, [2]);
    }
}
