"""bench/scale_data.py: the region data set is the same for the same seed and loads through the importers."""
from __future__ import annotations

import sys

from sqlalchemy import func, select

from importing import output, run_cli
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import scale_data  # noqa: E402


def test_region_files_are_deterministic_and_import_cleanly(app, db, tmp_path, shared_data):
    from community.models import Initiative, MeetingPlace, Schedule
    first = scale_data.make_files(tmp_path / "a", initiatives=200, places=40, seed=7, municipality="44021")
    again = scale_data.make_files(tmp_path / "b", initiatives=200, places=40, seed=7, municipality="44021")
    assert first == again and first["wijken"] == 25 and first["initiatives"] == 200
    for name in ("listings.csv", "indicators.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    other = scale_data.make_files(tmp_path / "c", initiatives=200, places=40, seed=8, municipality="44021")
    assert (tmp_path / "c" / "listings.csv").read_bytes() != (tmp_path / "a" / "listings.csv").read_bytes()
    assert other["initiatives"] == 200

    steps = [("import-areas", str(shared_data / "flanders" / "wijken.geojson"), "--level", "district",
              "--where", "municipality_code=44021"),
             ("import-indicators", str(tmp_path / "a" / "indicators.csv"), "--level", "district"),
             ("import-listings", str(tmp_path / "a" / "listings.csv"))]
    for args in steps:
        result = run_cli(app, *args)
        assert result.exit_code == 0, output(result)
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 200
    assert db.session.scalar(select(func.count()).select_from(MeetingPlace)) <= 40
    frequencies = set(db.session.scalars(select(Schedule.frequency)))
    assert frequencies == {"weekly", "biweekly", "monthly", "once"}
    result = run_cli(app, "import-listings", str(tmp_path / "a" / "listings.csv"))
    assert result.exit_code == 0 and "0 created, 0 updated" in output(result), output(result)
