//! The one authenticate-and-authorize step every AWS service's HTTP edge takes: a
//! [`Gate`] holds the world snapshot and the time for one request, authenticates the
//! request as a call to its service, and authorizes the caller's action. Each edge maps
//! the causes to its protocol's errors (`access::error` for query and rest-json).

use std::sync::Arc;

use axum::http::request::Parts;

use super::authenticate::{authenticate, authenticate_v2, AuthError, Service, Signature};
use super::{authorize, Caller, Denied, Request};
use crate::protocol::error::AwsError;
use crate::sigv4::{PayloadHash, Verified};
use crate::state::AppState;
use crate::store::{Snapshot, UpdateError};
use crate::world::World;

/// One request's view of the server: every check in it reads the same world at the
/// same time.
#[derive(Debug)]
pub struct Gate<'a> {
    state: &'a AppState,
    snapshot: Arc<Snapshot>,
    now: u64,
}

impl<'a> Gate<'a> {
    /// The current snapshot and time of `state`.
    pub fn new(state: &'a AppState) -> Self {
        Self {
            state,
            snapshot: state.current(),
            now: state.now(),
        }
    }

    /// The world every check of this request reads.
    pub fn world(&self) -> &World {
        self.snapshot.world()
    }

    /// The snapshot (world and keys) of this request.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The request time, in seconds since the Unix epoch.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Who signed the request in `parts` as a call to `service`; `payload` binds the body.
    pub fn authenticate(
        &self,
        parts: &Parts,
        signature: &Signature,
        service: Service,
        payload: PayloadHash,
    ) -> Result<(Caller, Verified), AuthError> {
        authenticate(
            self.world(),
            self.state.credential_secret(),
            parts,
            signature,
            service,
            payload,
            self.now,
        )
    }

    /// Who signed the S3 request in `parts` with SigV2; `virtual_host_bucket` is the
    /// bucket its `Host` names, which the signature covers.
    pub fn authenticate_v2(
        &self,
        parts: &Parts,
        virtual_host_bucket: Option<&str>,
    ) -> Result<Caller, AuthError> {
        authenticate_v2(
            self.world(),
            self.state.credential_secret(),
            parts,
            virtual_host_bucket,
            self.now,
        )
    }

    /// Whether `caller` may perform `action` on `resource`, given the service's own
    /// condition keys.
    pub fn authorize(&self, caller: &Caller, request: &Request<'_>) -> Result<(), Denied> {
        authorize(
            self.world(),
            caller,
            request,
            self.now,
            self.state.session_policies(),
        )
    }
}

/// A failed world update as the service reports it: the change's own refusal, or a
/// server fault named `fault_code` (IAM's `ServiceFailure`, EKS's `ServerException`).
pub fn update_error<E: Into<AwsError>>(err: UpdateError<E>, fault_code: &'static str) -> AwsError {
    match err {
        UpdateError::Rejected(err) => err.into(),
        UpdateError::Failed(reason) => AwsError::service_failure(fault_code, reason),
    }
}
