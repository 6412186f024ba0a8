//! Which mutation a pod gets, and with what values (`buildPodPatchConfig`): container
//! credentials when the account has a Pod Identity association, else web identity when it
//! has a role ARN, else none.

use std::collections::BTreeMap;

use super::pod::{self, PodView};
use super::settings::{
    Settings, DEFAULT_TOKEN_EXPIRATION, MIN_TOKEN_EXPIRATION, TOKEN_PATH, VOLUME_NAME,
};
use super::Account;

pub(super) const ROLE_ARN_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
pub(super) const AUDIENCE_ANNOTATION: &str = "eks.amazonaws.com/audience";
pub(super) const REGIONAL_STS_ANNOTATION: &str = "eks.amazonaws.com/sts-regional-endpoints";
pub(super) const TOKEN_EXPIRATION_ANNOTATION: &str = "eks.amazonaws.com/token-expiration";
pub(super) const SKIP_CONTAINERS_ANNOTATION: &str = "eks.amazonaws.com/skip-containers";

/// The credentials a container is pointed at.
#[derive(Debug, Clone, Copy)]
pub(super) enum Credentials<'a> {
    /// `AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE`.
    WebIdentity { role_arn: &'a str },
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI` and `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`.
    Container { full_uri: &'a str },
}

/// Everything the patch is made from (`podPatchConfig`).
#[derive(Debug)]
pub(super) struct PatchConfig<'a> {
    pub credentials: Credentials<'a>,
    pub audience: &'a str,
    pub mount_path: &'a str,
    pub volume_name: &'a str,
    pub token_path: &'a str,
    pub regional_sts: bool,
    pub token_expiration: i64,
    pub skipped: Vec<String>,
}

impl<'a> PatchConfig<'a> {
    /// `None` when the webhook leaves the pod alone.
    pub fn build(view: &PodView<'_>, account: Account<'a>, settings: &'a Settings) -> Option<Self> {
        let annotations = account.annotations;
        let get = |key: &str| annotations.and_then(|a| a.get(key)).map(String::as_str);
        if account.pod_identity {
            // `GetCommonConfigurations`: an account the webhook has not seen gets global
            // STS and a day, whatever the flags say.
            let (regional_sts, token_expiration) = match annotations {
                Some(annotations) => (
                    regional_sts(annotations, settings),
                    token_expiration(annotations, settings),
                ),
                None => (false, DEFAULT_TOKEN_EXPIRATION),
            };
            let flags = &settings.container_credentials;
            let token_expiration = settings
                .jitter
                .spread(pod_token_expiration(view, token_expiration));
            return Some(Self {
                credentials: Credentials::Container {
                    full_uri: &flags.full_uri,
                },
                audience: &flags.audience,
                mount_path: &flags.mount_path,
                volume_name: &flags.volume_name,
                token_path: &flags.token_path,
                regional_sts,
                token_expiration,
                skipped: skipped(view),
            });
        }
        let annotations = annotations?;
        let role_arn = get(ROLE_ARN_ANNOTATION).filter(|arn| !arn.is_empty())?;
        Some(Self {
            credentials: Credentials::WebIdentity { role_arn },
            audience: get(AUDIENCE_ANNOTATION).unwrap_or(&settings.audience),
            mount_path: &settings.mount_path,
            volume_name: VOLUME_NAME,
            token_path: TOKEN_PATH,
            regional_sts: regional_sts(annotations, settings),
            token_expiration: pod_token_expiration(view, token_expiration(annotations, settings)),
            skipped: skipped(view),
        })
    }
}

/// The account's `sts-regional-endpoints` annotation when it parses, else the flag.
fn regional_sts(annotations: &BTreeMap<String, String>, settings: &Settings) -> bool {
    annotations
        .get(REGIONAL_STS_ANNOTATION)
        .and_then(|value| pod::parse_bool(value))
        .unwrap_or(settings.regional_sts)
}

/// The account's `token-expiration` annotation when it parses, else the flag.
fn token_expiration(annotations: &BTreeMap<String, String>, settings: &Settings) -> i64 {
    annotations
        .get(TOKEN_EXPIRATION_ANNOTATION)
        .and_then(|value| value.parse::<i64>().ok())
        .map_or(settings.token_expiration, |s| s.max(MIN_TOKEN_EXPIRATION))
}

/// The pod's `token-expiration` annotation when it parses, else the account's value.
fn pod_token_expiration(view: &PodView<'_>, account_value: i64) -> i64 {
    view.annotations
        .get(TOKEN_EXPIRATION_ANNOTATION)
        .and_then(|value| value.parse::<i64>().ok())
        .map_or(account_value, |seconds| seconds.max(MIN_TOKEN_EXPIRATION))
}

fn skipped(view: &PodView<'_>) -> Vec<String> {
    view.annotations
        .get(SKIP_CONTAINERS_ANNOTATION)
        .map(|value| pod::skip_containers(value))
        .unwrap_or_default()
}
