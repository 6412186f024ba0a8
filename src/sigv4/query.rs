//! A raw query string taken apart: its `(key, value)` pieces as sent, and decoded. A leaf
//! module, shared by the signature parser, canonicalisation and the router.

use super::encode::percent_decode;

/// The query's parameters, decoded (`+` is a space; invalid UTF-8 is replaced).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    let text = |raw: &str| String::from_utf8_lossy(&percent_decode(raw)).into_owned();
    split_query(query)
        .map(|(key, value)| (text(key), text(value)))
        .collect()
}

/// The `(key, value)` pieces of a raw query; a piece without `=` has an empty value.
pub(super) fn split_query(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| piece.split_once('=').unwrap_or((piece, "")))
}
