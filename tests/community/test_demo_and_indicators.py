"""load-demo (idempotent, complete, uneven on purpose) and import-indicators with bad input."""
from __future__ import annotations

from collections import Counter

import pytest

from community.extensions import db
from sqlalchemy import select

from importing import counts, output, run_cli


def test_load_demo_twice_changes_nothing_the_second_time(app, db):
    first = run_cli(app, "load-demo")
    assert first.exit_code == 0, output(first)
    after_first = counts(db)
    assert after_first["Area"] == 1 + 25 + 69
    assert after_first["Initiative"] >= 60 and after_first["Organisation"] >= 30
    assert after_first["MeetingPlace"] >= 40 and after_first["AddressPoint"] == 93_661
    second = run_cli(app, "load-demo")
    assert second.exit_code == 0, output(second)
    assert counts(db) == after_first
    assert "0 created, 0 updated" in second.output


def test_demo_covers_every_code_and_is_flagged(demo_app, demo_db):
    from community import taxonomy
    from community.models import Initiative, MeetingPlace, Organisation
    initiatives = db.session.scalars(select(Initiative)).all()
    for scheme, vocabulary in taxonomy.TERM_SCHEMES.items():
        if scheme == "language":
            continue
        used = {code for i in initiatives for code in i.codes(scheme)}
        assert used == set(vocabulary.codes), scheme
    for attribute, vocabulary in (("cost", taxonomy.COSTS), ("childcare", taxonomy.CHILDCARE),
                                  ("wheelchair", taxonomy.WHEELCHAIR), ("tie_type", taxonomy.TIE_TYPES)):
        assert {getattr(i, attribute) for i in initiatives} == set(vocabulary.codes), attribute
    assert all(i.is_demo for i in initiatives)
    assert all(o.is_demo for o in db.session.scalars(select(Organisation)))
    assert all(p.is_demo for p in db.session.scalars(select(MeetingPlace)))
    places = db.session.scalars(select(MeetingPlace)).all()
    assert {p.kind for p in places} == set(taxonomy.PLACE_KINDS.codes)
    assert all(p.area_code("district") for p in places)  # every place lies in a wijk


def test_demo_is_deliberately_uneven(demo_app, demo_db):
    from community.models import Initiative
    per_district: dict[str, list] = {}
    for init in db.session.scalars(select(Initiative).where(Initiative.status == "active")):
        for link in init.locations:
            per_district.setdefault(link.place.area_code("district"), []).append(init)
    # Nothing at all in these wijken.
    for code in ("44021W11", "44021W19", "44021W23", "44021W25"):
        assert code not in per_district
    # Bloemekenswijk: no free offer with children welcome or childcare.
    assert not [i for i in per_district["44021W09"]
                if i.cost == "free" and i.childcare in ("children_welcome", "childcare_provided")]
    # Muide: only bonding.
    assert {i.tie_type for i in per_district["44021W10"]} == {"bonding"}
    # Sint-Amandsberg: nothing for older residents.
    assert not [i for i in per_district["44021W14"] if "elderly" in i.target_groups]


def test_indicator_import_long_and_wide(demo_app, demo_db, tmp_path):
    from community.models import Area, IndicatorValue
    app = demo_app
    wide = tmp_path / "wide.csv"
    wide.write_text("code;year;median_income;share_65_plus\n44021W01;2023;21.500,5;0,18\n44021W02;2023;19800;\n",
                    encoding="utf-8")
    result = run_cli(app, "import-indicators", str(wide), "--level", "district")
    assert result.exit_code == 0, output(result)
    assert "3 created" in result.output  # the empty cell is no data, not zero
    value = db.session.scalar(select(IndicatorValue).join(Area).where(
        Area.code == "44021W01", IndicatorValue.indicator == "median_income"))
    assert value.value == pytest.approx(21500.5)


@pytest.mark.parametrize("content, expected", [
    ("", "empty"),
    ("area_code,indicator,year,value\n44021W99,population,2022,5\n", "row 1"),
    ("area_code,indicator,year,value\n44021W01,population,twenty,5\n", "is not a year"),
    ("area_code,indicator,year,value\n44021W01,population,2022,lots\n", "is not a number"),
    ("area_code,indicator,year,value\n44021W01,Population Count,2022,5\n", "is not an indicator code"),
    ("area_code,indicator,year,value\n44021W01,population,2022,5\n44021W01,population,2022,6\n", "already given on row 1"),
    ("indicator,year,value\npopulation,2022,5\n", "missing required column 'area code'"),
    ("area_code,indicator,year,value\n44021W01,population,2022,5,9\n", "5 fields where the header has 4"),
])
def test_indicator_import_refuses_bad_input(demo_app, demo_db, tmp_path, content, expected):
    app = demo_app
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    before = counts(db)
    result = run_cli(app, "import-indicators", str(path), "--level", "district")
    assert result.exit_code != 0
    assert expected in output(result), output(result)
    assert counts(db) == before


def test_address_import_and_bad_rows(app, db, tmp_path):
    good = tmp_path / "adr.csv"
    good.write_text("straat,huisnummer,postcode,gemeente,x,y\nTeststraat,1,9000,Gent,104500,192800\n", encoding="utf-8")
    result = run_cli(app, "import-addresses", str(good))
    assert result.exit_code == 0, output(result)
    assert counts(db)["AddressPoint"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("street,house_number,postcode,latitude,longitude\nA,1,9000,3.72,51.05\nB,2,9000,51.05,3.72\n",
                   encoding="utf-8")
    before = counts(db)
    result = run_cli(app, "import-addresses", str(bad))
    assert result.exit_code != 0 and "row 1" in output(result) and "swapped" in output(result)
    assert counts(db) == before
