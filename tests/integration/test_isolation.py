"""Two projects cannot see or touch each other's conferences and participants (part 0 "Auth", DESIGN:
"Another project's resources do not exist for you (404), and a path {AccountSid} that is not your own
project is 401/20003")."""

import pytest

from confab_helpers import ROOT, assert_error, unique_name


@pytest.fixture
def a_conf(confab):
    sid, name, parts = confab.new_conference(project=confab.a, participants=2)
    confab.wait_conference_status(sid, "in-progress", project=confab.a)
    return sid, name, parts


def _a_untouched(confab, sid, parts):
    conf = confab.fetch_conference(sid, project=confab.a)
    assert conf["status"] == "in-progress" and conf["account_sid"] == confab.a.id
    r = confab.get(confab.parts_path(sid, project=confab.a), project=confab.a)
    assert {p["call_sid"] for p in r.json()["participants"]} == {p["call_sid"] for p in parts}


def test_other_project_gets_404_through_its_own_path(confab, a_conf):
    sid, name, parts = a_conf
    b = confab.b
    for prefix in ("/api/laml/2010-04-01", ROOT):
        assert_error(confab.get(confab.conf_path(sid, b, prefix), project=b), 404, 20404)
    assert_error(confab.post(confab.conf_path(sid, b), project=b, data={"Status": "completed"}), 404, 20404)
    assert_error(confab.post(confab.conf_path(sid, b), project=b,
                             data={"AnnounceUrl": "http://localhost:9/a.xml"}), 404, 20404)
    assert_error(confab.get(confab.parts_path(sid, b), project=b), 404, 20404)
    assert_error(confab.get(confab.part_path(sid, parts[0]["call_sid"], b), project=b), 404, 20404)
    assert_error(confab.post_participant(sid, project=b), 404, 20404)
    _a_untouched(confab, sid, parts)


def test_other_project_gets_401_through_the_owners_path(confab, a_conf):
    sid, name, parts = a_conf
    b = confab.b
    a_path = confab.conf_path(sid, confab.a)
    assert_error(confab.get(a_path, auth=b.auth), 401, 20003)
    assert_error(confab.post(a_path, auth=b.auth, data={"Status": "completed"}), 401, 20003)
    assert_error(confab.get(confab.parts_path(sid, confab.a), auth=b.auth), 401, 20003)
    assert_error(confab.get(confab.part_path(sid, parts[0]["call_sid"], confab.a), auth=b.auth), 401, 20003)
    assert_error(confab.post(confab.parts_path(sid, confab.a), auth=b.auth,
                             data={"From": "+15550001111", "To": "+15550002222"}), 401, 20003)
    assert_error(confab.get(confab.confs_path(confab.a), auth=b.auth), 401, 20003)
    _a_untouched(confab, sid, parts)


def test_lists_hold_only_own_conferences(confab, a_conf):
    sid, name, _ = a_conf
    b = confab.b
    page = confab.list_conferences(project=b, PageSize=1000)
    assert sid not in {c["sid"] for c in page["conferences"]}
    assert all(c["account_sid"] == b.id for c in page["conferences"])
    assert confab.list_conferences(project=b, FriendlyName=name)["conferences"] == []
    page = confab.list_conferences(project=confab.a, PageSize=1000)
    assert all(c["account_sid"] == confab.a.id for c in page["conferences"])


def test_same_name_in_two_projects_is_two_conferences(confab, a_conf):
    sid, name, _ = a_conf
    b = confab.b
    pb = confab.create_participant(name, project=b)
    assert pb["conference_sid"] != sid and pb["account_sid"] == b.id
    conf_b = confab.fetch_conference(pb["conference_sid"], project=b)
    assert conf_b["friendly_name"] == name and conf_b["status"] == "init"
    assert [c["sid"] for c in confab.list_conferences(project=b, FriendlyName=name)["conferences"]] == \
        [pb["conference_sid"]]
    assert [c["sid"] for c in confab.list_conferences(project=confab.a, FriendlyName=name)["conferences"]] == \
        [sid]
    # Ending b's conference leaves a's alone.
    confab.end_conference(pb["conference_sid"], project=b)
    assert confab.fetch_conference(sid, project=confab.a)["status"] == "in-progress"


def test_b_conference_invisible_to_a(confab):
    sid, name, parts = confab.new_conference(project=confab.b, name=unique_name("bside"))
    assert_error(confab.get(confab.conf_path(sid, confab.a)), 404, 20404)
    assert_error(confab.get(confab.part_path(sid, parts[0]["call_sid"], confab.a)), 404, 20404)
    assert confab.list_conferences(project=confab.a, FriendlyName=name)["conferences"] == []
