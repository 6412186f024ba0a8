//! OpenID Connect identity providers: list, show, create, delete, and change their client
//! ids, thumbprints and tags.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html>
//!
//! Known gaps: IAM fetches a thumbprint when none is given; irsa-local stores none (STS
//! here verifies tokens with the cluster's keys or the world's JWKS, never over TLS).

use serde::Serialize;
use std::sync::Arc;

use super::action::CreateProvider;
use super::check_quota;
use super::error::IamError;
use super::input::{merge_tags, remove_tags, Page};
use super::output::{optional_tags, ListTagsOutput, Members, Tag};
use crate::clock::rfc3339;
use crate::world::table::Keyed;
use crate::world::{IssuerUrl, OidcProvider, World};

/// Providers per account.
const MAX_PROVIDERS: usize = 100;
/// Client ids per provider.
const MAX_CLIENT_IDS: usize = 100;
/// Thumbprints per provider.
const MAX_THUMBPRINTS: usize = 5;
/// Tags per provider.
const MAX_TAGS: usize = 50;

/// ListOpenIDConnectProvidersResult.
#[derive(Debug, Serialize)]
pub struct ListProvidersOutput {
    #[serde(rename = "OpenIDConnectProviderList")]
    list: Members<ProviderEntry>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ProviderEntry {
    arn: String,
}

/// GetOpenIDConnectProviderResult: the URL without its scheme.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProviderOutput {
    url: String,
    #[serde(rename = "ClientIDList")]
    client_ids: Members<String>,
    thumbprint_list: Members<String>,
    create_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Members<Tag>>,
}

/// CreateOpenIDConnectProviderResult.
#[derive(Debug, Serialize)]
pub struct CreateProviderOutput {
    #[serde(rename = "OpenIDConnectProviderArn")]
    arn: String,
    #[serde(rename = "Tags", skip_serializing_if = "Option::is_none")]
    tags: Option<Members<Tag>>,
}

/// Every provider's ARN.
pub fn list(world: &World) -> ListProvidersOutput {
    let member = world
        .oidc_providers
        .iter()
        .map(|provider| ProviderEntry {
            arn: world.oidc_provider_arn(provider),
        })
        .collect();
    ListProvidersOutput {
        list: Members::new(member),
    }
}

/// One provider; `created_at` stands in for a world file's provider without a date.
pub fn show(world: &World, arn: &str, created_at: u64) -> Result<ProviderOutput, IamError> {
    let provider = find(world, arn)?;
    Ok(ProviderOutput {
        url: provider.url.without_scheme().to_owned(),
        client_ids: Members::new(provider.client_ids.clone()),
        thumbprint_list: Members::new(provider.thumbprints.clone()),
        create_date: provider
            .create_date
            .clone()
            .unwrap_or_else(|| rfc3339(created_at)),
        tags: optional_tags(&provider.tags),
    })
}

/// A page of a provider's tags.
pub fn list_tags(world: &World, arn: &str, page: Page) -> Result<ListTagsOutput, IamError> {
    Ok(ListTagsOutput::new(&find(world, arn)?.tags, page))
}

/// Registers a provider for an `https://` issuer (a port is allowed, DESIGN decision 2).
pub fn create(
    world: &mut World,
    input: &CreateProvider,
    now: u64,
) -> Result<CreateProviderOutput, IamError> {
    let url = provider_url(&input.url)?;
    if let Some(bad) = input.thumbprints.iter().find(|t| !is_hex(t)) {
        return Err(IamError::InvalidThumbprint(bad.clone()));
    }
    let mut client_ids: Vec<String> = Vec::new();
    for id in &input.client_ids {
        if !client_ids.contains(id) {
            client_ids.push(id.clone());
        }
    }
    let mut provider = OidcProvider {
        url,
        client_ids,
        thumbprints: input.thumbprints.clone(),
        jwks: None,
        jwks_file: None,
        create_date: Some(rfc3339(now)),
        tags: Default::default(),
    };
    merge_tags(&mut provider.tags, &input.tags);
    let arn = world.oidc_provider_arn(&provider);
    if world
        .oidc_providers
        .iter()
        .any(|known| world.oidc_provider_arn(known) == arn)
    {
        return Err(IamError::ProviderExists(input.url.clone()));
    }
    check_quota(
        "OpenIdConnectProvidersPerAccount",
        world.oidc_providers.len() + 1,
        MAX_PROVIDERS,
    )?;
    check_limits(&provider)?;
    let tags = optional_tags(&provider.tags);
    world.oidc_providers.push(provider);
    Ok(CreateProviderOutput { arn, tags })
}

