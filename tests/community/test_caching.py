"""The shared cache (community/caching.py): bounded, emptied after writes, and on Redis when configured."""
from __future__ import annotations

import json
import uuid

import pytest
from shapely.geometry import box, mapping
from sqlalchemy import select

from importing import output, run_cli
from tests.support import make_app

REDIS_TEST_URL = "redis://127.0.0.1:6379/13"  # a db number of its own; only our key prefix is touched


def _districts(path, *names):
    features = [{"type": "Feature", "properties": {"code": f"D{i}", "name": name},
                 "geometry": mapping(box(3.70 + i * 0.01, 51.03, 3.71 + i * 0.01, 51.06))}
                for i, name in enumerate(names, start=1)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _names(collection) -> list[str]:
    return [f["properties"]["name"] for f in collection["features"]]


# A city view at zoom 13 that lies in one boundary tile (1045, 685 of zoom 11).
VIEW = ((3.695, 51.02, 3.75, 51.065), 13)


def areas_geojson(level):
    from community.services.mapareas import areas
    from community.services.mapdata import View
    return areas(level, View(*VIEW))


def _count_builds(monkeypatch) -> list[str]:
    from community.services import mapareas
    built, real = [], mapareas.tile_features

    def counting(level, *tile):
        built.append(level)
        return real(level, *tile)
    monkeypatch.setattr(mapareas, "tile_features", counting)
    return built


def test_the_embedded_cache_is_bounded_by_its_threshold(backend, tmp_path):
    from community.extensions import cache, db
    app, url = make_app(backend, tmp_path, CACHE_THRESHOLD=5, BUURTKRACHT_CACHE="simple")
    with app.app_context():
        try:
            assert app.config["CACHE_TYPE"] == "SimpleCache"
            for i in range(50):
                cache.set(f"k{i}", i)
            assert len(cache.cache._cache) <= 5 + 1  # cachelib prunes before it adds the new entry
            assert cache.get("k49") == 49
        finally:
            db.session.remove()
            backend.reset(url, db.engine)


def test_the_embedded_file_cache_is_bounded_by_its_threshold(backend, tmp_path):
    from community.extensions import cache, db
    app, url = make_app(backend, tmp_path, CACHE_THRESHOLD=5)
    with app.app_context():
        try:
            assert app.config["CACHE_TYPE"] == "FileSystemCache"
            assert app.config["CACHE_DIR"].startswith(app.instance_path)
            for i in range(50):
                cache.set(f"k{i}", i)
            assert cache.cache._file_count <= 5 + 1
            assert cache.get("k49") == 49
        finally:
            db.session.remove()
            backend.reset(url, db.engine)


def test_two_processes_of_one_instance_share_the_file_cache_and_a_write_in_one_is_seen_by_both(
        backend, tmp_path, monkeypatch):
    """`make run`'s two gunicorn workers: one builds a map tile, the other serves it; a rename
    committed in the second makes the first's entry stale at once."""
    from community import create_app
    from community.extensions import db
    from community.models import Area
    first, url = make_app(backend, tmp_path)
    second = create_app(dict(first.config))  # the same instance folder and database
    try:
        assert first.config["CACHE_DIR"] == second.config["CACHE_DIR"]
        assert run_cli(first, "import-areas", str(_districts(tmp_path / "d.geojson", "West")),
                       "--level", "district").exit_code == 0
        with first.app_context():
            assert _names(areas_geojson("district")) == ["West"]
        built = _count_builds(monkeypatch)
        with second.app_context():
            assert _names(areas_geojson("district")) == ["West"]
            assert built == []  # served from the file the first process wrote
            db.session.scalar(select(Area).where(Area.code == "D1")).name = "Noord"
            db.session.commit()
            db.session.remove()
        with first.app_context():
            assert _names(areas_geojson("district")) == ["Noord"]
            db.session.remove()
        assert built == ["district"]
        # Another database in the same instance folder has a folder of its own.
        settings = {k: v for k, v in first.config.items() if k not in ("CACHE_TYPE", "CACHE_DIR")}
        other = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url + "-other"})
        assert other.config["CACHE_DIR"] != first.config["CACHE_DIR"]
    finally:
        with first.app_context():
            db.session.remove()
            backend.reset(url, db.engine)


