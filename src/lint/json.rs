//! JSON as written, duplicate keys included. `serde_json::Value` keeps only the last of
//! two equal keys, which is how a second `StringEquals` block silently replaces the
//! first; [`Node`] keeps every entry in order so the linter can see both, and offers the
//! last-wins view (what IAM and `serde_json` act on) through [`Node::get`] and
//! [`Node::entries`]. Read through serde_json's deserializer, so its recursion limit
//! holds and no input can overflow the stack.

use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// A JSON value with every object entry kept, in document order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    /// The number as serde_json prints it.
    Number(String),
    String(String),
    Array(Vec<Node>),
    /// Entries in order; a key may appear more than once.
    Object(Vec<(String, Node)>),
}

/// One step into a document: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// Where in the document a finding is, printed as `$.Statement[0].Condition`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Path(Vec<Step>);

impl Node {
    /// The value of `key` as IAM reads it: the last entry wins.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The object's entries as IAM reads them: an entry replaced by a later one with the
    /// same key is skipped.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, &Node)> {
        let entries = match self {
            Node::Object(entries) => entries.as_slice(),
            _ => &[],
        };
        // Each key's last position: only that entry counts.
        let last: HashMap<&str, usize> = entries
            .iter()
            .enumerate()
            .map(|(index, (key, _))| (key.as_str(), index))
            .collect();
        entries
            .iter()
            .enumerate()
            .filter(move |(index, (key, _))| last.get(key.as_str()) == Some(index))
            .map(|(_, (key, value))| (key.as_str(), value))
    }

    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(text) => Some(text),
            _ => None,
        }
    }

    /// A string or a list, as IAM's single-or-list elements (`Action`, `Federated`, a
    /// condition's values): each scalar with its path; anything else is skipped.
    pub(crate) fn scalars<'a>(&'a self, path: &Path) -> Vec<(String, Path)> {
        let scalar = |node: &'a Node| match node {
            Node::String(text) | Node::Number(text) => Some(text.clone()),
            Node::Bool(flag) => Some(flag.to_string()),
            _ => None,
        };
        match self {
            Node::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| Some((scalar(item)?, path.index(index))))
                .collect(),
            other => scalar(other)
                .map(|text| (text, path.clone()))
                .into_iter()
                .collect(),
        }
    }

    /// The last-wins `serde_json::Value` of this node, as a world file's loader reads it.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(flag) => Value::Bool(*flag),
            Node::Number(text) => text.parse().map_or(Value::Null, Value::Number),
            Node::String(text) => Value::String(text.clone()),
            Node::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Node::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(key, value)| (key.clone(), value.to_value()))
                    .collect(),
            ),
        }
    }
}

impl From<&Value> for Node {
    fn from(value: &Value) -> Self {
        match value {
            Value::Null => Node::Null,
            Value::Bool(flag) => Node::Bool(*flag),
            Value::Number(number) => Node::Number(number.to_string()),
            Value::String(text) => Node::String(text.clone()),
            Value::Array(items) => Node::Array(items.iter().map(Node::from).collect()),
            Value::Object(map) => Node::Object(
                map.iter()
                    .map(|(key, value)| (key.clone(), Node::from(value)))
                    .collect(),
            ),
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

/// Builds a [`Node`], keeping each map entry serde hands over, duplicates included.
struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_bool<E>(self, flag: bool) -> Result<Node, E> {
        Ok(Node::Bool(flag))
    }

    fn visit_i64<E>(self, number: i64) -> Result<Node, E> {
        Ok(Node::Number(number.to_string()))
    }

    fn visit_u64<E>(self, number: u64) -> Result<Node, E> {
        Ok(Node::Number(number.to_string()))
    }

    fn visit_f64<E>(self, number: f64) -> Result<Node, E> {
        Ok(Node::Number(number.to_string()))
    }

    fn visit_str<E>(self, text: &str) -> Result<Node, E> {
        Ok(Node::String(text.to_owned()))
    }

    fn visit_string<E>(self, text: String) -> Result<Node, E> {
        Ok(Node::String(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, Node>()? {
            entries.push(entry);
        }
        Ok(Node::Object(entries))
    }
}

impl Path {
    /// The document's root, `$`.
    pub(crate) fn root() -> Self {
        Self::default()
    }

    /// This path, then `key`.
    pub(crate) fn key(&self, key: &str) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key.to_owned()));
        Self(steps)
    }

    /// Whether this path is `prefix` or inside it.
    pub(crate) fn starts_with(&self, prefix: &Path) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// This path, then `[index]`.
    pub(crate) fn index(&self, index: usize) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step::Index(index));
        Self(steps)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for step in &self.0 {
            match step {
                Step::Index(index) => write!(f, "[{index}]")?,
                Step::Key(key) if is_identifier(key) => write!(f, ".{key}")?,
                Step::Key(key) => write!(f, "[{}]", Value::String(key.clone()))?,
            }
        }
        Ok(())
    }
}

/// Keys printed bare after a dot; the rest (`oidc…/id/X:sub`) quoted in brackets.
fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A key that appears again in the same object.
#[derive(Debug)]
pub(crate) struct Duplicate<'a> {
    pub(crate) key: &'a str,
    /// The path of the later entry.
    pub(crate) path: Path,
    /// The earlier entry's value, which the later one replaces.
    pub(crate) replaced: &'a Node,
    /// The last entry's value, the one IAM reads.
    pub(crate) kept: &'a Node,
}

/// Every repeated key anywhere in `node`, each time it appears again.
pub(crate) fn duplicate_keys<'a>(node: &'a Node, path: &Path, found: &mut Vec<Duplicate<'a>>) {
    match node {
        Node::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                duplicate_keys(item, &path.index(index), found);
            }
        }
        Node::Object(entries) => {
            let kept: HashMap<&str, &Node> = entries
                .iter()
                .map(|(key, value)| (key.as_str(), value))
                .collect();
            let mut seen: HashMap<&str, &Node> = HashMap::new();
            for (key, value) in entries {
                if let Some(replaced) = seen.insert(key, value) {
                    found.push(Duplicate {
                        key,
                        path: path.key(key),
                        replaced,
                        kept: kept.get(key.as_str()).copied().unwrap_or(value),
                    });
                }
                duplicate_keys(value, &path.key(key), found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_kept_and_the_last_wins() {
        let node: Node =
            serde_json::from_str(r#"{"a":{"x":1},"b":true,"a":{"y":2.5}}"#).unwrap_or(Node::Null);
        assert_eq!(node.entries().count(), 2, "replaced entry skipped");
        assert_eq!(
            node.get("a").map(Node::to_value),
            Some(serde_json::json!({"y":2.5}))
        );
        let mut found = Vec::new();
        duplicate_keys(&node, &Path::root(), &mut found);
        let found: Vec<_> = found.iter().map(|d| (d.key, d.path.to_string())).collect();
        assert_eq!(found, vec![("a", "$.a".to_owned())]);
    }

    #[test]
    fn paths_print_as_json_paths() {
        let cases = [
            ("root", Path::root(), "$"),
            (
                "index",
                Path::root().key("Statement").index(0),
                "$.Statement[0]",
            ),
            (
                "quoted_key",
                Path::root()
                    .key("StringEquals")
                    .key("oidc.example/id/1:sub"),
                r#"$.StringEquals["oidc.example/id/1:sub"]"#,
            ),
        ];
        for (name, path, want) in cases {
            assert_eq!(path.to_string(), want, "case {name}");
        }
    }
}
