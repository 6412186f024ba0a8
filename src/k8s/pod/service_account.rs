//! The ServiceAccount admission plugin: the pod runs as `spec.serviceAccountName`
//! (`default` when empty), which must exist, and gets the `kube-api-access-<5 chars>`
//! projected volume (a token, the cluster CA, the namespace) mounted read-only in every
//! container, unless `automountServiceAccountToken` is false.
//! <https://github.com/kubernetes/kubernetes/blob/master/plugin/pkg/admission/serviceaccount/admission.go>

use rand::Rng;
use serde_json::{json, Value};

use super::super::status::Status;
use crate::world::Cluster;

/// Where the API access volume is mounted.
pub const MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// The token lifetime of the API access volume (an hour, plus the kubelet's 7 s).
const EXPIRATION_SECONDS: i64 = 3607;
/// The characters of generated name suffixes (no vowels, no look-alikes).
const SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Admits `pod` (named `name`, in `namespace`) for its service account.
pub fn admit(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    pod: &mut Value,
) -> Result<(), Status> {
    let account = match pod
        .pointer("/spec/serviceAccountName")
        .and_then(Value::as_str)
    {
        Some(account) if !account.is_empty() => account.to_owned(),
        _ => "default".to_owned(),
    };
    // Every namespace has its `default` account, as the controller manager makes it.
    let declared = cluster.service_account(namespace, &account);
    if declared.is_none() && account != "default" {
        return Err(Status::forbidden(
            "pods",
            name,
            &format!(
                "error looking up service account {namespace}/{account}: serviceaccount \"{account}\" not found"
            ),
        ));
    }
    pod["spec"]["serviceAccountName"] = json!(account);
    pod["spec"]["serviceAccount"] = json!(account);
    let automount = pod
        .pointer("/spec/automountServiceAccountToken")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if !automount {
        return Ok(());
    }
    let volume = format!("kube-api-access-{}", random_suffix());
    let volumes = pod["spec"]
        .as_object_mut()
        .map(|spec| spec.entry("volumes").or_insert_with(|| json!([])));
    if let Some(Value::Array(volumes)) = volumes {
        volumes.push(json!({
            "name": volume,
            "projected": {
                "defaultMode": 420,
                "sources": [
                    {"serviceAccountToken": {"expirationSeconds": EXPIRATION_SECONDS, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace",
                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
                ]
            }
        }));
    }
    for list in ["initContainers", "containers"] {
        let Some(Value::Array(containers)) = pod["spec"].get_mut(list) else {
            continue;
        };
        for container in containers.iter_mut().filter_map(Value::as_object_mut) {
            let mounts = container.entry("volumeMounts").or_insert_with(|| json!([]));
            let Value::Array(mounts) = mounts else {
                continue;
            };
            let taken = mounts
                .iter()
                .any(|mount| mount.get("mountPath").and_then(Value::as_str) == Some(MOUNT_PATH));
            if !taken {
                mounts.push(json!({"mountPath": MOUNT_PATH, "name": volume, "readOnly": true}));
            }
        }
    }
    Ok(())
}

/// Five random characters, as kube-apiserver suffixes generated names.
pub fn random_suffix() -> String {
    let mut rng = rand::thread_rng();
    (0..5)
        .map(|_| char::from(SUFFIX_ALPHABET[rng.gen_range(0..SUFFIX_ALPHABET.len())]))
        .collect()
}
