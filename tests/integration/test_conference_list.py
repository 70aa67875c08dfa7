"""List conferences (§3.2): every filter, the envelope (part 0 "Lists", §6) and keyset paging in both
directions with the filters carried in every paging URI.

Each data set lives in a project of its own, so a test knows the list's whole content and order."""

import datetime as dt

import pytest

from confab_helpers import PREFIXES, assert_envelope, describe, parse_rfc2822, split_uri, utc

# ---------------------------------------------------------------------------------------------------------
# Date filters: five conferences around day boundaries (UTC), the last one created now.
#   c1 created 2019-03-09 23:59:59.999999  updated 2019-03-12 12:00:00
#   c2 created 2019-03-10 00:00:00.000000  updated 2019-03-10 00:00:00
#   c3 created 2019-03-10 23:59:59.999999  updated 2019-03-11 00:00:00
#   c4 created 2019-03-11 00:00:00.000000  updated 2019-03-11 23:59:59.999999
#   c5 created now                         updated now


@pytest.fixture(scope="module")
def dated(confab):
    project = confab.fresh_project()
    sids = {}
    times = {
        "c1": (utc(2019, 3, 9, 23, 59, 59, 999_999), utc(2019, 3, 12, 12, 0, 0)),
        "c2": (utc(2019, 3, 10, 0, 0, 0), utc(2019, 3, 10, 0, 0, 0)),
        "c3": (utc(2019, 3, 10, 23, 59, 59, 999_999), utc(2019, 3, 11, 0, 0, 0)),
        "c4": (utc(2019, 3, 11, 0, 0, 0), utc(2019, 3, 11, 23, 59, 59, 999_999)),
        "c5": None,
    }
    names = {}
    for key, when in times.items():
        sid, name, _ = confab.new_conference(project=project)  # waits until nothing else touches the row
        sids[key], names[key] = sid, name
        if when:
            confab.set_conference_times(sid, created=when[0], updated=when[1])
    c5 = confab.fetch_conference(sids["c5"], project=project)
    today = parse_rfc2822(c5["date_created"]).date()
    return {"project": project, "sids": sids, "names": names, "today": today}


DATE_CASES = [
    ({"DateCreated": "2019-03-10"}, ["c3", "c2"]),
    ({"DateCreated": "2019-03-09"}, ["c1"]),
    ({"DateCreated": "2019-03-11"}, ["c4"]),
    ({"DateCreated": "1999-01-01"}, []),
    ({"DateCreated<": "2019-03-10"}, ["c3", "c2", "c1"]),
    ({"DateCreated<": "2019-03-09"}, ["c1"]),
    ({"DateCreated<": "2019-03-08"}, []),
    ({"DateCreated>": "2019-03-10"}, ["c5", "c4", "c3", "c2"]),
    ({"DateCreated>": "2019-03-11"}, ["c5", "c4"]),
    ({"DateCreated>": "2019-03-10", "DateCreated<": "2019-03-10"}, ["c3", "c2"]),
    ({"DateCreated>": "2019-03-09", "DateCreated<": "2019-03-11"}, ["c4", "c3", "c2", "c1"]),
    ({"DateUpdated": "2019-03-11"}, ["c4", "c3"]),
    ({"DateUpdated": "2019-03-10"}, ["c2"]),
    ({"DateUpdated<": "2019-03-10"}, ["c2"]),
    ({"DateUpdated<": "2019-03-11"}, ["c4", "c3", "c2"]),
    ({"DateUpdated>": "2019-03-12"}, ["c5", "c1"]),
    ({"DateUpdated>": "2019-03-11", "DateUpdated<": "2019-03-11"}, ["c4", "c3"]),
    ({"DateCreated<": "2019-03-10", "DateUpdated>": "2019-03-11"}, ["c3", "c1"]),
]


@pytest.mark.parametrize("query,expected", DATE_CASES, ids=[
    "&".join(f"{k}={v}" for k, v in q.items()) for q, _ in DATE_CASES])
def test_date_filters(confab, dated, query, expected):
    page = confab.list_conferences(project=dated["project"], **query)
    assert_envelope(page, "conferences")
    got = [c["sid"] for c in page["conferences"]]
    assert got == [dated["sids"][k] for k in expected], \
        f"{query}: got {[k for s in got for k, v in dated['sids'].items() if v == s]}, want {expected}"


def test_date_filter_today(confab, dated):
    today = dated["today"].isoformat()
    for query in ({"DateCreated": today}, {"DateUpdated": today}, {"DateCreated>": today}):
        page = confab.list_conferences(project=dated["project"], **query)
        assert [c["sid"] for c in page["conferences"]] == [dated["sids"]["c5"]], query


