"""Idempotency-Key on POST (issue 2, item 9; part 0 "Ending"): a retry with the same key and body gets the
stored response (same status and body, no second effect); the same key with another body is 422."""

import uuid

from confab_helpers import assert_error, describe, unique_name


def key():
    return "it-" + uuid.uuid4().hex


def test_participant_create_replays(confab):
    name, k = unique_name("idem"), key()
    body = {"From": "+15550001111", "To": "+15550002222", "Label": "once"}
    r1 = confab.post(confab.parts_path(name), data=body, headers={"Idempotency-Key": k})
    assert r1.status_code == 201, describe(r1)
    r2 = confab.post(confab.parts_path(name), data=body, headers={"Idempotency-Key": k})
    assert r2.status_code == 201, describe(r2)
    assert r2.json() == r1.json(), "a replay returns the stored body"
    sid = r1.json()["conference_sid"]
    parts = confab.get(confab.parts_path(sid)).json()["participants"]
    assert [p["call_sid"] for p in parts] == [r1.json()["call_sid"]], "the replay must not add a participant"


def test_same_key_other_body_is_422(confab):
    name, k = unique_name("idem"), key()
    r1 = confab.post(confab.parts_path(name), data={"From": "+15550001111", "To": "+15550002222"},
                     headers={"Idempotency-Key": k})
    assert r1.status_code == 201, describe(r1)
    r2 = confab.post(confab.parts_path(name), data={"From": "+15550001111", "To": "+15550009999"},
                     headers={"Idempotency-Key": k})
    assert_error(r2, 422)
    parts = confab.get(confab.parts_path(r1.json()["conference_sid"])).json()["participants"]
    assert len(parts) == 1


def test_status_completed_retry_gets_the_stored_200(confab):
    sid, _, _ = confab.new_conference()
    k = key()
    r1 = confab.post(confab.conf_path(sid), data={"Status": "completed"}, headers={"Idempotency-Key": k})
    assert r1.status_code == 200, describe(r1)
    r2 = confab.post(confab.conf_path(sid), data={"Status": "completed"}, headers={"Idempotency-Key": k})
    assert r2.status_code == 200, describe(r2)
    assert r2.json() == r1.json()
    assert r2.json()["status"] == "completed"
    # Without the key, a second end is the usual 400/10000.
    assert_error(confab.post(confab.conf_path(sid), data={"Status": "completed"}), 400, 10000)
    # Same key, different body on the same conference: 422.
    r3 = confab.post(confab.conf_path(sid), data={"Status": "completed", "AnnounceUrl": "http://localhost:9/a"},
                     headers={"Idempotency-Key": k})
    assert_error(r3, 422)


def test_json_body_replays(confab):
    name, k = unique_name("idem"), key()
    body = {"From": "+15550001111", "To": "+15550002222", "Muted": True}
    r1 = confab.post(confab.parts_path(name), json=body, headers={"Idempotency-Key": k})
    assert r1.status_code == 201, describe(r1)
    r2 = confab.post(confab.parts_path(name), json=body, headers={"Idempotency-Key": k})
    assert (r2.status_code, r2.json()) == (201, r1.json())


def test_keys_are_scoped_per_project(confab):
    """Project b using a key project a used gets its own response, never a's."""
    name, k = unique_name("idem"), key()
    body = {"From": "+15550001111", "To": "+15550002222"}
    ra = confab.post(confab.parts_path(name, confab.a), data=body, headers={"Idempotency-Key": k})
    assert ra.status_code == 201, describe(ra)
    rb = confab.post(confab.parts_path(name, confab.b), project=confab.b, data=body,
                     headers={"Idempotency-Key": k})
    assert rb.status_code == 201, describe(rb)
    assert rb.json()["account_sid"] == confab.b.id
    assert rb.json()["call_sid"] != ra.json()["call_sid"]
    assert rb.json()["conference_sid"] != ra.json()["conference_sid"]


def test_different_keys_are_different_requests(confab):
    name = unique_name("idem")
    body = {"From": "+15550001111", "To": "+15550002222"}
    r1 = confab.post(confab.parts_path(name), data=body, headers={"Idempotency-Key": key()})
    r2 = confab.post(confab.parts_path(name), data=body, headers={"Idempotency-Key": key()})
    assert r1.status_code == r2.status_code == 201
    assert r1.json()["call_sid"] != r2.json()["call_sid"]
    assert r1.json()["conference_sid"] == r2.json()["conference_sid"]


def test_delete_replays(confab):
    """DELETE (kick) with a key: the retry gets the stored 204, not a 404 for the participant now gone."""
    sid, _, parts = confab.new_conference(participants=2)
    confab.wait_conference_status(sid, "in-progress")
    k = key()
    path = confab.part_path(sid, parts[0]["call_sid"])
    r1 = confab.req("DELETE", path, headers={"Idempotency-Key": k})
    assert r1.status_code == 204 and r1.content == b"", describe(r1)
    r2 = confab.req("DELETE", path, headers={"Idempotency-Key": k})
    assert r2.status_code == 204 and r2.content == b"", describe(r2)
    assert_error(confab.req("DELETE", path), 404, 20404)
    remaining = confab.get(confab.parts_path(sid)).json()["participants"]
    assert [p["call_sid"] for p in remaining] == [parts[1]["call_sid"]]


def test_concurrent_retries_run_once(confab):
    """Many clients sending the same key at once: the request runs once; every other answer is the
    stored response or a 409 while the first is still running, never a second participant."""
    import concurrent.futures
    name, k = unique_name("idem"), key()
    body = {"From": "+15550001111", "To": "+15550002222"}

    def send(_):
        return confab.post(confab.parts_path(name), data=body, headers={"Idempotency-Key": k})

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(16)))
    assert {r.status_code for r in answers} <= {201, 409}, [describe(r) for r in answers]
    created = [r.json() for r in answers if r.status_code == 201]
    assert created and all(c == created[0] for c in created), "every 201 is the same stored response"
    parts = confab.get(confab.parts_path(created[0]["conference_sid"])).json()["participants"]
    assert [p["call_sid"] for p in parts] == [created[0]["call_sid"]]
