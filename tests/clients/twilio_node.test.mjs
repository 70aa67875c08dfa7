// npm `twilio` (the version pinned in package.json), unchanged, against confab over plain HTTP.
//
// Pointing it at confab: the v2010 API lives on the `api` domain, whose baseUrl ("https://api.twilio.com")
// is joined with "/2010-04-01" and the resource path, and with next_page_uri when paging
// (lib/base/Domain.js absoluteUrl, lib/base/Page.js). So `client.api.baseUrl = CONFAB_URL` is the whole
// change. twilio-node >= 4 refuses an account sid that does not start with "AC" and confab's project ids
// are UUIDs, so the client is built as @signalwire/compatibility-api builds its own: "AC" + project id to
// pass the constructor's check, then the real id put back as username and accountSid (before the first
// request, which reads them).
//
// Run by tests/integration/test_node_sdks.py (see conference_suite.mjs for the environment).

import { createRequire } from 'node:module';
import { conferenceSuite, env } from './conference_suite.mjs';

const require = createRequire(import.meta.url);
const twilio = require('twilio');

const base = env('CONFAB_URL').replace(/\/+$/, '');
const projectId = env('PROJECT_ID');
const token = env('TOKEN');

function makeClient(id, secret) {
  const client = twilio('AC' + id, secret);
  client.username = id;
  client.accountSid = id;
  client.api.baseUrl = base;
  return client;
}

conferenceSuite({
  sdk: `twilio-node ${require('twilio/package.json').version}`,
  client: makeClient(projectId, token),
  makeClient,
  base,
  projectId,
  token,
  isRestException: (e) => e instanceof twilio.RestException,
});
