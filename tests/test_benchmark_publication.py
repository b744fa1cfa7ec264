"""Publishing benchmarks: disclosure control per role, and exports that cannot run as formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import polars as pl
import pytest

from pipeline.benchmarks.disclosure import (
    anonymise,
    apply_to_counts,
    disclose,
    pseudonyms,
    round_count,
    suppress_small_groups,
)
from pipeline.benchmarks.export import neutralise, to_bytes_csv, to_bytes_xlsx, to_csv, to_xlsx

SALT = "test-salt"
NAMES = ["aberdeen", "bath", "cardiff", "durham", "essex", "falmouth", "glasgow", "hull", "imperial", "keele",
         "leeds", "manchester"]


# --- round_count and counts ---------------------------------------------------------------------
@pytest.mark.parametrize(("n", "shown"), [
    (0, 0), (1, "<5"), (4, "<5"), (5, 5), (7, 5), (8, 10), (12, 10), (13, 15),
    (2, "<5"), (3, "<5"), (6, 5), (10, 10), (783, 785), (None, None), (7.5, 10), (0.5, "<5"),
])
def test_round_count(n, shown):
    assert round_count(n) == shown


def test_round_count_refuses_negative():
    with pytest.raises(ValueError):
        round_count(-1)


def test_apply_to_counts_gives_one_string_column():
    frame = pl.DataFrame({"area": list("abcdefghi"), "count": [0, 1, 4, 5, 7, 8, 12, 13, None],
                          "fte": [1.5] * 9})
    out = apply_to_counts(frame, ["count"])
    assert out.schema["count"] == pl.String
    assert out["count"].to_list() == ["0", "<5", "<5", "5", "5", "10", "10", "15", None]
    assert out["fte"].to_list() == frame["fte"].to_list()  # not listed, untouched
    assert apply_to_counts(out, ["count"]).equals(out)  # already disclosed: left alone
    with pytest.raises(ValueError):
        apply_to_counts(pl.DataFrame({"count": [3, -1]}), ["count"])


# --- anonymise ----------------------------------------------------------------------------------
def test_anonymise_keeps_viewer_and_gives_stable_non_alphabetical_pseudonyms():
    frame = pl.DataFrame({"signatory": NAMES + ["bath", None], "value": range(len(NAMES) + 2)})
    out = anonymise(frame, "signatory", keep={"essex"}, salt=SALT)
    again = anonymise(frame, "signatory", keep={"essex"}, salt=SALT)
    assert out.equals(again)
    mapping = dict(zip(frame["signatory"], out["signatory"]))
    assert mapping["essex"] == "essex"
    assert mapping[None] is None
    peers = [n for n in NAMES if n != "essex"]
    assert sorted(mapping[n] for n in peers) == sorted(f"Peer {i}" for i in range(1, len(peers) + 1))
    assert out["signatory"][len(NAMES)] == mapping["bath"]  # the same name, the same pseudonym
    numbers = [int(mapping[n].split()[1]) for n in peers]  # in alphabetical order of the names
    assert numbers != sorted(numbers), "pseudonyms follow the alphabet"
    other = anonymise(frame, "signatory", keep={"essex"}, salt="another salt")
    assert other["signatory"].to_list() != out["signatory"].to_list()
    # numbering over a universe: the same number whatever subset a table holds
    subset = anonymise(frame.head(3), "signatory", keep={"essex"}, salt=SALT, universe=NAMES)
    assert subset["signatory"].to_list() == out["signatory"].head(3).to_list()
    assert pseudonyms(NAMES, {"essex"}, salt=SALT) == {n: mapping[n] for n in peers}


# --- suppress_small_groups ----------------------------------------------------------------------
def test_suppress_small_groups():
    positions = pl.DataFrame({
        "signatory": ["a", "b", "c", "d"], "metric": ["registered_share"] * 4, "value": [0.1, 0.2, 0.3, 0.4],
        "n": [4, 5, 12, None], "median": [0.2, 0.25, 0.3, 0.3], "q1": [0.1] * 4, "q3": [0.3] * 4,
        "interval_low": [0.0] * 4, "interval_high": [0.5] * 4, "quintile": [2, 3, 4, 5],
        "wording": ["low", "medium", "high", "very high"],
    })
    out = suppress_small_groups(positions)
    stats = ["median", "q1", "q3", "interval_low", "interval_high", "quintile", "wording"]
    for c in stats:
        assert out[c][0] is None and out[c][3] is None, c  # n = 4 and unknown n
        assert out[c][1] is not None and out[c][2] is not None, c
    assert out["value"].to_list() == positions["value"].to_list()  # the signatory's own value stays
    assert out.schema == positions.schema
    with pytest.raises(ValueError):
        suppress_small_groups(positions.drop("n"))


def test_suppress_small_groups_knows_the_position_columns():
    """The columns of ``position.positions``: everything derived from the group goes."""
    row = {"signatory": "a", "metric": "m", "group_id": "all", "value": 1.0, "n": 3, "median": 1.0, "q1": 0.5,
           "q3": 1.5, "median_low": 0.5, "median_high": 1.5, "ci_level": 0.95, "quintile": 3,
           "quintile_label": "medium", "diff": 0.0, "diff_low": -0.5, "diff_high": 0.5, "wording": "broadly in line",
           "direction": "higher", "favourable": None}
    out = suppress_small_groups(pl.DataFrame([row])).row(0, named=True)
    kept = {"signatory", "metric", "group_id", "value", "n", "direction"}
    assert {k for k, v in out.items() if v is not None} == kept


# --- disclose -----------------------------------------------------------------------------------
def _tables() -> dict[str, pl.DataFrame]:
    names = {s: s.title() + " University" for s in NAMES}
    signatories = pl.DataFrame({"slug": NAMES, "name": [names[s] for s in NAMES],
                                "ukprn": [str(10000000 + i) for i in range(len(NAMES))],
                                "plugin": ["official_form"] * len(NAMES), "nation": ["England"] * len(NAMES)})
    returns = pl.DataFrame({
        "submission_id": [f"{s}|2|{'ab' * 32}" for s in NAMES], "signatory": NAMES, "stage": [2] * len(NAMES),
        "signatory_name": [names[s] for s in NAMES], "headcount": [3, 783, 12, 0, 8, 40, 41, 55, 783, 7, 19, 100],
        "lead_name": ["Alex Okafor"] * len(NAMES), "lead_email": ["a.okafor@example.ac.uk"] * len(NAMES),
        "lead_phone": ["+44 1632 960 001"] * len(NAMES), "lead_signoff_name": ["Alex Okafor"] * len(NAMES),
        "head_signoff_name": ["Professor Sam Hughes"] * len(NAMES),
        "published_url": [f"https://www.{s}.ac.uk/tc" for s in NAMES],
    })
    actions = pl.DataFrame({"submission_id": returns["submission_id"], "ordinal": [0] * len(NAMES),
                            "action": [f"{names[s]} technician network" for s in NAMES],
                            "owner": ["Jenna Hopkins"] * len(NAMES)})
    positions = pl.DataFrame({"signatory": ["essex", "bath", "cardiff"], "metric": ["m"] * 3, "value": [1.0, 2.0, 3.0],
                              "n": [7, 3, 7], "median": [2.0, 2.0, 2.0], "quintile": [2, 3, 4],
                              "wording": ["low", "medium", "high"]})
    adoption = pl.DataFrame({"activity_id": ["vis-count", "vis-network", "sus-levy"], "theme": ["Visibility"] * 3,
                             "text": ["t"] * 3, "signatories": [0, 3, 8], "share": [0.0, 3 / 12, 8 / 12],
                             "n": [12] * 3})
    # HESA names differ from the register's ("The …"); a provider that is no signatory has no place
    hesa = pl.DataFrame({"ukprn": ["10000002", "99999999"], "provider": ["The Cardiff University", "Elsewhere College"],
                         "technician_proxy": [55, 70]})
    return {"signatories": signatories, "returns": returns, "actions": actions, "positions": positions,
            "adoption": adoption, "hesa": hesa}


PERSONAL = {"lead_name", "lead_email", "lead_phone", "lead_signoff_name", "head_signoff_name"}


def test_disclose_steering_sees_everything():
    tables = _tables()
    out = disclose(tables, None, "steering")
    assert set(out) == set(tables)
    for name in tables:
        assert out[name].equals(tables[name])
    assert PERSONAL <= set(out["returns"].columns)


def test_disclose_unknown_role_or_missing_viewer():
    with pytest.raises(ValueError):
        disclose(_tables(), "essex", "public")
    with pytest.raises(ValueError):
        disclose(_tables(), None, "institution")


def test_disclose_institution_sees_itself_and_anonymised_peers():
    out = disclose(_tables(), "essex", "institution", salt=SALT)
    returns, signatories = out["returns"], out["signatories"]
    assert not PERSONAL & set(returns.columns)
    assert "published_url" not in returns.columns
    assert "ukprn" not in signatories.columns and "plugin" not in signatories.columns
    # its own row first, named, exact; peers "Peer k" in peer order, counts rounded
    assert returns.row(0, named=True)["signatory"] == "essex"
    assert returns.row(0, named=True)["signatory_name"] == "Essex University"
    assert returns.row(0, named=True)["headcount"] == "8"
    assert returns.row(0, named=True)["submission_id"].startswith("essex|2|")
    peers = returns.slice(1)
    assert peers["signatory"].to_list() == [f"Peer {i}" for i in range(1, 12)]
    assert (peers["signatory_name"] == peers["signatory"]).all()
    assert set(peers["headcount"]) == {"0", "<5", "5", "10", "20", "40", "55", "100", "785"}
    assert all(s.startswith("Peer ") and "ab" * 32 not in s for s in peers["submission_id"])
    assert not any(n in " ".join(map(str, r)) for r in peers.rows() for n in NAMES)  # no name left
    # the same peer has the same pseudonym in every table
    by_headcount = dict(zip(_tables()["returns"]["signatory"], _tables()["returns"]["headcount"]))
    peer_of = {}
    for row in out["returns"].iter_rows(named=True):
        peer_of.setdefault(row["signatory"], row)
    hesa = out["hesa"]
    assert "ukprn" not in hesa.columns
    assert hesa["technician_proxy"].is_null().all()  # peers' HESA figures would re-identify them: withheld
    cardiff = hesa.filter(pl.col("provider").is_not_null())["provider"][0]  # linked by UKPRN, not by name
    assert cardiff.startswith("Peer ") and peer_of[cardiff]["headcount"] == str(round_count(by_headcount["cardiff"]))
    assert [h for h in peers["headcount"] if h == "10"] == ["10"]  # cardiff's is the only 10
    assert hesa.filter(pl.col("provider").is_null()).height == 1  # the provider that is not a signatory
    assert (signatories["slug"].slice(1) == signatories["name"].slice(1)).all()
    assert signatories.row(0) == ("essex", "Essex University", "England")
    # peers' free text is withheld (it names them), the viewer's is not
    actions = out["actions"]
    assert actions["action"][0] == "Essex University technician network"
    assert actions["action"].slice(1).is_null().all() and actions["owner"].slice(1).is_null().all()
    # group statistics from fewer than 5 suppressed; group size rounded, not exact, even on its own row
    positions = out["positions"]
    small = positions.filter(pl.col("n") == "<5")
    assert small.height == 1 and small["median"].is_null().all() and small["wording"].is_null().all()
    assert positions.filter(pl.col("signatory") == "essex")["n"].to_list() == ["5"]
    # adoption: counts rounded, share from rounded counts, withheld for "<5"
    adoption = out["adoption"]
    assert adoption["signatories"].to_list() == ["0", "<5", "10"]
    assert adoption["share"][0] == 0.0 and adoption["share"][1] is None
    assert adoption["share"][2] == pytest.approx(10 / 10)
    assert adoption["n"].to_list() == ["10"] * 3


def test_disclose_row_order_and_numbers_do_not_follow_the_alphabet():
    reviewer = disclose(_tables(), None, "reviewer", salt=SALT)
    order = reviewer["signatories"]["slug"].to_list()
    assert order == [f"Peer {i}" for i in range(1, len(NAMES) + 1)]
    # which real signatory sits at each position (``stage`` here carries its alphabetical rank): not alphabetical
    tables = _tables()
    tables["returns"] = tables["returns"].with_columns(pl.int_range(len(NAMES)).alias("stage"))
    ranks = disclose(tables, None, "reviewer", salt=SALT)["returns"]["stage"].to_list()
    assert sorted(ranks) == list(range(len(NAMES))) and ranks != sorted(ranks)
    # numbers are keyed by the viewer: two institutions' views cannot be pooled
    a = disclose(_tables(), "essex", "institution", salt=SALT)["returns"]
    b = disclose(_tables(), "leeds", "institution", salt=SALT)["returns"]
    assert a.equals(disclose(_tables(), "essex", "institution", salt=SALT)["returns"])  # stable
    hc = {r["signatory"]: r["headcount"] for r in a.iter_rows(named=True)}
    hb = {r["signatory"]: r["headcount"] for r in b.iter_rows(named=True)}
    assert hc != hb


def test_disclose_reviewer_without_viewer_anonymises_everyone_and_drops_personal_data():
    out = disclose(_tables(), None, "reviewer", salt=SALT)
    for frame in out.values():
        assert not PERSONAL & set(frame.columns)
        text = " ".join(str(v) for r in frame.rows() for v in r)
        assert "Okafor" not in text and "Hughes" not in text and "@" not in text and "+44" not in text
        assert not any(f"{n.title()} University" in text for n in NAMES)
    assert out["returns"]["signatory"].str.starts_with("Peer ").all()


# --- exports ------------------------------------------------------------------------------------
DANGEROUS = ["=1+1", "+44 20 7946 0000", "-3", "@SUM(A1)", '=HYPERLINK("http://x")', "\t=1", "\r=1", "#N/A"]


def _export_frame() -> pl.DataFrame:
    n = len(DANGEROUS)
    return pl.DataFrame({
        "text": DANGEROUS,
        "count": list(range(-3, n - 3)),
        "share": [0.5] * n,
        "flag": [True] * n,
        "date": [dt.date(2024, 3, 31)] * n,
        "tags": [["a", "=b"]] * n,
        "plain": ["Technicians' Network"] * (n - 1) + [None],
    })


def test_csv_cells_cannot_run_as_formulas(tmp_path):
    frame = _export_frame()
    path = tmp_path / "out.csv"
    to_csv(frame, path)
    raw = path.read_bytes().decode("utf-8")
    assert raw == to_bytes_csv(frame).decode("utf-8")
    assert not (tmp_path / "out.csv.part").exists()
    rows = list(csv.reader(io.StringIO(raw)))
    assert rows[0] == ["text", "count", "share", "flag", "date", "tags", "plain"]
    for value, row in zip(DANGEROUS, rows[1:]):
        if value[0] in "=+-@\t\r":
            assert row[0] == "'" + value, row[0]
        else:
            assert row[0] == value
    assert [r[1] for r in rows[1:]] == [str(i) for i in range(-3, len(DANGEROUS) - 3)]  # numbers unprefixed
    assert rows[1][2] == "0.5" and rows[1][3] == "true" and rows[1][4] == "2024-03-31"
    assert rows[1][5] == "a; =b"
    assert rows[-1][6] == ""
    # in the raw text, no line starts with a dangerous value; each starts with an apostrophe
    lines = raw.splitlines()
    for value in ("=1+1", "+44 20 7946 0000", "-3", "@SUM(A1)", "=HYPERLINK("):
        assert not any(line.startswith((value, '"' + value)) for line in lines), value
        assert any(line.startswith(("'" + value, "\"'" + value)) for line in lines), value
    assert pl.read_csv(io.BytesIO(to_bytes_csv(frame)))["count"].dtype == pl.Int64
    assert to_bytes_csv(frame, bom=True).startswith(b"\xef\xbb\xbf")
    assert neutralise("=x") == "'=x" and neutralise("x=") == "x="


def test_csv_headers_and_datetimes():
    frame = pl.DataFrame({"=bad": ["x"], "when": [dt.datetime(2024, 1, 2, 3, 4, 5)]})
    rows = list(csv.reader(io.StringIO(to_bytes_csv(frame).decode())))
    assert rows == [["'=bad", "when"], ["x", "2024-01-02T03:04:05"]]


def test_xlsx_cells_cannot_run_as_formulas(tmp_path):
    frame = _export_frame()
    path = tmp_path / "out.xlsx"
    to_xlsx(frame, path)
    assert path.read_bytes()[:2] == b"PK"
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula element at all
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [c.coordinate for c in cells if c.data_type == "e"]
    assert [c.value for c in ws[1]] == frame.columns
    assert all(c.font.bold for c in ws[1])
    got = [ws.cell(row=i + 2, column=1) for i in range(len(DANGEROUS))]
    assert [c.value for c in got] == DANGEROUS
    assert all(c.data_type == "s" for c in got)
    assert all(c.quotePrefix for c in got[:6]) and not got[7].quotePrefix  # Excel keeps them text when edited
    assert [ws.cell(row=i + 2, column=2).value for i in range(len(DANGEROUS))] == list(range(-3, len(DANGEROUS) - 3))
    assert ws.cell(row=2, column=2).data_type == "n" and ws.cell(row=2, column=3).value == 0.5
    assert ws.cell(row=2, column=4).value is True
    date_cell = ws.cell(row=2, column=5)
    assert date_cell.value.date() == dt.date(2024, 3, 31) and date_cell.number_format == "yyyy-mm-dd"
    assert ws.cell(row=2, column=6).value == "a; =b" and ws.cell(row=2, column=6).data_type == "s"
    assert ws.cell(row=len(DANGEROUS) + 1, column=7).value is None


def test_xlsx_several_sheets_and_awkward_values():
    big = 10 ** 17 + 3
    frames = {"adoption/2024": pl.DataFrame({"x": ["=1"], "n": [big], "f": [float("nan")]}),
              "adoption?2024": pl.DataFrame({"x": ["ok\x01"]})}
    data = to_bytes_xlsx(frames)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["adoption_2024", "adoption_2024 (2)"]
    ws = wb["adoption_2024"]
    assert ws["A2"].value == "=1" and ws["A2"].data_type == "s"
    assert ws["B2"].value == str(big)  # beyond Excel's 15 digits: kept exact as text
    assert ws["C2"].value is None
    assert wb["adoption_2024 (2)"]["A2"].value == "ok"
