"""Issue 2 "Done when": a SIGKILL of the server right after a 200 on Status=completed loses nothing — the
restarted server shows the conference completed."""

import signal

import pytest
import requests

from confab_helpers import describe, own_server, unique_name, wait_for


@pytest.mark.slow
def test_sigkill_after_completed_loses_nothing(confab_bin, tmp_root):
    proc, project = own_server(confab_bin, tmp_root, "sigkill")
    proc.start()
    try:
        base = proc.base
        acct = f"{base}/api/laml/2010-04-01/Accounts/{project.id}"
        ended = []
        with requests.Session() as s:
            s.auth = project.auth
            for _ in range(3):
                r = s.post(f"{acct}/Conferences/{unique_name('kill')}/Participants.json",
                           data={"From": "+15550001111", "To": "+15550002222"}, timeout=10)
                assert r.status_code == 201, describe(r)
                ended.append((r.json()["conference_sid"], r.json()["call_sid"]))
            # Both participants reach the engine; the first two conferences end, the third stays live.
            for sid, call in ended:
                wait_for(lambda: s.get(f"{acct}/Conferences/{sid}/Participants/{call}.json", timeout=10)
                         .json().get("status") == "in-progress", what="participant in-progress")
            for sid, _ in ended[:2]:
                r = s.post(f"{acct}/Conferences/{sid}.json", data={"Status": "completed"}, timeout=10)
                assert r.status_code == 200, describe(r)
                assert r.json()["status"] == "completed"
        assert proc.kill() == -signal.SIGKILL  # at once, right after the last 200

        proc.start()
        with requests.Session() as s:
            s.auth = project.auth
            for sid, call in ended[:2]:
                r = s.get(f"{acct.replace(base, proc.base)}/Conferences/{sid}.json", timeout=10)
                assert r.status_code == 200, describe(r)
                conf = r.json()
                assert conf["status"] == "completed", conf
                assert conf["reason_conference_ended"] == "conference-ended-via-api", conf
                r = s.get(f"{acct.replace(base, proc.base)}/Conferences/{sid}/Participants.json", timeout=10)
                assert r.status_code == 200 and r.json()["participants"] == [], describe(r)
            live_sid = ended[2][0]
            r = s.get(f"{acct.replace(base, proc.base)}/Conferences/{live_sid}.json", timeout=10)
            assert r.status_code == 200, describe(r)
            assert r.json()["status"] != "completed" or r.json()["reason_conference_ended"] != \
                "conference-ended-via-api", "a conference nobody ended must not show as ended via the API"
    finally:
        rc = proc.stop()
    assert rc == 0, f"restarted server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    assert not proc.sanitizer_lines(), proc.sanitizer_lines()
