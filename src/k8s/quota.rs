//! How many objects of each kind a cluster holds: every object lives in memory and in the
//! saved state, so an unauthenticated client must not grow them without end. A create
//! past the cap is refused as kube-apiserver's ResourceQuota admission refuses an object
//! count quota (`count/<resource>`), 403 `Forbidden` with its message, which tells the
//! user what was exceeded and that deleting objects makes room.
//! <https://kubernetes.io/docs/concepts/policy/resource-quotas/#object-count-quota>

use super::status::Status;

/// The most objects of one kind (namespaces, ServiceAccounts, pods) in one cluster. With
/// annotations capped at 256 KiB an object, it bounds what a cluster can hold; it leaves
/// room for thousands of creates in a benchmark.
pub const MAX_OBJECTS_PER_KIND: usize = 10_000;
/// The quota's name in the refusal.
const QUOTA_NAME: &str = "irsa-local-object-count";

/// Refuses one more `resource` named `name` when the cluster already holds `used`.
pub fn admit(resource: &'static str, name: &str, used: usize) -> Result<(), Status> {
    admit_within(resource, name, used, MAX_OBJECTS_PER_KIND)
}

fn admit_within(
    resource: &'static str,
    name: &str,
    used: usize,
    limit: usize,
) -> Result<(), Status> {
    if used < limit {
        return Ok(());
    }
    let count = format!("count/{resource}");
    Err(Status::forbidden(
        resource,
        name,
        &format!(
            "exceeded quota: {QUOTA_NAME}, requested: {count}=1, used: {count}={used}, limited: {count}={limit}"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_object_fits_and_the_next_is_refused() {
        assert!(admit_within("serviceaccounts", "a", 2, 3).is_ok());
        let refused = admit_within("serviceaccounts", "b", 3, 3).unwrap_err();
        assert_eq!((refused.code.as_u16(), refused.reason), (403, "Forbidden"));
        assert_eq!(
            refused.message,
            "serviceaccounts \"b\" is forbidden: exceeded quota: irsa-local-object-count, \
             requested: count/serviceaccounts=1, used: count/serviceaccounts=3, \
             limited: count/serviceaccounts=3"
        );
    }
}
