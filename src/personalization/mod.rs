//! What personal data may be used, for which purpose, and by whom.

mod protected;

pub use protected::{ProtectedFields, DEFAULT_PROTECTED_FIELDS};