def test_areas_are_built_once_and_again_after_a_write(app, db, tmp_path, monkeypatch):
    from community.models import Area
    built = _count_builds(monkeypatch)
    result = run_cli(app, "import-areas", str(_districts(tmp_path / "d.geojson", "West", "Oost")),
                     "--level", "district")
    assert result.exit_code == 0, output(result)
    assert _names(areas_geojson("district")) == ["West", "Oost"]
    assert _names(areas_geojson("district")) == ["West", "Oost"]
    assert built == ["district"]

    # A rename changes neither the count, the creation time nor the outline: the commit hook
    # is what makes the entry stale (it moves the areas' generation).
    db.session.scalar(select(Area).where(Area.code == "D1")).name = "Noord"
    db.session.commit()
    assert _names(areas_geojson("district")) == ["Noord", "Oost"]
    assert built == ["district", "district"]

    # An import that changes an outline, through the command line.
    result = run_cli(app, "import-areas", str(_districts(tmp_path / "d2.geojson", "Noord", "Oost", "Zuid")),
                     "--level", "district")
    assert result.exit_code == 0, output(result)
    assert _names(areas_geojson("district")) == ["Noord", "Oost", "Zuid"]


def test_a_rolled_back_change_does_not_empty_the_cache(app, db, tmp_path, monkeypatch):
    from community.models import Area
    assert run_cli(app, "import-areas", str(_districts(tmp_path / "d.geojson", "West")),
                   "--level", "district").exit_code == 0
    built = _count_builds(monkeypatch)
    areas_geojson("district")
    db.session.scalar(select(Area).where(Area.code == "D1")).name = "Elders"
    db.session.flush()
    db.session.rollback()
    assert _names(areas_geojson("district")) == ["West"]
    assert built == ["district"]


def test_the_rate_limiters_redis_is_the_cache_unless_redis_url_says_otherwise(backend, tmp_path):
    from community.extensions import db
    for config, expected in [({}, ("FileSystemCache", None)), ({"BUURTKRACHT_CACHE": "simple"}, ("SimpleCache", None)),
                             ({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/2"},
                              ("RedisCache", "redis://127.0.0.1:6379/2")),
                             ({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/2", "REDIS_URL": "redis://h:6379/3"},
                              ("RedisCache", "redis://h:6379/3"))]:
        app, url = make_app(backend, tmp_path / str(len(config)) / str(sorted(config)), **config)
        assert (app.config["CACHE_TYPE"], app.config.get("CACHE_REDIS_URL")) == expected
        with app.app_context():
            db.session.remove()
            backend.reset(url, db.engine)


@pytest.fixture
def redis_apps(backend, tmp_path):
    """Two app processes' worth of apps on one database and one Redis (db 13, a key prefix of their own)."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    from community import create_app
    from community.extensions import db
    prefix = f"buurtkracht-test-{uuid.uuid4().hex}:"
    first, url = make_app(backend, tmp_path / "a", REDIS_URL=REDIS_TEST_URL, CACHE_KEY_PREFIX=prefix)
    second = create_app({**first.config, "INSTANCE_PATH": str(tmp_path / "b")})
    try:
        yield first, second, client, prefix
    finally:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        with first.app_context():
            db.session.remove()
            backend.reset(url, db.engine)
        client.close()


def test_redis_is_shared_between_processes_and_emptied_after_a_write(redis_apps, tmp_path, monkeypatch):
    from community.extensions import db
    from community.models import Area
    first, second, client, prefix = redis_apps
    assert first.config["CACHE_TYPE"] == "RedisCache"
    result = run_cli(first, "import-areas", str(_districts(tmp_path / "d.geojson", "West")), "--level", "district")
    assert result.exit_code == 0, output(result)
    with first.app_context():
        assert _names(areas_geojson("district")) == ["West"]
    tile = prefix + "map_areas:district:13:11:1045:685"
    assert client.exists(tile)
    generation = client.get(prefix + "areas_generation")

    built = _count_builds(monkeypatch)
    with second.app_context():  # another process: served from Redis
        assert _names(areas_geojson("district")) == ["West"]
        assert built == []
        db.session.scalar(select(Area).where(Area.code == "D1")).name = "Noord"
        db.session.commit()
        db.session.remove()
    assert client.get(prefix + "areas_generation") != generation  # every areas entry is stale
    with first.app_context():  # the first process sees the rename at once
        assert _names(areas_geojson("district")) == ["Noord"]
        db.session.remove()
    assert built == ["district"]
    # Every key that names our prefix starts with it (other test runs may share this Redis).
    assert all(key.decode().startswith(prefix) for key in client.scan_iter(match=f"*{prefix}*"))


def test_an_unreachable_redis_costs_speed_not_the_page(backend, tmp_path):
    from community.extensions import db
    app, url = make_app(backend, tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    try:
        response = app.test_client().get("/")
        assert response.status_code == 200
    finally:
        with app.app_context():
            db.session.remove()
            backend.reset(url, db.engine)