/// Removes a provider. Roles that trust it keep their trust policies, as in IAM.
pub fn delete(world: &mut World, arn: &str) -> Result<(), IamError> {
    let key = key(world, arn)?;
    world.oidc_providers.remove(&key);
    Ok(())
}

/// Adds a client id (audience); adding one that is there already changes nothing.
pub fn add_client_id(world: &mut World, arn: &str, client_id: &str) -> Result<(), IamError> {
    change(world, arn, |provider| {
        if !provider.client_ids.iter().any(|id| id == client_id) {
            provider.client_ids.push(client_id.to_owned());
        }
    })
}

/// Removes a client id; removing one that is not there changes nothing.
pub fn remove_client_id(world: &mut World, arn: &str, client_id: &str) -> Result<(), IamError> {
    change(world, arn, |provider| {
        provider.client_ids.retain(|id| id != client_id);
    })
}

/// Replaces the thumbprint list.
pub fn update_thumbprints(
    world: &mut World,
    arn: &str,
    thumbprints: &[String],
) -> Result<(), IamError> {
    if let Some(bad) = thumbprints.iter().find(|t| !is_hex(t)) {
        return Err(IamError::InvalidThumbprint(bad.clone()));
    }
    change(world, arn, |provider| {
        provider.thumbprints = thumbprints.to_vec();
    })
}

/// Adds or replaces tags.
pub fn tag(world: &mut World, arn: &str, tags: &[(String, String)]) -> Result<(), IamError> {
    change(world, arn, |provider| merge_tags(&mut provider.tags, tags))
}

/// Removes tags by key.
pub fn untag(world: &mut World, arn: &str, keys: &[String]) -> Result<(), IamError> {
    change(world, arn, |provider| remove_tags(&mut provider.tags, keys))
}

/// Applies `edit` to a copy of the provider and stores it only if it stays within quotas.
fn change(
    world: &mut World,
    arn: &str,
    edit: impl FnOnce(&mut OidcProvider),
) -> Result<(), IamError> {
    let key = key(world, arn)?;
    let Some(slot) = world.oidc_providers.get_mut(&key) else {
        return Err(IamError::NoSuchProvider(arn.to_owned()));
    };
    let mut provider = slot.clone();
    edit(&mut provider);
    check_limits(&provider)?;
    *slot = provider;
    Ok(())
}

fn check_limits(provider: &OidcProvider) -> Result<(), IamError> {
    check_quota(
        "ClientIdsPerOpenIdConnectProvider",
        provider.client_ids.len(),
        MAX_CLIENT_IDS,
    )?;
    check_quota(
        "ThumbprintsPerOpenIdConnectProvider",
        provider.thumbprints.len(),
        MAX_THUMBPRINTS,
    )?;
    check_quota(
        "TagsPerOpenIdConnectProvider",
        provider.tags.len(),
        MAX_TAGS,
    )
}

fn find<'w>(world: &'w World, arn: &str) -> Result<&'w OidcProvider, IamError> {
    let key = key(world, arn)?;
    world
        .oidc_providers
        .get(&key)
        .map(Arc::as_ref)
        .ok_or_else(|| IamError::NoSuchProvider(arn.to_owned()))
}

/// The provider's key (its URL); `InvalidArn` for something that is not a provider ARN
/// at all.
fn key(world: &World, arn: &str) -> Result<String, IamError> {
    let well_formed = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":oidc-provider/"))
        .is_some_and(|(account, url)| {
            account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !url.is_empty()
        });
    if !well_formed {
        return Err(IamError::InvalidArn(arn.to_owned()));
    }
    world
        .oidc_providers
        .iter()
        .find(|provider| world.oidc_provider_arn(provider) == arn)
        .map(|provider| provider.key())
        .ok_or_else(|| IamError::NoSuchProvider(arn.to_owned()))
}

/// IAM takes only `https://` issuers with a host and no query or fragment.
fn provider_url(url: &str) -> Result<IssuerUrl, IamError> {
    let refuse = |problem: &str| IamError::InvalidProviderUrl {
        url: url.to_owned(),
        problem: problem.to_owned(),
    };
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| refuse("it must begin with https://"))?;
    if rest.split('/').next().is_none_or(str::is_empty) {
        return Err(refuse("it has no host"));
    }
    IssuerUrl::try_from(url.to_owned()).map_err(|problem| refuse(&problem))
}

fn is_hex(thumbprint: &str) -> bool {
    thumbprint.len() == 40 && thumbprint.bytes().all(|b| b.is_ascii_hexdigit())
}
