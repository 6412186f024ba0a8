//! GetCallerIdentity: who signed the request. It needs no permission and answers even
//! under an explicit deny, as AWS's does.
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>

use serde::Serialize;

use crate::access::Caller;

/// `GetCallerIdentityResult`.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    pub user_id: String,
    pub account: String,
    pub arn: String,
}

/// The identity of `caller`.
pub fn execute(caller: &Caller) -> Output {
    Output {
        user_id: caller.user_id(),
        account: caller.account_id().to_owned(),
        arn: caller.arn(),
    }
}
