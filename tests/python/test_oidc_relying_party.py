"""A real OIDC relying party (PyJWT's PyJWKClient) against irsa-local's issuer."""

import base64
import json

import jwt
import pytest
import requests

from conftest import ISSUER

TOKEN_PATH = "/api/v1/namespaces/default/serviceaccounts/iam-test/token"


def mint(server, body=None, path=TOKEN_PATH):
    reply = requests.post(server.url + path, json=body or {"spec": {"audiences": ["sts.amazonaws.com"]}},
                          timeout=10)
    assert reply.status_code == 201, reply.text
    return reply.json()["status"]["token"]


def verify(token, discovery_url):
    """What an OIDC relying party does: discovery, then JWKS by kid, then checks."""
    discovery = requests.get(discovery_url, timeout=10).json()
    signing_key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    return jwt.decode(token, signing_key.key, algorithms=discovery["id_token_signing_alg_values_supported"],
                      audience="sts.amazonaws.com", issuer=discovery["issuer"])


@pytest.mark.parametrize("discovery_path", [
    "/.well-known/openid-configuration",
    "/id/80D562ED8026E91294D52E09BEA261D4/.well-known/openid-configuration",
])
def test_minted_token_verifies_against_issuer_and_audience(server, discovery_path):
    claims = verify(mint(server), server.url + discovery_path)
    assert claims["iss"] == ISSUER
    assert claims["aud"] == ["sts.amazonaws.com"]
    assert claims["sub"] == "system:serviceaccount:default:iam-test"
    assert claims["kubernetes.io"]["serviceaccount"]["name"] == "iam-test"


def test_cli_token_verifies_through_the_running_server(server):
    minted = server.cli("token", "-n", "default", "-s", "iam-test")
    assert minted.returncode == 0, minted.stderr
    claims = verify(minted.stdout.strip(), server.url + "/.well-known/openid-configuration")
    assert claims["sub"] == "system:serviceaccount:default:iam-test"


def test_wrong_audience_is_rejected_by_the_relying_party(server):
    token = mint(server, {"spec": {"audiences": ["https://kubernetes.default.svc"]}})
    with pytest.raises(jwt.InvalidAudienceError):
        verify(token, server.url + "/.well-known/openid-configuration")


def test_tampered_claims_fail_the_signature_check(server):
    header, payload, signature = mint(server).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "system:serviceaccount:kube-system:admin"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verify(f"{header}.{forged_payload}.{signature}", server.url + "/.well-known/openid-configuration")


def test_discovery_and_jwks_headers_match_kubernetes(server):
    discovery = requests.get(server.url + "/.well-known/openid-configuration", timeout=10)
    assert discovery.headers["Content-Type"] == "application/json"
    assert discovery.headers["Cache-Control"] == "public, max-age=3600"
    jwks = requests.get(discovery.json()["jwks_uri"], timeout=10)
    assert jwks.headers["Content-Type"] == "application/jwk-set+json"
    assert [key["alg"] for key in jwks.json()["keys"]] == ["RS256"]
