//! Where a client command sends its calls and as whom, resolved the way the AWS CLI does
//! it, with the world standing in for a profile: the endpoint from `--endpoint-url`, else
//! `AWS_ENDPOINT_URL`, else irsa-local's default address; credentials from
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, else the world's first
//! admin key; the region from `--region`, else `AWS_REGION`/`AWS_DEFAULT_REGION`, else the
//! world's. The world is read only when something is left to take from it.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html>

use std::fmt;
use std::str::FromStr;

use axum::http::uri::Authority;

use crate::config::{WorldSource, DEFAULT_LISTEN};
use crate::sigv4::SecretKey;
use crate::world::{LoadError, World};

/// Everything a client needs to reach the server and sign for it.
#[derive(Debug)]
pub struct Target {
    pub endpoint: Endpoint,
    pub credentials: Credentials,
    pub region: String,
}

/// What the user gave on the command line; `None` where they gave nothing.
#[derive(Debug, Clone)]
pub struct TargetFlags {
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    /// The world to fall back on (`--config`, or the embedded one).
    pub world: WorldSource,
}

/// Why the target could not be resolved: each is the user's to fix.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("endpoint {url:?}: only http:// endpoints are supported (irsa-local's own commands speak plain HTTP; the server answers http:// on the same port even with --tls)")]
    Https { url: String },
    #[error("endpoint {url:?} must be http://host[:port]: {detail}")]
    MalformedEndpoint { url: String, detail: String },
    #[error("{set} is set but {missing} is not; set both or neither")]
    PartialCredentials {
        set: &'static str,
        missing: &'static str,
    },
    #[error("no credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set and the world has no adminCredentials")]
    NoCredentials,
    #[error(transparent)]
    World(#[from] LoadError),
}

impl Target {
    /// Resolves the target from `flags`, then the environment `env` reads (empty values
    /// count as unset), then the world.
    pub fn resolve(
        flags: TargetFlags,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, TargetError> {
        let env = |name: &str| env(name).filter(|value| !value.is_empty());
        let endpoint = match flags.endpoint_url.or_else(|| env("AWS_ENDPOINT_URL")) {
            Some(url) => Endpoint::parse(&url)?,
            None => Endpoint::parse(&format!("http://{DEFAULT_LISTEN}"))?,
        };
        let from_env = credentials_from_env(&env)?;
        let region = flags
            .region
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"));
        let (credentials, region) = match (from_env, region) {
            (Some(credentials), Some(region)) => (credentials, region),
            (credentials, region) => {
                let world = flags.world.load()?;
                let credentials = match credentials {
                    Some(credentials) => credentials,
                    None => admin_credentials(&world)?,
                };
                let region = region.unwrap_or_else(|| world.account.region.to_string());
                (credentials, region)
            }
        };
        Ok(Self {
            endpoint,
            credentials,
            region,
        })
    }
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, when the pair is set.
fn credentials_from_env(
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, TargetError> {
    match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        (Some(access_key_id), Some(secret)) => Ok(Some(Credentials {
            access_key_id,
            secret_access_key: SecretKey::new(secret),
            session_token: env("AWS_SESSION_TOKEN").map(SessionToken::new),
        })),
        (Some(_), None) => Err(TargetError::PartialCredentials {
            set: "AWS_ACCESS_KEY_ID",
            missing: "AWS_SECRET_ACCESS_KEY",
        }),
        (None, Some(_)) => Err(TargetError::PartialCredentials {
            set: "AWS_SECRET_ACCESS_KEY",
            missing: "AWS_ACCESS_KEY_ID",
        }),
        (None, None) => Ok(None),
    }
}

/// The world's first admin key, which signs as the account's root user.
fn admin_credentials(world: &World) -> Result<Credentials, TargetError> {
    let admin = world
        .admin_credentials
        .first()
        .ok_or(TargetError::NoCredentials)?;
    Ok(Credentials {
        access_key_id: admin.access_key_id.as_str().to_owned(),
        secret_access_key: SecretKey::new(admin.secret_access_key.expose().to_owned()),
        session_token: None,
    })
}

/// The server's address: `http://host[:port]`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    authority: Authority,
}

impl Endpoint {
    /// Parses `http://host[:port]`, with or without a trailing slash.
    pub fn parse(url: &str) -> Result<Self, TargetError> {
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("https://") {
            return Err(TargetError::Https {
                url: url.to_owned(),
            });
        }
        let malformed = |detail: String| TargetError::MalformedEndpoint {
            url: url.to_owned(),
            detail,
        };
        let rest = url
            .get("http://".len()..)
            .filter(|_| lower.starts_with("http://"))
            .ok_or_else(|| malformed("it does not start with http://".to_owned()))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() {
            return Err(malformed("it names no host".to_owned()));
        }
        if rest.contains(['/', '?', '#', '@']) {
            return Err(malformed(
                "a path, query, fragment or user info is not supported".to_owned(),
            ));
        }
        let authority = Authority::from_str(rest).map_err(|err| malformed(err.to_string()))?;
        Ok(Self { authority })
    }

    /// `host[:port]`, the `Host` header every request carries.
    pub fn authority(&self) -> &str {
        self.authority.as_str()
    }

