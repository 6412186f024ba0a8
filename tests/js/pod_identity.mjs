// The AWS SDK for JavaScript v3 as a pod under EKS Pod Identity: the process has only
// AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, the region
// and the endpoint. Prints one JSON object for tests/python/test_pod_identity.py to check:
// the credentials the default chain (fromNodeProviderChain) and the container provider
// (fromHttp, the one the chain picks for a full URI) found, and the caller STS names
// when the client signs with the default chain's credentials.
import { fromHttp, fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const summary = (credentials) => ({
  accessKeyId: credentials.accessKeyId,
  secretLength: credentials.secretAccessKey.length,
  hasSessionToken: Boolean(credentials.sessionToken),
  expiration: credentials.expiration ? credentials.expiration.toISOString() : null,
});

// The providers wait 1 s by default; a debug build on a busy CI machine may need more.
const chain = await fromNodeProviderChain({ timeout: 10000 })();
const http = await fromHttp({ timeout: 10000, maxRetries: 1 })();
// The endpoint comes from AWS_ENDPOINT_URL, the region from AWS_REGION.
const identity = await new STSClient({
  credentials: fromNodeProviderChain({ timeout: 10000 }),
}).send(new GetCallerIdentityCommand({}));

process.stdout.write(
  JSON.stringify({
    chain: summary(chain),
    http: summary(http),
    callerArn: identity.Arn,
    callerAccount: identity.Account,
  }) + "\n",
);
