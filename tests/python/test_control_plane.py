"""The workshop's IAM and EKS aws-cli commands, run verbatim through a shell with the
admin credentials and AWS_ENDPOINT_URL, give the workshop's answers."""

import subprocess

from test_sts import irsa_env, write_token
from test_workshop import AWS_CLI, admin_env, aws

ISSUER_ID = "80D562ED8026E91294D52E09BEA261D4"


def shell(env, script):
    env = dict(env, PATH=f"{AWS_CLI.rsplit('/', 1)[0]}:{env['PATH']}")
    return subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, check=False)


def test_workshop_commands_run_verbatim(server, tmp_path):
    env = admin_env(server, tmp_path)
    oidc_id = shell(env, "aws eks describe-cluster --name eksworkshop-eksctl "
                         "--query \"cluster.identity.oidc.issuer\" --output text | cut -d '/' -f 5")
    assert oidc_id.stdout.strip() == ISSUER_ID, oidc_id.stderr
    provider = shell(env, f"aws iam list-open-id-connect-providers | grep {ISSUER_ID} | cut -d \"/\" -f4")
    assert provider.stdout.strip().rstrip('"') == ISSUER_ID, provider.stderr
    arns = shell(env, "aws iam list-policies --query 'Policies[?PolicyName==`AmazonS3ReadOnlyAccess`].Arn' --output text")
    assert arns.stdout.strip() == "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", arns.stderr


def test_control_plane_errors_and_permissions(server, tmp_path):
    admin = admin_env(server, tmp_path)
    missing = aws(admin, "eks", "describe-cluster", "--name", "no-such-cluster")
    assert missing.returncode != 0 and "ResourceNotFoundException" in missing.stderr
    no_role = aws(admin, "iam", "get-role", "--role-name", "no-such-role")
    assert no_role.returncode != 0 and "NoSuchEntity" in no_role.stderr
    role = aws(admin, "iam", "get-role", "--role-name", "iam-test", "--query", "Role.Arn", "--output", "text")
    assert role.stdout.strip() == "arn:aws:iam::111122223333:role/iam-test", role.stderr

    # The pod's role has AmazonS3ReadOnlyAccess only: IAM and EKS are refused.
    pod = irsa_env(server, write_token(server, tmp_path / "token"), tmp_path)
    refused = aws(pod, "iam", "list-policies")
    assert refused.returncode != 0 and "AccessDenied" in refused.stderr
    refused = aws(pod, "eks", "list-clusters")
    assert refused.returncode != 0 and "AccessDeniedException" in refused.stderr
