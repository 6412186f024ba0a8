"""The official Python `kubernetes` client against irsa-local: a second real Kubernetes
client beside kubectl. It loads the kubeconfig `irsa-local kubeconfig` prints and does
the workshop's CRUD: ServiceAccounts (with the role annotation), a TokenRequest whose
token assumes the role through STS, namespaces, and the workshop pod, admitted and
mutated, then deleted with its uid."""

import boto3
import kubernetes
import pytest

ROLE_ARN = "arn:aws:iam::111122223333:role/iam-test"
ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"


@pytest.fixture
def core(server, tmp_path):
    config = server.kubeconfig(tmp_path)
    client = kubernetes.config.new_client_from_config(config_file=str(config))
    return kubernetes.client.CoreV1Api(client)


def test_service_accounts_and_tokens(core, server):
    workshop = core.read_namespaced_service_account("iam-test", "default")
    assert workshop.metadata.annotations[ROLE_ANNOTATION] == ROLE_ARN

    body = kubernetes.client.V1ServiceAccount(metadata=kubernetes.client.V1ObjectMeta(
        name="from-python", labels={"team": "a"}, annotations={ROLE_ANNOTATION: ROLE_ARN}))
    created = core.create_namespaced_service_account("default", body)
    assert created.metadata.uid and created.metadata.labels == {"team": "a"}
    names = [sa.metadata.name for sa in core.list_namespaced_service_account("default").items]
    assert "from-python" in names and "iam-test" in names, names
    patched = core.patch_namespaced_service_account("from-python", "default",
                                                    {"metadata": {"labels": {"team": "b"}}})
    assert patched.metadata.labels == {"team": "b"}

    request = kubernetes.client.AuthenticationV1TokenRequest(
        spec=kubernetes.client.V1TokenRequestSpec(audiences=["sts.amazonaws.com"],
                                                  expiration_seconds=3600))
    sts = boto3.client("sts", endpoint_url=server.url, region_name="us-west-2",
                       aws_access_key_id="unused", aws_secret_access_key="unused")
    # iam-test's trust policy names system:serviceaccount:default:iam-test only: another
    # account's token, annotation or not, is refused as AWS refuses it.
    other = core.create_namespaced_service_account_token("from-python", "default", request)
    with pytest.raises(sts.exceptions.ClientError) as refused:
        sts.assume_role_with_web_identity(RoleArn=ROLE_ARN, RoleSessionName="python",
                                          WebIdentityToken=other.status.token)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    minted = core.create_namespaced_service_account_token("iam-test", "default", request)
    assumed = sts.assume_role_with_web_identity(RoleArn=ROLE_ARN, RoleSessionName="python",
                                                WebIdentityToken=minted.status.token)
    assert assumed["SubjectFromWebIdentityToken"] == "system:serviceaccount:default:iam-test"

    deleted = core.delete_namespaced_service_account("from-python", "default")
    assert deleted.metadata.uid == created.metadata.uid, "the stored uid, not a new one"
    with pytest.raises(kubernetes.client.ApiException) as gone:
        core.read_namespaced_service_account("from-python", "default")
    assert gone.value.status == 404


def test_namespaces_and_pods(core):
    namespaces = [ns.metadata.name for ns in core.list_namespace().items]
    for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert name in namespaces, namespaces

    pod = kubernetes.client.V1Pod(
        metadata=kubernetes.client.V1ObjectMeta(name="eks-iam-test4"),
        spec=kubernetes.client.V1PodSpec(
            service_account_name="iam-test", restart_policy="Never",
            containers=[kubernetes.client.V1Container(
                name="eks-iam-test", image="amazon/aws-cli:latest", args=["s3", "ls"])]))
    created = core.create_namespaced_pod("default", pod)
    env = {e.name: e.value for e in created.spec.containers[0].env}
    assert env["AWS_ROLE_ARN"] == ROLE_ARN
    assert created.spec.volumes[0].name == "aws-iam-token"
    assert created.status.phase == "Pending"
    listed = core.list_namespaced_pod("default", label_selector="", field_selector="metadata.name=eks-iam-test4")
    assert [p.metadata.name for p in listed.items] == ["eks-iam-test4"]
    deleted = core.delete_namespaced_pod("eks-iam-test4", "default")
    assert deleted.metadata.uid == created.metadata.uid
    with pytest.raises(kubernetes.client.ApiException) as gone:
        core.read_namespaced_pod("eks-iam-test4", "default")
    assert gone.value.status == 404


def test_read_only_kinds(core):
    root_ca = core.read_namespaced_config_map("kube-root-ca.crt", "kube-system")
    assert "ca.crt" in root_ca.data
    assert [m.metadata.name for m in core.list_namespaced_config_map("default").items] == [
        "kube-root-ca.crt"]
    assert core.list_namespaced_secret("default").items == []
    assert core.list_event_for_all_namespaces().items == []
    with pytest.raises(kubernetes.client.exceptions.ApiException) as missing:
        core.read_namespaced_secret("token", "default")
    assert missing.value.status == 404


def test_a_watch_from_the_lists_version_sees_what_changed_since(core):
    """An informer lists, then watches from the list's resourceVersion. A pod deleted
    between the two (as `kubectl wait --for=delete` races `kubectl delete`) must still be
    seen to go, and one created since to come; what changed before the list is not sent
    again."""
    def pod(name):
        return kubernetes.client.V1Pod(
            metadata=kubernetes.client.V1ObjectMeta(name=name),
            spec=kubernetes.client.V1PodSpec(containers=[kubernetes.client.V1Container(
                name="app", image="amazon/aws-cli:latest")]))

    core.create_namespaced_pod("default", pod("before-the-list"))
    core.create_namespaced_pod("default", pod("deleted-after"))
    version = core.list_namespaced_pod("default").metadata.resource_version
    core.delete_namespaced_pod("deleted-after", "default")
    core.create_namespaced_pod("default", pod("created-after"))

    seen = []
    for event in kubernetes.watch.Watch().stream(
            core.list_namespaced_pod, "default", resource_version=version, timeout_seconds=2):
        seen.append((event["type"], event["object"].metadata.name))
    assert seen == [("DELETED", "deleted-after"), ("ADDED", "created-after")], seen
    # Versions only grow, deletions included: a new list is past the old one.
    listed = core.list_namespaced_pod("default").metadata.resource_version
    assert int(listed) > int(version), (listed, version)
