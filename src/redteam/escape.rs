//! The escapes case files use so that one case stays on one line:
//! `\n`, `\t`, `\r`, `\\` and `\u{XXXX}` (any Unicode scalar value, control
//! and bidi characters included).

/// `raw` with its escapes resolved, or why it cannot be.
pub fn unescape(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('u') => out.push(unicode_escape(&mut chars)?),
            Some(other) => return Err(format!("unknown escape `\\{other}`")),
            None => return Err("a line may not end with `\\`".into()),
        }
    }
    Ok(out)
}

fn unicode_escape(chars: &mut std::str::Chars<'_>) -> Result<char, String> {
    if chars.next() != Some('{') {
        return Err("expected `\\u{XXXX}`".into());
    }
    let hex: String = chars.by_ref().take_while(|c| *c != '}').collect();
    u32::from_str_radix(&hex, 16)
        .ok()
        .and_then(char::from_u32)
        .ok_or_else(|| format!("`\\u{{{hex}}}` is not a Unicode scalar value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_resolve_and_bad_ones_are_reported() {
        assert_eq!(
            unescape(r"a\tb\n\u{202E}c\\").expect("valid"),
            "a\tb\n\u{202E}c\\"
        );
        assert_eq!(unescape(r"\u{0}").expect("valid"), "\u{0}");
        for bad in [r"\q", r"\u{D800}", r"\u202E", "end\\"] {
            assert!(unescape(bad).is_err(), "{bad}");
        }
    }
}