@pytest.mark.parametrize("raw,expected", [
    ("DateCreated%3C=2019-03-10", ["c3", "c2", "c1"]),
    ("DateCreated%3c=2019-03-10", ["c3", "c2", "c1"]),
    ("DateCreated%3E=2019-03-11", ["c5", "c4"]),
    ("DateUpdated%3C=2019-03-10", ["c2"]),
    ("DateUpdated%3E=2019-03-12", ["c5", "c1"]),
    ("DateCreated%3E=2019-03-10&DateCreated%3C=2019-03-10", ["c3", "c2"]),
])
def test_percent_encoded_inequality_keys(confab, dated, raw, expected):
    r = confab.get(confab.confs_path(dated["project"]) + "?" + raw, project=dated["project"])
    assert r.status_code == 200, describe(r)
    assert [c["sid"] for c in r.json()["conferences"]] == [dated["sids"][k] for k in expected], raw


def test_date_filter_combined_with_name(confab, dated):
    page = confab.list_conferences(project=dated["project"], FriendlyName=dated["names"]["c2"],
                                   **{"DateCreated<": "2019-03-10", "DateCreated>": "2019-03-10"})
    assert [c["sid"] for c in page["conferences"]] == [dated["sids"]["c2"]]
    page = confab.list_conferences(project=dated["project"], FriendlyName=dated["names"]["c2"],
                                   DateCreated="2019-03-11")
    assert page["conferences"] == []


def test_filters_echoed_in_uri(confab, dated):
    page = confab.list_conferences(project=dated["project"], Status="init", FriendlyName="a b&c",
                                   **{"DateCreated<": "2019-03-10", "DateUpdated>": "2019-03-11",
                                      "DateCreated": "2019-03-10", "DateUpdated": "2019-03-11"})
    assert page["conferences"] == []
    for key in ("uri", "first_page_uri"):
        path, q = split_uri(page[key])
        assert q.get("Status") == ["init"], page[key]
        assert q.get("FriendlyName") == ["a b&c"], page[key]
        assert q.get("DateCreated<") == ["2019-03-10"], page[key]
        assert q.get("DateUpdated>") == ["2019-03-11"], page[key]
        assert q.get("DateCreated") == ["2019-03-10"], page[key]
        assert q.get("DateUpdated") == ["2019-03-11"], page[key]
        assert q.get("PageSize") == ["50"], page[key]
        assert q.get("Page") == ["0"], page[key]
        assert "PageToken" not in q or q["PageToken"] == [""], page[key]
        # '<' and '>' travel percent-encoded (a raw '<' is not a valid URI character).
        assert "DateCreated%3C=" in page[key].replace("%3c", "%3C"), page[key]
        assert "DateUpdated%3E=" in page[key].replace("%3e", "%3E"), page[key]


# ---------------------------------------------------------------------------------------------------------
# Status and FriendlyName filters.


@pytest.fixture(scope="module")
def statuses(confab):
    project = confab.fresh_project()
    init_sid, init_name, _ = confab.new_conference(project=project)
    live_sid, live_name, _ = confab.new_conference(project=project, participants=2)
    confab.wait_conference_status(live_sid, "in-progress", project=project)
    done_sid, done_name, _ = confab.new_conference(project=project)
    confab.end_conference(done_sid, project=project)
    # The name of an ended conference is free again: a new conference of that name is created.
    again_sid, _, _ = confab.new_conference(project=project, name=done_name)
    assert again_sid != done_sid
    similar_sid, similar_name, _ = confab.new_conference(project=project, name=init_name + "-2")
    return {"project": project, "init": init_sid, "live": live_sid, "done": done_sid, "again": again_sid,
            "similar": similar_sid, "init_name": init_name, "done_name": done_name}


def test_status_filter(confab, statuses):
    p = statuses["project"]

    def sids(**q):
        return {c["sid"] for c in confab.list_conferences(project=p, **q)["conferences"]}

    assert sids(Status="init") == {statuses["init"], statuses["again"], statuses["similar"]}
    assert sids(Status="in-progress") == {statuses["live"]}
    assert sids(Status="completed") == {statuses["done"]}
    assert sids() == {statuses[k] for k in ("init", "live", "done", "again", "similar")}
    for c in confab.list_conferences(project=p, Status="completed")["conferences"]:
        assert c["status"] == "completed"


def test_friendly_name_filter_is_exact(confab, statuses):
    p = statuses["project"]
    page = confab.list_conferences(project=p, FriendlyName=statuses["init_name"])
    assert [c["sid"] for c in page["conferences"]] == [statuses["init"]]
    page = confab.list_conferences(project=p, FriendlyName=statuses["init_name"][:-1])
    assert page["conferences"] == []
    # Two records share the name of the ended one; newest first.
    page = confab.list_conferences(project=p, FriendlyName=statuses["done_name"])
    assert [c["sid"] for c in page["conferences"]] == [statuses["again"], statuses["done"]]
    page = confab.list_conferences(project=p, FriendlyName=statuses["done_name"], Status="completed")
    assert [c["sid"] for c in page["conferences"]] == [statuses["done"]]
    page = confab.list_conferences(project=p, FriendlyName=statuses["done_name"], Status="in-progress")
    assert page["conferences"] == []


