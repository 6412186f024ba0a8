//! Shapes several actions share: `<member>` lists, tags, list pages, an empty result, and
//! policy documents URL-encoded as IAM sends them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::input::Page;

/// A `<Name><member>…</member></Name>` list.
#[derive(Debug, Serialize)]
pub struct Members<T> {
    member: Vec<T>,
}

impl<T> Members<T> {
    /// Wraps the entries.
    pub fn new(member: Vec<T>) -> Self {
        Self { member }
    }
}

/// One tag.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    key: String,
    value: String,
}

/// Tags as IAM lists them, sorted by key.
pub fn tag_members(tags: &BTreeMap<String, String>) -> Members<Tag> {
    Members::new(
        tags.iter()
            .map(|(key, value)| Tag {
                key: key.clone(),
                value: value.clone(),
            })
            .collect(),
    )
}

/// Tags for an entity's detail: omitted when there are none, as IAM omits them.
pub fn optional_tags(tags: &BTreeMap<String, String>) -> Option<Members<Tag>> {
    (!tags.is_empty()).then(|| tag_members(tags))
}

/// ListRoleTagsResult, ListOpenIDConnectProviderTagsResult.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsOutput {
    tags: Members<Tag>,
    is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    marker: Option<String>,
}

impl ListTagsOutput {
    /// A page of `tags`.
    pub fn new(tags: &BTreeMap<String, String>, page: Page) -> Self {
        let all: Vec<(String, String)> = tags.clone().into_iter().collect();
        let (entries, is_truncated, marker) = paginate(all, page);
        let tags = BTreeMap::from_iter(entries);
        Self {
            tags: tag_members(&tags),
            is_truncated,
            marker,
        }
    }
}

/// A result element with nothing in it (UpdateRole's `<UpdateRoleResult/>`).
#[derive(Debug, Serialize)]
pub struct Empty {}

/// One page of `all`: its entries, whether more follow, and the marker of the next page.
pub fn paginate<T>(all: Vec<T>, page: Page) -> (Vec<T>, bool, Option<String>) {
    let total = all.len();
    let end = page.start.saturating_add(page.max_items).min(total);
    let is_truncated = end < total;
    let entries = all
        .into_iter()
        .skip(page.start)
        .take(page.max_items)
        .collect();
    (entries, is_truncated, is_truncated.then(|| end.to_string()))
}

/// Percent-encodes a policy document as IAM returns it (botocore unquotes it).
pub fn url_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The document of a policy as IAM returns it.
pub fn encoded_document(json: &serde_json::Value) -> String {
    url_encode(&json.to_string())
}