    /// `http://host[:port]`.
    pub fn url(&self) -> String {
        format!("http://{}", self.authority)
    }
}

/// An access key pair, and the session token of temporary credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: SecretKey,
    pub session_token: Option<SessionToken>,
}

/// A session token. Its `Debug` never shows the token.
#[derive(Clone)]
pub struct SessionToken(String);

impl SessionToken {
    /// Wraps a session token.
    pub fn new(token: String) -> Self {
        Self(token)
    }

    /// The token itself, for the `X-Amz-Security-Token` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(
        endpoint_url: Option<&str>,
        region: Option<&str>,
        env: &[(&str, &str)],
    ) -> Result<Target, TargetError> {
        let flags = TargetFlags {
            endpoint_url: endpoint_url.map(str::to_owned),
            region: region.map(str::to_owned),
            world: WorldSource::Default,
        };
        Target::resolve(flags, |name| {
            env.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    /// One resolution: what was given, and the endpoint, key and region it resolves to.
    struct Case {
        name: &'static str,
        endpoint_url: Option<&'static str>,
        region: Option<&'static str>,
        env: &'static [(&'static str, &'static str)],
        want: (&'static str, &'static str, &'static str),
    }

    #[test]
    fn flags_then_environment_then_world() {
        let cases = [
            Case {
                name: "defaults_from_the_world",
                endpoint_url: None,
                region: None,
                env: &[],
                want: ("127.0.0.1:4772", "test", "us-west-2"),
            },
            Case {
                name: "flags_win",
                endpoint_url: Some("http://localhost:9000/"),
                region: Some("eu-west-1"),
                env: &[
                    ("AWS_ENDPOINT_URL", "http://other:1"),
                    ("AWS_REGION", "ap-south-1"),
                ],
                want: ("localhost:9000", "test", "eu-west-1"),
            },
            Case {
                name: "environment_endpoint_and_region",
                endpoint_url: None,
                region: None,
                env: &[
                    ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
                    ("AWS_DEFAULT_REGION", "us-east-2"),
                ],
                want: ("127.0.0.1:5000", "test", "us-east-2"),
            },
            Case {
                name: "aws_region_before_aws_default_region",
                endpoint_url: None,
                region: None,
                env: &[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_DEFAULT_REGION", "us-east-2"),
                ],
                want: ("127.0.0.1:4772", "test", "us-east-1"),
            },
            Case {
                name: "environment_keys",
                endpoint_url: None,
                region: None,
                env: &[
                    ("AWS_ACCESS_KEY_ID", "AKIDENV"),
                    ("AWS_SECRET_ACCESS_KEY", "s"),
                ],
                want: ("127.0.0.1:4772", "AKIDENV", "us-west-2"),
            },
            Case {
                name: "empty_values_are_unset",
                endpoint_url: None,
                region: None,
                env: &[
                    ("AWS_ENDPOINT_URL", ""),
                    ("AWS_ACCESS_KEY_ID", ""),
                    ("AWS_REGION", ""),
                ],
                want: ("127.0.0.1:4772", "test", "us-west-2"),
            },
        ];
        for case in cases {
            let name = case.name;
            let target = resolve(case.endpoint_url, case.region, case.env)
                .unwrap_or_else(|err| panic!("case {name}: {err}"));
            let got = (
                target.endpoint.authority(),
                target.credentials.access_key_id.as_str(),
                target.region.as_str(),
            );
            assert_eq!(got, case.want, "case {name}");
        }
    }

    #[test]
    fn session_token_comes_with_environment_keys() {
        let env = [
            ("AWS_ACCESS_KEY_ID", "ASIAX"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_SESSION_TOKEN", "token"),
        ];
        let target = resolve(None, None, &env).unwrap_or_else(|err| panic!("{err}"));
        let token = target.credentials.session_token;
        assert_eq!(token.as_ref().map(SessionToken::expose), Some("token"));
        assert_eq!(format!("{token:?}"), "Some(SessionToken(<redacted>))");
    }

    #[test]
    fn refusals() {
        type Env = &'static [(&'static str, &'static str)];
        let cases: [(&str, Option<&str>, Env, &str); 6] = [
            (
                "https",
                Some("https://localhost:4772"),
                &[],
                "only http:// endpoints",
            ),
            (
                "no_scheme",
                Some("localhost:4772"),
                &[],
                "does not start with http://",
            ),
            (
                "path",
                Some("http://localhost:4772/prefix"),
                &[],
                "a path, query",
            ),
            ("no_host", Some("http://"), &[], "names no host"),
            (
                "key_without_secret",
                None,
                &[("AWS_ACCESS_KEY_ID", "AKID")],
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
            ),
            (
                "secret_without_key",
                None,
                &[("AWS_SECRET_ACCESS_KEY", "s")],
                "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not",
            ),
        ];
        for (name, endpoint_url, env, want) in cases {
            match resolve(endpoint_url, None, env) {
                Ok(target) => panic!("case {name}: resolved to {target:?}"),
                Err(err) => assert!(err.to_string().contains(want), "case {name}: {err}"),
            }
        }
    }
}