def test_newest_first(confab, statuses):
    page = confab.list_conferences(project=statuses["project"])
    dates = [parse_rfc2822(c["date_created"]) for c in page["conferences"]]
    assert dates == sorted(dates, reverse=True)


# ---------------------------------------------------------------------------------------------------------
# Envelope.


def test_envelope_of_empty_list(confab, project):
    page = confab.list_conferences(project=project)
    assert_envelope(page, "conferences")
    assert page["conferences"] == []
    assert page["page"] == 0 and page["page_size"] == 50
    assert page["start"] == 0 and page["end"] == 0
    assert page["next_page_uri"] is None and page["previous_page_uri"] is None
    path, q = split_uri(page["uri"])
    assert path in (confab.confs_path(project), confab.confs_path(project, json=False))
    assert q["PageSize"] == ["50"] and q["Page"] == ["0"]


def test_envelope_keys_exact(confab, statuses):
    r = confab.get(confab.confs_path(statuses["project"]), project=statuses["project"], params={"PageSize": 2})
    assert r.status_code == 200, describe(r)
    page = r.json()
    assert set(page) == {"uri", "first_page_uri", "next_page_uri", "previous_page_uri", "page", "page_size",
                         "start", "end", "conferences"}
    assert page["page_size"] == 2 and page["start"] == 0 and page["end"] == 1
    assert len(page["conferences"]) == 2
    assert page["next_page_uri"] is not None and page["previous_page_uri"] is None


def test_page_size_bounds_accepted(confab, statuses):
    for size in (1, 1000):
        page = confab.list_conferences(project=statuses["project"], PageSize=size)
        assert page["page_size"] == size
        assert len(page["conferences"]) == min(size, 5)


# ---------------------------------------------------------------------------------------------------------
# Keyset paging: seven conferences, newest first, with ties on date_created across page boundaries:
#   L0 +6h | L1 L2 L3 +5h (tie) | L4 +4h | L5 L6 +3h (tie)   (all on 2020-05-10)


@pytest.fixture(scope="module")
def paged(confab):
    project = confab.fresh_project()
    offsets = [6, 5, 5, 5, 4, 3, 3]
    base = utc(2020, 5, 10, 10, 0, 0, 250_000)
    made = []
    for h in offsets:
        sid, _, _ = confab.new_conference(project=project)
        when = base + dt.timedelta(hours=h)
        confab.set_conference_times(sid, created=when, updated=when)
        made.append(sid)
    full = confab.list_conferences(project=project, PageSize=1000)["conferences"]
    order = [c["sid"] for c in full]
    assert sorted(order) == sorted(made), "the full list must hold exactly the seven conferences"
    return {"project": project, "order": order, "full": full}


def test_full_order_is_date_then_sid(paged):
    full = paged["full"]
    keys = [(parse_rfc2822(c["date_created"]), c["sid"]) for c in full]
    dates = [k[0] for k in keys]
    assert dates == sorted(dates, reverse=True), "newest date_created first"
    groups = {}
    for d, s in keys:
        groups.setdefault(d, []).append(s)
    ties = [g for g in groups.values() if len(g) > 1]
    assert len(ties) == 2, "the data set has two ties"
    ascending = [g == sorted(g) for g in ties]
    descending = [g == sorted(g, reverse=True) for g in ties]
    assert all(ascending) or all(descending), f"ties not broken by sid in one direction: {ties}"


