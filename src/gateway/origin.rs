//! The `Origin` check made before a chat socket is upgraded.

/// Exact `Origin` values allowed to open the chat socket.
#[derive(Debug, Clone)]
pub struct AllowedOrigins {
    origins: Vec<String>,
}

impl AllowedOrigins {
    /// From the configured list (`CANDOR_ALLOWED_ORIGINS`).
    pub fn new(origins: &[String]) -> Self {
        Self {
            origins: origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_owned())
                .collect(),
        }
    }

    /// Browsers always send `Origin` on a WebSocket upgrade, so a present
    /// header must match exactly. Non-browser clients (server-side
    /// integrations, tests) send none and are let through: the header is a
    /// defence against other web pages, not an authentication.
    pub fn permits(&self, origin: Option<&str>) -> bool {
        match origin {
            None => true,
            Some(origin) => self.origins.iter().any(|allowed| allowed == origin),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_origins_pass() {
        let allowed = AllowedOrigins::new(&["https://shop.example".into()]);
        assert!(allowed.permits(Some("https://shop.example")));
        assert!(!allowed.permits(Some("https://shop.example.evil.test")));
        assert!(!allowed.permits(Some("http://shop.example")));
        assert!(allowed.permits(None));
    }
}
