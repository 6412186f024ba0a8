//! Single-line, header-safe renderings of policy and request text for decision reasons
//! (they travel in an `x-irsa-local-reason` response header): quoted, printable ASCII
//! only, long values and lists shortened.

use std::fmt::Write;

/// Longest value shown before it is cut.
const MAX_VALUE_CHARS: usize = 160;
/// Most list items shown before the rest are counted.
const MAX_LIST_ITEMS: usize = 5;

/// `'text'`, with anything but printable ASCII escaped and long text cut.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_VALUE_CHARS) + 2);
    out.push('\'');
    for (index, c) in text.chars().enumerate() {
        if index == MAX_VALUE_CHARS {
            out.push_str("...");
            break;
        }
        if c == '\'' || c == '\\' {
            out.push('\\');
            out.push(c);
        } else if c.is_ascii_graphic() || c == ' ' {
            out.push(c);
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "{}", c.escape_unicode());
        }
    }
    out.push('\'');
    out
}

/// `['a', 'b']`, the first few items quoted and the rest counted.
pub(crate) fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::from("[");
    for (index, item) in items.iter().take(MAX_LIST_ITEMS).enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        out.push_str(&quote(item.as_ref()));
    }
    if items.len() > MAX_LIST_ITEMS {
        let _ = write!(out, ", ... (+{} more)", items.len() - MAX_LIST_ITEMS);
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderings_are_single_line_ascii() {
        let long = "x".repeat(200);
        #[rustfmt::skip]
        let cases = [
            ("plain", quote("system:serviceaccount:default:app"), "'system:serviceaccount:default:app'".to_owned()),
            ("newline_escaped", quote("a\r\nb"), "'a\\u{d}\\u{a}b'".to_owned()),
            ("quote_escaped", quote("it's"), "'it\\'s'".to_owned()),
            ("non_ascii_escaped", quote("é"), "'\\u{e9}'".to_owned()),
            ("long_cut", quote(&long), format!("'{}...'", "x".repeat(160))),
            ("list", quote_list(&["a", "b"]), "['a', 'b']".to_owned()),
            ("long_list", quote_list(&["1", "2", "3", "4", "5", "6", "7"]), "['1', '2', '3', '4', '5', ... (+2 more)]".to_owned()),
        ];
        for (name, got, want) in cases {
            assert_eq!(got, want, "case {name}");
        }
    }
}
