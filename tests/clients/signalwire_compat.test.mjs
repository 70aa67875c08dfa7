// npm `@signalwire/compatibility-api` (the version pinned in package.json), unchanged, against confab over
// HTTPS, constructed exactly as SignalWire's documentation says:
//
//   const { RestClient } = require('@signalwire/compatibility-api')
//   const client = RestClient('your-project', 'your-token', { signalwireSpaceUrl: 'example.signalwire.com' })
//
// with confab's TLS listener as the space URL ("localhost:PORT"). RestClient wraps the twilio-node copy it
// bundles: "AC" + project id for twilio-node's constructor check, the raw project id put back as username
// and accountSid, and `client.api.baseUrl = "https://" + signalwireSpaceUrl`, so requests go to
// https://localhost:PORT/2010-04-01/Accounts/{project}/...json. HTTPS always: the server certificate is
// signed by a test certificate authority made at test time and trusted through NODE_EXTRA_CA_CERTS, which
// must be in the environment when node starts (tests/integration/test_node_sdks.py sets it).
//
// Run by tests/integration/test_node_sdks.py (see conference_suite.mjs for the environment).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { conferenceSuite, env } from './conference_suite.mjs';

const require = createRequire(import.meta.url);
const { RestClient } = require('@signalwire/compatibility-api');

const tlsUrl = new URL(env('CONFAB_TLS_URL'));
const signalwireSpaceUrl = tlsUrl.host; // "localhost:PORT": the certificate names localhost and 127.0.0.1
const projectId = env('PROJECT_ID');
const token = env('TOKEN');
env('NODE_EXTRA_CA_CERTS');
// The package's "exports" hides its package.json from require().
const { version } = JSON.parse(readFileSync(
  new URL('./node_modules/@signalwire/compatibility-api/package.json', import.meta.url), 'utf8'));

function makeClient(id, secret) {
  return RestClient(id, secret, { signalwireSpaceUrl });
}

conferenceSuite({
  sdk: `signalwire-compat ${version}`,
  client: makeClient(projectId, token),
  makeClient,
  base: `https://${signalwireSpaceUrl}`,
  projectId,
  token,
  // The SDK bundles its own twilio-node and does not export that copy's RestException class.
  isRestException: (e) => e instanceof Error && e.constructor.name === 'RestException',
});

test('signalwire-compat: the HTTPS is real: without NODE_EXTRA_CA_CERTS the test CA is not trusted', () => {
  const childEnv = { ...process.env };
  delete childEnv.NODE_EXTRA_CA_CERTS;
  const code = `
    const { RestClient } = require('@signalwire/compatibility-api');
    RestClient(process.env.PROJECT_ID, process.env.TOKEN, { signalwireSpaceUrl: ${JSON.stringify(signalwireSpaceUrl)} })
      .conferences.list({ limit: 1 })
      .then(() => console.log('TRUSTED'), (e) => console.log('REFUSED ' + (e.code || e.message)));`;
  const run = (e) => spawnSync(process.execPath, ['-e', code], {
    cwd: fileURLToPath(new URL('.', import.meta.url)), env: e, encoding: 'utf8', timeout: 30000 });
  const untrusted = run(childEnv);
  assert.match(untrusted.stdout, /^REFUSED (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/,
    `stdout: ${untrusted.stdout} stderr: ${untrusted.stderr}`);
  const trusted = run(process.env);
  assert.equal(trusted.stdout.trim(), 'TRUSTED', `stdout: ${trusted.stdout} stderr: ${trusted.stderr}`);
});
