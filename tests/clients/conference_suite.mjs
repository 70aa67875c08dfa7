// The Conference family, driven through one official Node SDK against a running confab.
//
// Both SDK suites (twilio_node.test.mjs, signalwire_compat.test.mjs) call conferenceSuite() with a client
// built the SDK's own way; everything here goes through the SDK's public calls (list/each/page/fetch/
// update/create/remove), never a hand-made request. The only thing added to a client is a spy on its
// HTTP client's request() that records what the SDK asked for (method, URL, query, headers) and then
// does the real request unchanged.
//
// Run by tests/integration/test_node_sdks.py, which starts confab and sets the environment:
//   CONFAB_URL (http://127.0.0.1:PORT), CONFAB_TLS_URL (https://localhost:TLSPORT), PROJECT_ID, TOKEN,
//   NODE_EXTRA_CA_CERTS (the test certificate authority of the TLS listener).
// Several suites may share the project at once, so every check on a list either filters by names this
// suite made or only asserts that its own items are there, in order, and that the others match the filter.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

export const MORE_INFO = 'https://developer.signalwire.com/compatibility-api/reference/error-codes';
export const FROM = '+15550001111';
const ANNOUNCE = 'http://127.0.0.1:9/announce.xml'; // nothing listens there; the fetch fails after the answer
const WAIT_MS = 10000; // the simulated engine answers at once; 10 s leaves room for the sanitizer build
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run these suites through tests/integration/test_node_sdks.py`);
  return v;
}

export function uniqueName(tag) {
  return `${tag}-${randomUUID().slice(0, 12)}`;
}

function uniqueNumber() {
  return '+1555' + String(Math.floor(Math.random() * 1e7)).padStart(7, '0');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn() until it returns something truthy; returns it. */
export async function waitFor(fn, what, timeout = WAIT_MS) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
    } catch (e) {
      last = e;
    }
    if (last && !(last instanceof Error)) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last: ${last && (last.stack || last)}`);
    }
    await sleep(25);
  }
}

/** Records every request the SDK's HTTP client makes (it still makes them). */
export function spy(client) {
  const http = client.httpClient;
  const real = http.request.bind(http);
  const seen = [];
  http.request = (opts) => {
    seen.push({ method: String(opts.method).toUpperCase(), uri: opts.uri, params: opts.params,
                data: opts.data, headers: { ...(opts.headers || {}) } });
    return real(opts);
  };
  return seen;
}

/** Every item through the SDK's each() with a done callback (the same call in both SDK generations). */
export function eachAll(listInstance, params) {
  return new Promise((resolve, reject) => {
    const got = [];
    listInstance.each({ ...params, done: (err) => (err ? reject(err) : resolve(got)) }, (item) => {
      got.push(item);
    });
  });
}

/** Asserts that promise rejects with the SDK's RestException carrying this HTTP status and code. */
export async function expectRestError(promise, status, code, isRestException) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected a RestException ${status}/${code}, but the call succeeded`);
  assert.ok(isRestException(err), `expected the SDK's RestException, got ${err && err.constructor && err.constructor.name}: ${err && err.stack}`);
  assert.equal(err.status, status, `HTTP status of ${err.message}`);
  assert.equal(err.code, code, `error code of ${err.message}`);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0 && !err.message.startsWith('[HTTP'), `the server's message: ${err.message}`);
  assert.equal(err.moreInfo, MORE_INFO);
  return err;
}

const day = (d) => d.toISOString().slice(0, 10);
const addDays = (d, n) => new Date(d.getTime() + n * 86400000);
const sids = (items) => items.map((x) => x.sid);
const callSids = (items) => items.map((x) => x.callSid).sort();

/**
 * opts: { sdk: label, client, base: the URL the SDK's api domain should use, projectId, token,
 *         makeClient(projectId, token) -> client, isRestException(err) -> bool }
 */
