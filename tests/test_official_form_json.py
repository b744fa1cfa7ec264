"""Canonical JSON returns: round trip, schema faults located by JSON pointer."""

from __future__ import annotations

import json

from returns import check, northgate

from pipeline.schema import CanonicalReturn


def northgate_json() -> dict:
    return northgate().model_dump(mode="json", exclude={"provenance"})


def test_round_trip_of_a_valid_return():
    report = check(json.dumps(northgate_json()).encode(), name="northgate.json")
    assert report.ok, report.issues
    assert report.plugin == "official_form"
    original = northgate().model_dump(exclude={"provenance"})
    assert report.return_.model_dump(exclude={"provenance"}) == original
    assert report.return_.provenance.fields["/lead/email"] == "/lead/email"


def test_wrong_types_are_reported_at_their_pointer_and_the_rest_is_kept():
    data = northgate_json()
    data["technicians"]["headcount"] = "four hundred"
    data["action_plan"][1]["due"] = {"precision": "fortnight", "end": "2019-09-30", "text": "x"}
    report = check(json.dumps(data).encode(), name="r.json")
    assert not report.ok
    schema = {i.field: i for i in report.issues if i.rule == "schema"}
    assert "/technicians/headcount" in schema
    assert schema["/technicians/headcount"].location == "/technicians/headcount"
    assert any(f.startswith("/action_plan/1/due") for f in schema)
    assert report.return_.signatory_name == "University of Northgate"
    assert len(report.return_.action_plan) == 6


def test_bad_rule_finding_points_into_the_json():
    data = northgate_json()
    data["lead"]["email"] = "not-an-email"
    report = check(json.dumps(data).encode(), name="r.json")
    [issue] = [i for i in report.issues if i.rule == "email.format"]
    assert issue.location == "/lead/email"


def test_malformed_json_names_line_and_column():
    report = check(b'{"schema_version": "1.0",\n "stage": 1,,}', name="r.json")
    [issue] = report.issues
    assert issue.rule == "file.corrupt" and "line 2" in issue.message


def test_json_that_is_not_a_return():
    report = check(b'{"hello": "world"}', name="r.json")
    assert [i.rule for i in report.issues] == ["form.not_a_return"]
    assert report.return_ is None


def test_provenance_in_the_file_is_ignored():
    data = northgate_json()
    data["provenance"] = {"source_sha256": "forged", "source_name": "x", "plugin": "x", "plugin_version": "0"}
    report = check(json.dumps(data).encode(), name="r.json")
    assert report.return_.provenance.source_sha256 != "forged"


def test_json_schema_describes_the_canonical_return():
    schema = CanonicalReturn.model_json_schema()
    assert schema["properties"]["schema_version"]["const"] == "1.0"
    for field in ("signatory_name", "stage", "lead", "technicians", "registrations", "action_plan",
                  "sign_off", "provenance"):
        assert field in schema["properties"]


def test_locations_follow_items_after_a_refused_list_item():
    data = northgate_json()
    data["registrations"] = [{"name": "RSci", "count": "lots"}, {"name": "CSci", "count": 500}]
    data["technicians"]["headcount"] = 412
    report = check(json.dumps(data).encode(), name="r.json")
    assert [r.name.value for r in report.return_.registrations] == ["CSci"]
    [issue] = [i for i in report.issues if i.rule == "registrations.headcount"]
    # the CSci row moved from index 1 to 0; its issue still points at where it is in the file
    assert issue.field == "/registrations/0/count"
    assert issue.location == "/registrations/1/count"
