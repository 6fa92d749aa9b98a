//! The visitor's language, narrowed to the ones Candor ships texts for.

/// A supported locale. Anything else falls back to English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// English (the fallback).
    En,
    /// Spanish.
    Es,
    /// French.
    Fr,
    /// German.
    De,
    /// Portuguese.
    Pt,
    /// Italian.
    It,
    /// Dutch.
    Nl,
}

impl Locale {
    /// Every supported locale.
    pub const ALL: [Locale; 7] = [
        Locale::En,
        Locale::Es,
        Locale::Fr,
        Locale::De,
        Locale::Pt,
        Locale::It,
        Locale::Nl,
    ];

    /// Reads a BCP 47-ish tag ("es", "es-MX", "pt_BR"); unknown or missing
    /// tags become English, so a visitor always gets a language.
    pub fn from_tag(tag: Option<&str>) -> Self {
        let primary = tag
            .unwrap_or("en")
            .split(['-', '_'])
            .next()
            .unwrap_or("en")
            .to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|l| l.code() == primary)
            .unwrap_or(Locale::En)
    }

    /// Position in [`Locale::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The two-letter code.
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Es => "es",
            Locale::Fr => "fr",
            Locale::De => "de",
            Locale::Pt => "pt",
            Locale::It => "it",
            Locale::Nl => "nl",
        }
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_tags_map_to_their_language() {
        assert_eq!(Locale::from_tag(Some("es-MX")), Locale::Es);
        assert_eq!(Locale::from_tag(Some("pt_BR")), Locale::Pt);
        assert_eq!(Locale::from_tag(Some("NL")), Locale::Nl);
    }

    #[test]
    fn unknown_or_missing_tags_fall_back_to_english() {
        assert_eq!(Locale::from_tag(Some("xx")), Locale::En);
        assert_eq!(Locale::from_tag(None), Locale::En);
        assert_eq!(Locale::from_tag(Some("")), Locale::En);
    }
}

#[cfg(test)]
mod index_tests {
    use super::Locale;

    #[test]
    fn index_is_the_position_in_all() {
        for (i, locale) in Locale::ALL.into_iter().enumerate() {
            assert_eq!(locale.index(), i);
        }
    }
}
