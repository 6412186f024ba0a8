//! What kube-apiserver fills into a pod that the client left out, before admission and
//! again after each webhook's patch (so webhook-added volumes get their defaults too).
//! <https://github.com/kubernetes/kubernetes/blob/master/pkg/apis/core/v1/defaults.go>

use serde_json::{json, Map, Value};

/// The projected, secret, configMap and downwardAPI volumes' file mode: 0644.
const DEFAULT_MODE: i64 = 420;
/// A projected service-account token's lifetime when the pod names none.
const TOKEN_EXPIRATION_SECONDS: i64 = 3600;
/// Tolerations DefaultTolerationSeconds adds, unless the pod tolerates the taint already.
const NOT_READY_TAINTS: [&str; 2] = [
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
];

/// Fills in the defaults of `spec` (a pod's `spec` object).
pub fn apply(spec: &mut Map<String, Value>) {
    for (key, value) in [
        ("restartPolicy", json!("Always")),
        ("dnsPolicy", json!("ClusterFirst")),
        ("securityContext", json!({})),
        ("terminationGracePeriodSeconds", json!(30)),
        ("schedulerName", json!("default-scheduler")),
        ("enableServiceLinks", json!(true)),
        ("priority", json!(0)),
        ("preemptionPolicy", json!("PreemptLowerPriority")),
    ] {
        spec.entry(key).or_insert(value);
    }
    for list in ["initContainers", "containers"] {
        if let Some(Value::Array(containers)) = spec.get_mut(list) {
            containers
                .iter_mut()
                .filter_map(Value::as_object_mut)
                .for_each(container);
        }
    }
    if let Some(Value::Array(volumes)) = spec.get_mut("volumes") {
        volumes
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(volume);
    }
    tolerations(spec);
}

/// `Always` for an image with no tag and no digest, or the tag `latest`; otherwise
/// `IfNotPresent`.
pub fn image_pull_policy(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) if tag != "latest" => "IfNotPresent",
        _ => "Always",
    }
}

fn container(container: &mut Map<String, Value>) {
    let pull = container
        .get("image")
        .and_then(Value::as_str)
        .map(image_pull_policy)
        .unwrap_or("Always");
    for (key, value) in [
        ("imagePullPolicy", json!(pull)),
        ("resources", json!({})),
        ("terminationMessagePath", json!("/dev/termination-log")),
        ("terminationMessagePolicy", json!("File")),
    ] {
        container.entry(key).or_insert(value);
    }
    if let Some(Value::Array(ports)) = container.get_mut("ports") {
        for port in ports.iter_mut().filter_map(Value::as_object_mut) {
            port.entry("protocol").or_insert(json!("TCP"));
        }
    }
    if let Some(Value::Array(env)) = container.get_mut("env") {
        for field_ref in env
            .iter_mut()
            .filter_map(|var| var.pointer_mut("/valueFrom/fieldRef"))
            .filter_map(Value::as_object_mut)
        {
            field_ref.entry("apiVersion").or_insert(json!("v1"));
        }
    }
}

fn volume(volume: &mut Map<String, Value>) {
    for kind in ["projected", "secret", "configMap", "downwardAPI"] {
        if let Some(Value::Object(source)) = volume.get_mut(kind) {
            source.entry("defaultMode").or_insert(json!(DEFAULT_MODE));
        }
    }
    let sources = volume
        .get_mut("projected")
        .and_then(|projected| projected.get_mut("sources"));
    if let Some(Value::Array(sources)) = sources {
        for source in sources.iter_mut() {
            if let Some(Value::Object(token)) = source.get_mut("serviceAccountToken") {
                token
                    .entry("expirationSeconds")
                    .or_insert(json!(TOKEN_EXPIRATION_SECONDS));
            }
            if let Some(Value::Array(items)) = source.pointer_mut("/downwardAPI/items") {
                for field_ref in items
                    .iter_mut()
                    .filter_map(|item| item.get_mut("fieldRef"))
                    .filter_map(Value::as_object_mut)
                {
                    field_ref.entry("apiVersion").or_insert(json!("v1"));
                }
            }
        }
    }
}

fn tolerations(spec: &mut Map<String, Value>) {
    let tolerations = spec.entry("tolerations").or_insert_with(|| json!([]));
    let Value::Array(tolerations) = tolerations else {
        return;
    };
    for taint in NOT_READY_TAINTS {
        let tolerated = tolerations.iter().any(|toleration| {
            let key = toleration.get("key").and_then(Value::as_str);
            let effect = toleration.get("effect").and_then(Value::as_str);
            (key == Some(taint) || key.is_none())
                && (effect.is_none() || effect == Some("NoExecute"))
        });
        if !tolerated {
            tolerations.push(json!({
                "effect": "NoExecute",
                "key": taint,
                "operator": "Exists",
                "tolerationSeconds": 300,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policy_follows_the_tag() {
        let cases = [
            ("no_tag", "amazon/aws-cli", "Always"),
            ("latest", "amazon/aws-cli:latest", "Always"),
            ("tagged", "amazon/aws-cli:2.15.0", "IfNotPresent"),
            ("digest", "busybox@sha256:abc", "IfNotPresent"),
            ("registry_port_no_tag", "localhost:5000/app", "Always"),
            (
                "registry_port_tagged",
                "localhost:5000/app:1",
                "IfNotPresent",
            ),
        ];
        for (name, image, want) in cases {
            assert_eq!(image_pull_policy(image), want, "case {name}");
        }
    }

    #[test]
    fn a_bare_pod_gets_what_kube_apiserver_fills_in() {
        let mut spec = json!({
            "containers": [{"name": "app", "image": "amazon/aws-cli:latest",
                            "ports": [{"containerPort": 80}]}],
            "volumes": [{"name": "v", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}}]
        });
        apply(spec.as_object_mut().unwrap());
        assert_eq!(spec["restartPolicy"], "Always");
        assert_eq!(spec["dnsPolicy"], "ClusterFirst");
        assert_eq!(spec["schedulerName"], "default-scheduler");
        assert_eq!(spec["containers"][0]["imagePullPolicy"], "Always");
        assert_eq!(
            spec["containers"][0]["terminationMessagePath"],
            "/dev/termination-log"
        );
        assert_eq!(spec["containers"][0]["ports"][0]["protocol"], "TCP");
        assert_eq!(spec["volumes"][0]["projected"]["defaultMode"], 420);
        assert_eq!(
            spec["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"]
                ["expirationSeconds"],
            3600
        );
        let keys: Vec<&str> = spec["tolerations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, NOT_READY_TAINTS);
    }

    #[test]
    fn what_the_client_set_is_kept() {
        let mut spec = json!({
            "restartPolicy": "Never",
            "containers": [{"name": "app", "image": "x", "imagePullPolicy": "Never"}],
            "tolerations": [{"operator": "Exists"}]
        });
        apply(spec.as_object_mut().unwrap());
        assert_eq!(spec["restartPolicy"], "Never");
        assert_eq!(spec["containers"][0]["imagePullPolicy"], "Never");
        assert_eq!(
            spec["tolerations"].as_array().unwrap().len(),
            1,
            "tolerates every taint"
        );
    }
}
