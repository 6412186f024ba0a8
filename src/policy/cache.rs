//! Session policies parsed once, not on every request. A role session's inline policy is
//! sealed as text in its session token (credentials are stateless), so without this every
//! signed request of the session would parse it again. Keyed by the text itself; bounded,
//! and emptied whole when full (sessions are short-lived and few on one machine).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::{parse, Policy, PolicyError, PolicyKind};

/// How many distinct session policies are kept.
const CAPACITY: usize = 1024;

/// Parsed session policies by their text.
#[derive(Debug, Default)]
pub struct SessionPolicies {
    // Held only for a lookup or an insert, never while parsing.
    parsed: Mutex<HashMap<String, Arc<Policy>>>,
}

impl SessionPolicies {
    /// The policy `text` parsed as an identity policy, from the cache when it was seen.
    pub fn parse(&self, text: &str) -> Result<Arc<Policy>, PolicyError> {
        if let Some(policy) = self.lock().get(text) {
            return Ok(Arc::clone(policy));
        }
        let policy = Arc::new(parse(text, PolicyKind::Identity)?);
        let mut parsed = self.lock();
        if parsed.len() >= CAPACITY {
            parsed.clear();
        }
        parsed.insert(text.to_owned(), Arc::clone(&policy));
        Ok(policy)
    }

    /// How many policies are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Policy>>> {
        self.parsed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALLOW_GET: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

    #[test]
    fn a_policy_is_parsed_once_and_shared() {
        let cache = SessionPolicies::default();
        let first = cache.parse(ALLOW_GET).unwrap();
        let second = cache.parse(ALLOW_GET).unwrap();
        assert!(
            Arc::ptr_eq(&first, &second),
            "the second parse came from the cache"
        );
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_malformed_policy_is_refused_and_not_kept() {
        let cache = SessionPolicies::default();
        assert!(cache.parse("{").is_err());
        assert!(cache.is_empty());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = SessionPolicies::default();
        for index in 0..=CAPACITY {
            let text = ALLOW_GET.replace("s3:GetObject", &format!("s3:Get{index}"));
            cache.parse(&text).unwrap();
        }
        assert!(cache.len() <= CAPACITY, "{} kept", cache.len());
    }
}
