//! End-to-end tests: the real router over HTTP on an ephemeral port, and the real binary
//! for start-up, restart and exit-code behaviour.

mod admission;
mod bad_input;
mod cli;
mod create_iamserviceaccount;
mod explain;
mod flood;
mod hostile;
mod lint;
mod mutate_cli;
mod oidc;
mod pod_env;
mod pod_identity;
mod restart;
mod rust_sdk;
mod service_accounts;
mod signed_refusals;
mod sts;
mod sts_refusals;
mod support;
mod token_files;
mod token_request;