export function conferenceSuite(opts) {
  const { sdk, client, base, projectId, isRestException } = opts;
  const tag = sdk.split(' ')[0]; // names this suite gives its conferences start with it
  const seen = spy(client);
  const prefix = `${base}/2010-04-01/Accounts/${projectId}/`;
  const expectError = (p, status, code) => expectRestError(p, status, code, isRestException);

  async function addParticipant(conf, params = {}) {
    return client.conferences(conf).participants.create({ from: FROM, to: uniqueNumber(), ...params });
  }

  async function waitConnected(conf, callSid) {
    return waitFor(async () => {
      const p = await client.conferences(conf).participants(callSid).fetch();
      return p.status === 'in-progress' && p;
    }, `participant ${callSid} in-progress`);
  }

  async function waitConference(sid, status) {
    return waitFor(async () => {
      const c = await client.conferences(sid).fetch();
      return c.status === status && c;
    }, `conference ${sid} ${status}`);
  }

  /** A conference of n connected participants; returns { sid, name, parts }. */
  async function liveConference(n, name = uniqueName(`${tag}-live`), first = {}) {
    const parts = [];
    for (let i = 0; i < n; i++) parts.push(await addParticipant(name, i === 0 ? first : {}));
    const sid = parts[0].conferenceSid;
    for (const p of parts) await waitConnected(sid, p.callSid);
    return { sid, name, parts };
  }

  describe(`${sdk}: the SDK talks to confab`, () => {
    test('requests go to the configured base URL under /2010-04-01/Accounts/{project}', async () => {
      assert.equal(client.api.baseUrl, base);
      const mark = seen.length;
      await client.conferences.list({ pageSize: 1, limit: 1 });
      const req = seen[mark];
      assert.equal(req.method, 'GET');
      assert.equal(req.uri, `${prefix}Conferences.json`);
      assert.equal(req.params.PageSize, 1);
      assert.match(req.headers['User-Agent'], /^twilio-node\//);
      assert.equal(req.headers.Accept, 'application/json');
    });
  });

  describe(`${sdk}: conferences`, () => {
    // Five conferences named N: four ended through update(status=completed), the newest still live (init,
    // one participant). A live name is unique per project, so N can only be reused once it has ended.
    const N = uniqueName(`${tag}-list`);
    let five = []; // newest first
    let busy; // a started conference (two participants) under another name

    before(async () => {
      const made = [];
      for (let i = 0; i < 5; i++) {
        const p = await addParticipant(N);
        await waitConnected(p.conferenceSid, p.callSid);
        if (i < 4) {
          const ended = await client.conferences(p.conferenceSid).update({ status: 'completed' });
          assert.equal(ended.status, 'completed');
        }
        made.push(await client.conferences(p.conferenceSid).fetch());
      }
      five = made.reverse();
      busy = await liveConference(2);
      await waitConference(busy.sid, 'in-progress');
    });

    after(async () => {
      for (const sid of [five[0] && five[0].sid, busy && busy.sid]) {
        if (sid) await client.conferences(sid).update({ status: 'completed' }).catch(() => {});
      }
    });

    test('list({pageSize: 2}) auto-pages over three pages, following next_page_uri', async () => {
      const start = seen.length;
      const got = await client.conferences.list({ friendlyName: N, pageSize: 2 });
      assert.deepEqual(sids(got), sids(five), 'newest first, each once');
      const gets = seen.slice(start).filter((r) => r.method === 'GET');
      assert.equal(gets.length, 3, `five items at pageSize 2 take three pages: ${gets.map((g) => g.uri)}`);
      assert.equal(gets[0].uri, `${prefix}Conferences.json`);
      assert.deepEqual(gets[0].params, { FriendlyName: N, PageSize: 2 });
      for (const g of gets.slice(1)) {
        // the next page is base + next_page_uri: the full prefix, the filter, the size and a keyset token
        const u = new URL(g.uri);
        assert.ok([`${prefix}Conferences.json`, `${prefix}Conferences`].includes(u.origin + u.pathname), g.uri);
        assert.equal(u.searchParams.get('FriendlyName'), N);
        assert.equal(u.searchParams.get('PageSize'), '2');
        assert.match(u.searchParams.get('PageToken'), /^PA/);
      }
    });

    test('each() streams every item across pages and calls done once', async () => {
      const got = await eachAll(client.conferences, { friendlyName: N, pageSize: 2 });
      assert.deepEqual(sids(got), sids(five));
      const limited = await client.conferences.list({ friendlyName: N, pageSize: 2, limit: 3 });
      assert.deepEqual(sids(limited), sids(five).slice(0, 3));
    });

    test('page() walks forward with nextPage() and back with previousPage()', async () => {
      const p1 = await client.conferences.page({ friendlyName: N, pageSize: 2 });
      const p2 = await p1.nextPage();
      const p3 = await p2.nextPage();
      assert.deepEqual([sids(p1.instances), sids(p2.instances), sids(p3.instances)],
        [sids(five).slice(0, 2), sids(five).slice(2, 4), sids(five).slice(4)]);
      assert.equal(p3.nextPage(), undefined, 'no next page after the last');
      assert.equal(p1.previousPage(), undefined, 'no previous page before the first');
      const back = await p3.previousPage();
      assert.deepEqual(sids(back.instances), sids(five).slice(2, 4));
      const front = await back.previousPage();
      assert.deepEqual(sids(front.instances), sids(five).slice(0, 2));
    });

    test('the unfiltered list pages over the whole project', async () => {
      const all = await eachAll(client.conferences, { pageSize: 7 });
      const ids = sids(all);
      assert.equal(new Set(ids).size, ids.length, 'no item twice');
      const ours = ids.filter((s) => sids(five).includes(s));
      assert.deepEqual(ours, sids(five), 'ours are all there, newest first');
      for (let i = 1; i < all.length; i++) {
        assert.ok(all[i - 1].dateCreated >= all[i].dateCreated, 'newest date_created first');
      }
    });

    test('Status filter', async () => {
      const byName = async (status) => sids(await client.conferences.list({ friendlyName: N, status }));
      assert.deepEqual(await byName('completed'), sids(five).slice(1));
      assert.deepEqual(await byName('init'), [five[0].sid]);
      assert.deepEqual(await byName('in-progress'), []);
      const running = await client.conferences.list({ status: 'in-progress', pageSize: 50 });
      assert.ok(sids(running).includes(busy.sid), 'the started conference is in-progress');
      assert.ok(running.every((c) => c.status === 'in-progress'), 'only in-progress ones');
      const both = await client.conferences.list({ status: 'in-progress', friendlyName: busy.name });
      assert.deepEqual(sids(both), [busy.sid]);
    });

    test('DateCreated, DateCreated<, DateCreated> filters (whole UTC days, both bounds inclusive)', async () => {
      const days = [...new Set(five.map((c) => day(c.dateCreated)))];
      for (const d of days) {
        const at = new Date(`${d}T12:00:00Z`);
        const want = (pred) => sids(five.filter((c) => pred(day(c.dateCreated))));
        const q = async (p) => sids(await client.conferences.list({ friendlyName: N, ...p }));
        assert.deepEqual(await q({ dateCreated: at }), want((x) => x === d));
        assert.deepEqual(await q({ dateCreatedBefore: at }), want((x) => x <= d));
        assert.deepEqual(await q({ dateCreatedAfter: at }), want((x) => x >= d));
        assert.deepEqual(await q({ dateCreatedBefore: addDays(at, -1) }), want((x) => x <= day(addDays(at, -1))));
        assert.deepEqual(await q({ dateCreatedAfter: addDays(at, 1) }), want((x) => x >= day(addDays(at, 1))));
        assert.deepEqual(await q({ dateCreatedAfter: addDays(at, -1), dateCreatedBefore: addDays(at, 1) }),
          sids(five));
      }
      assert.deepEqual(sids(await client.conferences.list({ friendlyName: N, dateCreated: new Date('2001-01-01') })), []);
    });

    test('DateUpdated, DateUpdated<, DateUpdated> filters', async () => {
      const fresh = [];
      for (const c of five) fresh.push(await client.conferences(c.sid).fetch());
      const days = [...new Set(fresh.map((c) => day(c.dateUpdated)))];
      for (const d of days) {
        const at = new Date(`${d}T00:00:00Z`);
        const want = (pred) => sids(fresh.filter((c) => pred(day(c.dateUpdated))));
        const q = async (p) => sids(await client.conferences.list({ friendlyName: N, pageSize: 2, ...p }));
        assert.deepEqual(await q({ dateUpdated: at }), want((x) => x === d));
        assert.deepEqual(await q({ dateUpdatedBefore: at }), want((x) => x <= d));
        assert.deepEqual(await q({ dateUpdatedAfter: at }), want((x) => x >= d));
        assert.deepEqual(await q({ dateUpdatedAfter: addDays(at, 1) }), want((x) => x >= day(addDays(at, 1))));
        assert.deepEqual(await q({ dateUpdatedBefore: addDays(at, -1) }), want((x) => x <= day(addDays(at, -1))));
      }
      // Every filter at once.
      const c = fresh[1];
      const got = await client.conferences.list({
        friendlyName: N, status: 'completed', dateCreated: c.dateCreated, dateCreatedBefore: c.dateCreated,
        dateCreatedAfter: c.dateCreated, dateUpdated: c.dateUpdated, dateUpdatedBefore: c.dateUpdated,
        dateUpdatedAfter: c.dateUpdated, pageSize: 1,
      });
      assert.ok(sids(got).includes(c.sid));
      assert.ok(got.every((x) => x.status === 'completed' && x.friendlyName === N));
    });

    test('fetch() returns the whole conference', async () => {
      const c = await client.conferences(busy.sid).fetch();
      assert.equal(c.sid, busy.sid);
      assert.match(c.sid, UUID_RE);
      assert.equal(c.accountSid, projectId);
      assert.equal(c.friendlyName, busy.name);
      assert.equal(c.status, 'in-progress');
      assert.equal(c.apiVersion, '2010-04-01');
      assert.equal(c.region, 'us1');
      assert.ok(c.dateCreated instanceof Date && !Number.isNaN(c.dateCreated.getTime()), 'date_created parsed');
      assert.ok(c.dateUpdated instanceof Date && c.dateUpdated >= c.dateCreated, 'date_updated parsed');
      assert.ok(Math.abs(Date.now() - c.dateCreated.getTime()) < 300000, 'created just now');
      assert.equal(c.uri, `/2010-04-01/Accounts/${projectId}/Conferences/${busy.sid}.json`);
      assert.deepEqual(c.subresourceUris, {
        participants: `/2010-04-01/Accounts/${projectId}/Conferences/${busy.sid}/Participants.json`,
        recordings: `/2010-04-01/Accounts/${projectId}/Conferences/${busy.sid}/Recordings.json`,
      });
      assert.equal(c.reasonConferenceEnded, null);
      assert.equal(c.callSidEndingConference, null);
      const ended = await client.conferences(five[1].sid).fetch();
      assert.equal(ended.status, 'completed');
      assert.equal(ended.reasonConferenceEnded, 'conference-ended-via-api');
    });

    test('update({announceUrl, announceMethod}) answers the running conference', async () => {
      const c = await client.conferences(busy.sid).update({ announceUrl: ANNOUNCE, announceMethod: 'GET' });
      assert.equal(c.sid, busy.sid);
      assert.equal(c.status, 'in-progress');
      const c2 = await client.conferences(busy.sid).update({ announceUrl: ANNOUNCE });
      assert.equal(c2.status, 'in-progress');
      const last = seen[seen.length - 1];
      assert.equal(last.method, 'POST');
      assert.equal(last.uri, `${prefix}Conferences/${busy.sid}.json`);
      assert.deepEqual(last.data, { AnnounceUrl: ANNOUNCE });
    });

    test('update({status: "completed"}) ends it; the participants go', async () => {
      const conf = await liveConference(2);
      const c = await client.conferences(conf.sid).update({ status: 'completed' });
      assert.equal(c.sid, conf.sid);
      assert.equal(c.status, 'completed');
      assert.equal(c.reasonConferenceEnded, 'conference-ended-via-api');
      assert.equal(c.callSidEndingConference, null);
      assert.deepEqual(await client.conferences(conf.sid).participants.list(), []);
      await expectError(client.conferences(conf.sid).participants(conf.parts[0].callSid).fetch(), 404, 20404);
      // A second end is SignalWire's 400/10000.
      await expectError(client.conferences(conf.sid).update({ status: 'completed' }), 400, 10000);
      await expectError(client.conferences(conf.sid).update({ announceUrl: ANNOUNCE }), 400, 10000);
    });
  });

  describe(`${sdk}: participants`, () => {
    let conf; // three participants: A muted, B plain, C coaching A
    let A, B, C;

    before(async () => {
      const name = uniqueName(`${tag}-parts`);
      A = await addParticipant(name, { muted: true, startConferenceOnEnter: true });
      const sid = A.conferenceSid;
      B = await addParticipant(sid, { label: 'b-label' });
      await waitConnected(sid, A.callSid);
      C = await addParticipant(sid, { endConferenceOnExit: false });
      await waitConnected(sid, B.callSid);
      await waitConnected(sid, C.callSid);
      // Coaching through update here; through create in the test below.
      C = await client.conferences(sid).participants(C.callSid).update({ coaching: true, callSidToCoach: A.callSid });
      conf = { sid, name };
    });

    test('create({coaching, callSidToCoach}) starts coaching at once (Twilio create parameters)',
      async () => {
        const p = await addParticipant(conf.sid, { coaching: true, callSidToCoach: A.callSid });
        try {
          assert.equal(p.coaching, true);
          assert.equal(p.callSidToCoach, A.callSid);
        } finally {
          await waitConnected(conf.sid, p.callSid);
          await client.conferences(conf.sid).participants(p.callSid).remove();
        }
      });

    after(async () => {
      if (conf) await client.conferences(conf.sid).update({ status: 'completed' }).catch(() => {});
    });

    test('create() answers the new participant (queued), then it connects', async () => {
      const name = uniqueName(`${tag}-create`);
      const to = uniqueNumber();
      const p = await client.conferences(name).participants.create({
        from: FROM, to, muted: false, startConferenceOnEnter: true, endConferenceOnExit: false,
        statusCallbackEvent: ['initiated', 'answered'], conferenceStatusCallbackEvent: ['start', 'end', 'join'],
        timeout: 30,
      });
      assert.match(p.callSid, UUID_RE);
      assert.match(p.conferenceSid, UUID_RE);
      assert.equal(p.accountSid, projectId);
      assert.equal(p.status, 'queued');
      assert.equal(p.muted, false);
      assert.equal(p.hold, false);
      assert.equal(p.coaching, false);
      assert.equal(p.startConferenceOnEnter, true);
      assert.equal(p.endConferenceOnExit, false);
      assert.ok(p.dateCreated instanceof Date);
      assert.equal(p.uri, `/2010-04-01/Accounts/${projectId}/Conferences/${p.conferenceSid}/Participants/${p.callSid}.json`);
      const req = seen[seen.length - 1];
      assert.equal(req.method, 'POST');
      assert.equal(req.uri, `${prefix}Conferences/${name}/Participants.json`);
      assert.equal(req.headers['Content-Type'], 'application/x-www-form-urlencoded');
      const live = await waitConnected(p.conferenceSid, p.callSid);
      assert.equal(live.callSid, p.callSid);
      const conference = await client.conferences(p.conferenceSid).fetch();
      assert.equal(conference.friendlyName, name);
      assert.equal(conference.status, 'init', 'one participant: not started');
      await client.conferences(p.conferenceSid).update({ status: 'completed' });
    });

    test('list() and its Muted, Hold and Coaching filters', async () => {
      const parts = client.conferences(conf.sid).participants;
      assert.deepEqual(callSids(await parts.list()), callSids([A, B, C]));
      assert.deepEqual(callSids(await eachAll(parts, { pageSize: 1 })), callSids([A, B, C]), 'pages of one');
      assert.deepEqual(callSids(await parts.list({ muted: true })), [A.callSid]);
      assert.deepEqual(callSids(await parts.list({ muted: false })), callSids([B, C]));
      assert.deepEqual(callSids(await parts.list({ coaching: true })), [C.callSid]);
      assert.deepEqual(callSids(await parts.list({ coaching: false })), callSids([A, B]));
      assert.deepEqual(callSids(await parts.list({ hold: true })), []);
      await parts(B.callSid).update({ hold: true });
      assert.deepEqual(callSids(await parts.list({ hold: true })), [B.callSid]);
      assert.deepEqual(callSids(await parts.list({ hold: false, muted: false })), [C.callSid]);
      await parts(B.callSid).update({ hold: false });
      assert.deepEqual(callSids(await parts.list({ hold: true })), []);
    });

    test('fetch() returns the participant', async () => {
      const p = await client.conferences(conf.sid).participants(C.callSid).fetch();
      assert.equal(p.callSid, C.callSid);
      assert.equal(p.conferenceSid, conf.sid);
      assert.equal(p.accountSid, projectId);
      assert.equal(p.status, 'in-progress');
      assert.equal(p.coaching, true);
      assert.equal(p.callSidToCoach, A.callSid);
      assert.equal(p.muted, false);
      assert.equal(p.hold, false);
      assert.ok(p.dateUpdated instanceof Date && p.dateUpdated >= p.dateCreated);
      const a = await client.conferences(conf.sid).participants(A.callSid).fetch();
      assert.equal(a.muted, true);
      assert.equal(a.callSidToCoach, null);
    });

    test('update(): Muted, Hold with HoldUrl, AnnounceUrl, EndConferenceOnExit, Coaching', async () => {
      const part = client.conferences(conf.sid).participants(B.callSid);
      let p = await part.update({ muted: true });
      assert.equal(p.callSid, B.callSid);
      assert.equal(p.muted, true);
      p = await part.update({ muted: false });
      assert.equal(p.muted, false);
      p = await part.update({ hold: true, holdUrl: ANNOUNCE, holdMethod: 'GET' });
      assert.equal(p.hold, true);
      p = await part.update({ hold: false });
      assert.equal(p.hold, false);
      p = await part.update({ announceUrl: ANNOUNCE, announceMethod: 'POST' });
      assert.equal(p.callSid, B.callSid);
      p = await part.update({ endConferenceOnExit: true });
      assert.equal(p.endConferenceOnExit, true);
      assert.equal((await part.fetch()).endConferenceOnExit, true, 'the change sticks');
      p = await part.update({ endConferenceOnExit: false });
      assert.equal(p.endConferenceOnExit, false);
      p = await part.update({ coaching: true, callSidToCoach: A.callSid });
      assert.equal(p.coaching, true);
      assert.equal(p.callSidToCoach, A.callSid);
      p = await part.update({ coaching: false, callSidToCoach: '' });
      assert.equal(p.coaching, false);
      assert.equal(p.callSidToCoach, null);
      const req = seen.filter((r) => r.method === 'POST').pop();
      assert.equal(req.uri, `${prefix}Conferences/${conf.sid}/Participants/${B.callSid}.json`);
      assert.deepEqual(req.data, { Coaching: 'false', CallSidToCoach: '' });
    });

    test('remove() kicks the participant (DELETE answers 204, the SDK resolves true)', async () => {
      const extra = await addParticipant(conf.sid);
      await waitConnected(conf.sid, extra.callSid);
      const ok = await client.conferences(conf.sid).participants(extra.callSid).remove();
      assert.equal(ok, true);
      const req = seen[seen.length - 1];
      assert.equal(req.method, 'DELETE');
      assert.equal(req.uri, `${prefix}Conferences/${conf.sid}/Participants/${extra.callSid}.json`);
      await expectError(client.conferences(conf.sid).participants(extra.callSid).fetch(), 404, 20404);
      assert.ok(!callSids(await client.conferences(conf.sid).participants.list()).includes(extra.callSid));
      await expectError(client.conferences(conf.sid).participants(extra.callSid).remove(), 404, 20404);
      assert.equal((await client.conferences(conf.sid).fetch()).status, 'in-progress', 'the others go on');
    });
  });

  describe(`${sdk}: recordings`, () => {
    let conf, rec;

    before(async () => {
      conf = await liveConference(2, uniqueName(`${tag}-rec`), { conferenceRecord: 'record-from-start' });
      await waitConference(conf.sid, 'in-progress');
      rec = await waitFor(async () => (await client.conferences(conf.sid).recordings.list())[0],
        `a recording of ${conf.sid}`);
    });

    after(async () => {
      if (conf) await client.conferences(conf.sid).update({ status: 'completed' }).catch(() => {});
    });

    test('list() holds the conference recording, with its DateCreated filters', async () => {
      const recs = client.conferences(conf.sid).recordings;
      const all = await recs.list();
      assert.deepEqual(sids(all), [rec.sid]);
      const r = all[0];
      assert.match(r.sid, UUID_RE);
      assert.equal(r.conferenceSid, conf.sid);
      assert.equal(r.accountSid, projectId);
      assert.equal(r.callSid, null);
      assert.equal(r.status, 'in-progress');
      assert.equal(r.apiVersion, '2010-04-01');
      assert.ok(r.startTime instanceof Date);
      assert.equal(r.uri, `/2010-04-01/Accounts/${projectId}/Conferences/${conf.sid}/Recordings/${rec.sid}.json`);
      const d = day(r.dateCreated);
      const at = new Date(`${d}T06:00:00Z`);
      assert.deepEqual(sids(await recs.list({ dateCreated: at })), [rec.sid]);
      assert.deepEqual(sids(await recs.list({ dateCreatedBefore: at })), [rec.sid]);
      assert.deepEqual(sids(await recs.list({ dateCreatedAfter: at })), [rec.sid]);
      assert.deepEqual(sids(await recs.list({ dateCreatedBefore: addDays(at, -1) })), []);
      assert.deepEqual(sids(await recs.list({ dateCreatedAfter: addDays(at, 1) })), []);
      assert.deepEqual(sids(await eachAll(recs, { pageSize: 1 })), [rec.sid]);
    });

    test('fetch() returns the recording', async () => {
      const r = await client.conferences(conf.sid).recordings(rec.sid).fetch();
      assert.equal(r.sid, rec.sid);
      assert.equal(r.conferenceSid, conf.sid);
      assert.equal(r.status, 'in-progress');
      assert.equal(r.duration, null, 'no duration while recording');
      assert.equal(r.priceUnit, 'USD');
      assert.equal(r.errorCode, null);
    });

    test('update(): paused, in-progress (resume), stopped', async () => {
      const one = client.conferences(conf.sid).recordings(rec.sid);
      await expectError(one.update({ status: 'rewinding' }), 400, 10000);
      let r = await one.update({ status: 'paused', pauseBehavior: 'silence' });
      assert.equal(r.sid, rec.sid);
      assert.equal(r.status, 'paused');
      r = await one.update({ status: 'in-progress' });
      assert.equal(r.status, 'in-progress');
      r = await one.update({ status: 'paused', pauseBehavior: 'skip' });
      assert.equal(r.status, 'paused');
      r = await one.update({ status: 'stopped' });
      assert.equal(r.status, 'stopped');
      await expectError(one.update({ status: 'in-progress' }), 400, 10000);
      const done = await waitFor(async () => {
        const x = await one.fetch();
        return x.status === 'completed' && x;
      }, 'the stopped recording completes');
      assert.ok(done.duration !== null && Number.isInteger(Number(done.duration)),
        `a completed recording has a duration: ${done.duration}`);
    });

    test('remove() deletes the recording (204, true); then it is 404', async () => {
      const ok = await client.conferences(conf.sid).recordings(rec.sid).remove();
      assert.equal(ok, true);
      await expectError(client.conferences(conf.sid).recordings(rec.sid).fetch(), 404, 20404);
      assert.deepEqual(await client.conferences(conf.sid).recordings.list(), []);
      await expectError(client.conferences(conf.sid).recordings(rec.sid).remove(), 404, 20404);
      await expectError(client.conferences(conf.sid).recordings(rec.sid).update({ status: 'paused' }), 404, 20404);
    });
  });

  describe(`${sdk}: calls`, () => {
    test('calls(sid).fetch(), calls.list({to}), calls(sid).update({status: "completed"}) hangs up', async () => {
      const name = uniqueName(`${tag}-call`);
      const to = uniqueNumber();
      const a = await addParticipant(name, { to });
      const b = await addParticipant(name);
      const sid = a.conferenceSid;
      await waitConnected(sid, a.callSid);
      await waitConnected(sid, b.callSid);
      const call = await client.calls(a.callSid).fetch();
      assert.equal(call.sid, a.callSid);
      assert.equal(call.status, 'in-progress');
      assert.equal(call.to, to);
      assert.equal(call.from, FROM);
      assert.equal(call.accountSid, projectId);
      assert.deepEqual(sids(await client.calls.list({ to })), [a.callSid]);
      assert.deepEqual(sids(await client.calls.list({ to, status: 'completed' })), []);
      const hung = await client.calls(a.callSid).update({ status: 'completed' });
      assert.equal(hung.sid, a.callSid);
      assert.equal(hung.status, 'completed');
      await waitFor(async () => {
        const parts = await client.conferences(sid).participants.list();
        return !callSids(parts).includes(a.callSid) && parts;
      }, 'the hung-up call leaves the conference');
      assert.deepEqual(sids(await client.calls.list({ to, status: 'completed' })), [a.callSid]);
      await client.calls(b.callSid).update({ status: 'completed' });
      await waitConference(sid, 'completed');
    });
  });

  describe(`${sdk}: errors surface as the SDK's RestException`, () => {
    test('404/20404 for an unknown conference, participant, recording and call', async () => {
      const nobody = randomUUID();
      await expectError(client.conferences(nobody).fetch(), 404, 20404);
      await expectError(client.conferences(nobody).update({ status: 'completed' }), 404, 20404);
      await expectError(client.conferences(nobody).participants.list(), 404, 20404);
      await expectError(client.conferences(nobody).participants(nobody).fetch(), 404, 20404);
      await expectError(client.conferences(nobody).recordings(nobody).fetch(), 404, 20404);
      await expectError(client.conferences(nobody).recordings.list(), 404, 20404);
      await expectError(client.calls(nobody).fetch(), 404, 20404);
      await expectError(client.calls(nobody).update({ status: 'completed' }), 404, 20404);
      const conf = await liveConference(1);
      await expectError(client.conferences(conf.sid).participants(nobody).fetch(), 404, 20404);
      await expectError(client.conferences(conf.sid).participants(nobody).update({ muted: true }), 404, 20404);
      await expectError(client.conferences(conf.sid).participants(nobody).remove(), 404, 20404);
      await client.conferences(conf.sid).update({ status: 'completed' });
    });

    test('401/20003 for a wrong token or an unknown project', async () => {
      const wrong = opts.makeClient(projectId, 'not-the-token');
      await expectError(wrong.conferences.list(), 401, 20003);
      await expectError(eachAll(wrong.conferences, { pageSize: 2 }), 401, 20003);
      await expectError(wrong.conferences(randomUUID()).fetch(), 401, 20003);
      const stranger = opts.makeClient(randomUUID(), opts.token);
      await expectError(stranger.conferences.list(), 401, 20003);
      await expectError(stranger.conferences(uniqueName('x')).participants.create({ from: FROM, to: uniqueNumber() }),
        401, 20003);
    });

    test('400/21475 for a conference Status other than completed', async () => {
      const conf = await liveConference(1);
      await expectError(client.conferences(conf.sid).update({ status: 'in-progress' }), 400, 21475);
      await expectError(client.conferences(conf.sid).update({ status: 'init' }), 400, 21475);
      assert.equal((await client.conferences(conf.sid).fetch()).status, 'init', 'nothing changed');
      await client.conferences(conf.sid).update({ status: 'completed' });
    });

    test('400/10000 for an invalid value', async () => {
      await expectError(client.conferences(uniqueName(`${tag}-bad`)).participants.create({
        from: FROM, to: uniqueNumber(), conferenceRecord: 'sometimes' }), 400, 10000);
    });
  });
}