def _check_paging_uri(uri, prefix, project, page_no, token, filters, page_size):
    path, q = split_uri(uri)
    assert path.startswith(f"{prefix}/Accounts/{project.id}/Conferences"), uri
    assert path in (f"{prefix}/Accounts/{project.id}/Conferences",
                    f"{prefix}/Accounts/{project.id}/Conferences.json"), uri
    assert q.get("PageSize") == [str(page_size)], uri
    assert q.get("Page") == [str(page_no)], uri
    if token is None:
        assert q.get("PageToken", [""]) == [""], uri
    else:
        assert q.get("PageToken") == [token], uri
    for k, v in filters.items():
        assert q.get(k) == [v], f"filter {k} not carried in {uri}"
    for k in filters:
        if k.endswith("<"):
            assert k[:-1] + "%3C=" in uri.replace("%3c", "%3C"), uri
        if k.endswith(">"):
            assert k[:-1] + "%3E=" in uri.replace("%3e", "%3E"), uri


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("page_size", [2, 3])
def test_paging_forward_then_backward(confab, paged, prefix, page_size):
    project, order = paged["project"], paged["order"]
    filters = {"Status": "init", "DateCreated>": "2020-05-10", "DateCreated<": "2020-05-10"}
    n_pages = -(-len(order) // page_size)
    assert n_pages >= 3

    def get(uri):
        r = confab.get(uri, project=project)
        assert r.status_code == 200, describe(r)
        page = r.json()
        assert_envelope(page, "conferences")
        return page

    def check_page(page, i, came_with_token):
        items = [c["sid"] for c in page["conferences"]]
        assert page["page"] == i and page["page_size"] == page_size, page
        assert items == order[i * page_size:(i + 1) * page_size], f"page {i}: {items}"
        assert page["start"] == i * page_size and page["end"] == i * page_size + len(items) - 1
        _check_paging_uri(page["first_page_uri"], prefix, project, 0, None, filters, page_size)
        path, q = split_uri(page["uri"])
        assert q.get("Page") == [str(i)] and q.get("PageSize") == [str(page_size)], page["uri"]
        if came_with_token:
            assert q.get("PageToken") == [came_with_token], page["uri"]
        if i == n_pages - 1:
            assert page["next_page_uri"] is None, f"last page {i} has next_page_uri {page['next_page_uri']}"
        else:
            _check_paging_uri(page["next_page_uri"], prefix, project, i + 1, "PA" + items[-1], filters,
                              page_size)
        if i == 0:
            assert page["previous_page_uri"] is None, "first page has previous_page_uri"
        else:
            _check_paging_uri(page["previous_page_uri"], prefix, project, i - 1, "PB" + items[0], filters,
                              page_size)
        return items

    first = confab.get(confab.confs_path(project, prefix), project=project,
                       params={**filters, "PageSize": page_size})
    assert first.status_code == 200, describe(first)
    page = first.json()
    forward = [check_page(page, 0, None)]
    while page["next_page_uri"]:
        token = split_uri(page["next_page_uri"])[1]["PageToken"][0]
        page = get(page["next_page_uri"])
        forward.append(check_page(page, len(forward), token))
        assert len(forward) <= n_pages
    assert len(forward) == n_pages
    flat = [s for p in forward for s in p]
    assert flat == order and len(set(flat)) == len(order), "forward walk has duplicates or gaps"

    backward = [forward[-1]]
    i = n_pages - 1
    while page["previous_page_uri"]:
        token = split_uri(page["previous_page_uri"])[1]["PageToken"][0]
        assert token.startswith("PB")
        page = get(page["previous_page_uri"])
        i -= 1
        backward.append(check_page(page, i, token))
        assert len(backward) <= n_pages
    assert i == 0 and len(backward) == n_pages
    assert list(reversed(backward)) == forward, "backward walk differs from forward walk"

    # From the first page reached backwards, next_page_uri leads forward again to page 1.
    again = get(page["next_page_uri"])
    check_page(again, 1, "PA" + forward[0][-1])


def test_single_page_when_size_covers_all(confab, paged):
    page = confab.list_conferences(project=paged["project"], PageSize=len(paged["order"]))
    assert [c["sid"] for c in page["conferences"]] == paged["order"]
    assert page["next_page_uri"] is None and page["previous_page_uri"] is None
    assert page["end"] == len(paged["order"]) - 1


def test_page_token_from_paging_uri_is_the_sid(confab, paged):
    project, order = paged["project"], paged["order"]
    page = confab.list_conferences(project=project, PageSize=2, Page=1, PageToken="PA" + order[1])
    assert [c["sid"] for c in page["conferences"]] == order[2:4]
    page = confab.list_conferences(project=project, PageSize=2, Page=0, PageToken="PB" + order[2])
    assert [c["sid"] for c in page["conferences"]] == order[0:2]
    assert page["previous_page_uri"] is None


def test_paging_ignores_other_projects_rows(confab, paged):
    """A page token naming another project's conference never reveals that project's rows: either the
    token is refused (400/21481) or the page holds only the caller's own conferences."""
    r = confab.get(confab.confs_path(confab.a), params={"PageSize": 5, "Page": 1,
                                                        "PageToken": "PA" + paged["order"][0]})
    if r.status_code == 400:
        assert r.json()["code"] == 21481, describe(r)
        return
    assert r.status_code == 200, describe(r)
    for c in r.json()["conferences"]:
        assert c["account_sid"] == confab.a.id
        assert c["sid"] not in paged["order"]


def test_new_conference_appears_first(confab, project):
    sids = [confab.new_conference(project=project, wait=False)[0] for _ in range(3)]
    got = [c["sid"] for c in confab.list_conferences(project=project)["conferences"]]
    assert got == list(reversed(sids)), "newest date_created first"
