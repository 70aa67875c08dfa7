"""A conference's events are numbered 0, 1, 2, … in the order they happened, with no number skipped or used
twice, also across a SIGKILL and restart of the server: the next SequenceNumber is one past the conference's
last event in the outbox (schema 4 no longer keeps a counter in the conference's row)."""

import signal

import requests

from confab_helpers import describe, own_server, unique_name, wait_for


def events(s, acct, sid):
    r = s.get(f"{acct}/Conferences/{sid}/Events.json", params={"PageSize": 1000}, timeout=10)
    assert r.status_code == 200, describe(r)
    return r.json()["events"]


def toggle(s, acct, sid, call, muted):
    r = s.post(f"{acct}/Conferences/{sid}/Participants/{call}.json", data={"Muted": muted}, timeout=10)
    assert r.status_code == 200, describe(r)
    assert r.json()["muted"] is (muted == "true"), r.json()


def test_sequence_numbers_continue_across_a_restart(confab_bin, tmp_root):
    proc, project = own_server(confab_bin, tmp_root, "sequence")
    proc.start()
    try:
        with requests.Session() as s:
            s.auth = project.auth
            acct = f"{proc.base}/api/laml/2010-04-01/Accounts/{project.id}"
            name, calls = unique_name("seq"), []
            for _ in range(2):
                r = s.post(f"{acct}/Conferences/{name}/Participants.json",
                           data={"From": "+15550001111", "To": "+15550002222"}, timeout=10)
                assert r.status_code == 201, describe(r)
                sid = r.json()["conference_sid"]
                calls.append(r.json()["call_sid"])
            for call in calls:
                wait_for(lambda c=call: s.get(f"{acct}/Conferences/{sid}/Participants/{c}.json", timeout=10)
                         .json().get("status") == "in-progress", what="participant in-progress")
            for muted in ("true", "false", "true"):
                toggle(s, acct, sid, calls[0], muted)
            before = events(s, acct, sid)
            assert [e["sequence_number"] for e in before] == list(range(len(before))), before
            assert [e["event"] for e in before[-3:]] == ["participant-mute", "participant-unmute",
                                                         "participant-mute"], before

        assert proc.kill() == -signal.SIGKILL
        proc.start()

        with requests.Session() as s:
            s.auth = project.auth
            acct = f"{proc.base}/api/laml/2010-04-01/Accounts/{project.id}"
            toggle(s, acct, sid, calls[1], "true")
            r = s.post(f"{acct}/Conferences/{sid}.json", data={"Status": "completed"}, timeout=10)
            assert r.status_code == 200, describe(r)
            after = events(s, acct, sid)
        assert after[:len(before)] == before, "the events before the restart changed"
        nums = [e["sequence_number"] for e in after]
        assert nums == list(range(len(after))), nums
        names = [e["event"] for e in after[len(before):]]
        assert names[0] == "participant-mute" and names[-1] == "conference-end", names
        assert after[len(before)]["call_sid"] == calls[1], after[len(before)]
        for e in after:
            assert e["parameters"]["SequenceNumber"] == str(e["sequence_number"]), e
    finally:
        rc = proc.stop()
    assert rc == 0, f"restarted server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
