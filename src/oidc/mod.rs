//! The OIDC issuer of each cluster: discovery documents and JWKS, in the shape EKS serves
//! them, plus the keys, minting and inspection they rest on.
//!
//! The issuer string in tokens is the cluster's EKS-shaped issuer, not this server's URL;
//! `jwks_uri` points back at this server, built from `--public-url` or the request's Host.

pub mod defect;
pub mod discovery;
pub mod http;
pub mod inspect;
pub mod keyring;
pub mod keys;
pub mod mint;
pub mod verify;
