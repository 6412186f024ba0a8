//! IAM's `*` / `?` wildcards: `*` matches any run of characters (none included), `?`
//! exactly one. Used by `Action`, `Resource`, `StringLike` and `ArnLike`.
//!
//! Matching never backtracks across stars: the pattern is cut at each `*` into groups,
//! the first group is anchored at the start, the last at the end, and each middle group
//! takes its leftmost occurrence (which is always safe, as a `*` follows it). Groups of
//! plain text are found with `str::find` (two-way search, linear), so `*a*a*a*a*b` costs
//! about one pass over the input; only groups containing `?` fall back to trying each
//! start, O(input × group).

use std::borrow::Cow;

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    pieces: Vec<Piece>,
}

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Characters that must appear as they are.
    Literal(String),
    /// `?`: exactly one character.
    AnyChar,
    /// `*`: any run of characters.
    AnyRun,
}

/// A run of pattern text, either with live wildcards or taken literally (the value of a
/// policy variable, or a `${*}` escape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Chunk<'a> {
    Wild(&'a str),
    Literal(Cow<'a, str>),
}

impl Pattern {
    /// Compiles `text`, in which every `*` and `?` is a wildcard.
    pub(crate) fn new(text: &str) -> Self {
        Self::from_chunks(&[Chunk::Wild(text)])
    }

    /// Compiles a pattern from chunks with and without live wildcards.
    pub(crate) fn from_chunks(chunks: &[Chunk<'_>]) -> Self {
        let mut pattern = Pattern { pieces: Vec::new() };
        for chunk in chunks {
            match chunk {
                Chunk::Literal(text) => pattern.push_literal(text),
                Chunk::Wild(text) => {
                    for c in text.chars() {
                        match c {
                            '*' => pattern.push(Piece::AnyRun),
                            '?' => pattern.push(Piece::AnyChar),
                            other => pattern.push_literal(other.encode_utf8(&mut [0; 4])),
                        }
                    }
                }
            }
        }
        pattern
    }

    /// Whether `input` matches the whole pattern.
    pub(crate) fn matches(&self, input: &str) -> bool {
        let groups: Vec<&[Piece]> = self.pieces.split(|piece| *piece == Piece::AnyRun).collect();
        let [first, middle @ .., last] = groups.as_slice() else {
            // No star: one group that must cover the input exactly.
            return groups
                .first()
                .is_some_and(|only| match_at(only, input, 0) == Some(input.len()));
        };
        let Some(mut position) = match_at(first, input, 0) else {
            return false;
        };
        for group in middle {
            match find_leftmost(group, input, position) {
                Some(end) => position = end,
                None => return false,
            }
        }
        let Some(start) = start_of_last_chars(input, char_count(last)) else {
            return false;
        };
        start >= position && match_at(last, input, start) == Some(input.len())
    }

    /// Cuts the pattern at its first five literal colons: the six parts of an ARN pattern.
    pub(crate) fn split_arn(&self) -> Vec<Pattern> {
        let mut parts = vec![Pattern { pieces: Vec::new() }];
        for piece in &self.pieces {
            let Piece::Literal(text) = piece else {
                if let Some(part) = parts.last_mut() {
                    part.push(piece.clone());
                }
                continue;
            };
            let mut rest = text.as_str();
            while parts.len() < 6 {
                let Some((before, after)) = rest.split_once(':') else {
                    break;
                };
                if let Some(part) = parts.last_mut() {
                    part.push_literal(before);
                }
                parts.push(Pattern { pieces: Vec::new() });
                rest = after;
            }
            if let Some(part) = parts.last_mut() {
                part.push_literal(rest);
            }
        }
        parts
    }

    fn push(&mut self, piece: Piece) {
        // Adjacent stars mean the same as one.
        if piece == Piece::AnyRun && self.pieces.last() == Some(&Piece::AnyRun) {
            return;
        }
        self.pieces.push(piece);
    }

    fn push_literal(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(Piece::Literal(last)) = self.pieces.last_mut() {
            last.push_str(text);
        } else {
            self.pieces.push(Piece::Literal(text.to_owned()));
        }
    }
}

/// Matches `group` (no stars) at byte `start` of `input`; returns where it ends.
fn match_at(group: &[Piece], input: &str, start: usize) -> Option<usize> {
    let mut position = start;
    for piece in group {
        let rest = input.get(position..)?;
        match piece {
            Piece::Literal(text) => {
                if !rest.starts_with(text.as_str()) {
                    return None;
                }
                position += text.len();
            }
            Piece::AnyChar => position += rest.chars().next()?.len_utf8(),
            Piece::AnyRun => return None,
        }
    }
    Some(position)
}

/// The end of the leftmost match of `group` starting at or after byte `from`.
fn find_leftmost(group: &[Piece], input: &str, from: usize) -> Option<usize> {
    let Some(Piece::Literal(head)) = group.first() else {
        // Empty group, or one starting with `?`: try each character boundary.
        let rest = input.get(from..)?;
        return rest
            .char_indices()
            .map(|(offset, _)| from + offset)
            .chain(std::iter::once(input.len()))
            .find_map(|start| match_at(group, input, start));
    };
    let mut search = from;
    while let Some(offset) = input.get(search..)?.find(head.as_str()) {
        let start = search + offset;
        if let Some(end) = match_at(group, input, start) {
            return Some(end);
        }
        search = start + input.get(start..)?.chars().next()?.len_utf8();
    }
    None
}

/// How many characters `group` consumes (it has no stars, so the count is fixed).
fn char_count(group: &[Piece]) -> usize {
    group
        .iter()
        .map(|piece| match piece {
            Piece::Literal(text) => text.chars().count(),
            Piece::AnyChar => 1,
            Piece::AnyRun => 0,
        })
        .sum()
}

/// The byte index where the last `count` characters of `input` start.
fn start_of_last_chars(input: &str, count: usize) -> Option<usize> {
    if count == 0 {
        return Some(input.len());
    }
    input
        .char_indices()
        .rev()
        .nth(count - 1)
        .map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn wildcard_matches() {
        #[rustfmt::skip]
        let cases = [
            ("exact", "abc", "abc", true),
            ("exact_differs", "abc", "abd", false),
            ("empty_matches_empty", "", "", true),
            ("empty_rejects_text", "", "a", false),
            ("star_alone_matches_empty", "*", "", true),
            ("star_alone_matches_anything", "*", "arn:aws:s3:::b/k", true),
            ("star_suffix", "sys*", "system", true),
            ("star_prefix", "*tem", "system", true),
            ("star_middle", "s*m", "system", true),
            ("star_middle_needs_ends", "s*x", "system", false),
            ("star_matches_colons", "arn:aws:s3:::*", "arn:aws:s3:::a:b/c", true),
            ("question_needs_one_char", "a?", "a", false),
            ("question_takes_one_char", "a?c", "abc", true),
            ("question_takes_only_one", "a?c", "abbc", false),
            ("question_multibyte", "caf?", "café", true),
            ("stars_collapse", "a**b", "ab", true),
            ("many_stars", "*a*b*c*", "xxaxxbxxcxx", true),
            ("many_stars_order_matters", "*c*b*a*", "abc", false),
            ("overlap_prefix_suffix", "ab*ba", "aba", false),
            ("overlap_ok_when_long", "ab*ba", "abba", true),
            ("question_group_mid", "*a?c*", "xxabcxx", true),
            ("question_group_retry", "*a?c*", "aaxaad", false),
            ("question_group_found_late", "*a?c*", "aaxaac", true),
            ("question_group_second", "*a?c", "abxabc", true),
            ("case_sensitive", "ABC", "abc", false),
            ("last_group_after_middle", "*ab*b", "ab", false),
        ];
        for (name, pattern, input, want) in cases {
            assert_eq!(Pattern::new(pattern).matches(input), want, "case {name}");
        }
    }

    #[test]
    fn literal_chunks_keep_wildcards_literal() {
        let pattern = Pattern::from_chunks(&[
            Chunk::Wild("home/"),
            Chunk::Literal(Cow::Borrowed("a*b")),
            Chunk::Wild("/*"),
        ]);
        #[rustfmt::skip]
        let cases = [
            ("literal_star_matches_star", "home/a*b/x", true),
            ("literal_star_is_not_wild", "home/axxb/x", false),
        ];
        for (name, input, want) in cases {
            assert_eq!(pattern.matches(input), want, "case {name}");
        }
    }

    #[test]
    fn arn_patterns_split_into_six_parts() {
        #[rustfmt::skip]
        let cases = [
            ("s3_object", "arn:aws:s3:::b/*", 6, "b/*"),
            ("resource_keeps_colons", "arn:aws:logs:r:1:log-group:x:*", 6, "log-group:x:*"),
            ("short_pattern", "*", 1, "*"),
        ];
        for (name, text, parts, last) in cases {
            let split = Pattern::new(text).split_arn();
            assert_eq!(split.len(), parts, "case {name}");
            assert_eq!(split.last(), Some(&Pattern::new(last)), "case {name}");
        }
    }

    #[test]
    fn pathological_patterns_stay_fast() {
        let input = "a".repeat(20_000);
        let started = Instant::now();
        #[rustfmt::skip]
        let cases = [
            ("stars_then_missing_b", format!("{}b", "*a".repeat(50)), false),
            ("question_groups", format!("{}b", "*a?a".repeat(50)), false),
            ("all_stars", "*".repeat(1000), true),
        ];
        for (name, pattern, want) in cases {
            assert_eq!(Pattern::new(&pattern).matches(&input), want, "case {name}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "matching took {:?}",
            started.elapsed()
        );
    }
}
