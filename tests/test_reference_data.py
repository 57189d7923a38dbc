"""The shipped reference data and the idempotent init-db command."""

from collections import Counter

from sqlalchemy import func

from kirab.database import db
from kirab.regions.models import Dapil, DapilDistrict, Office, Party, Region


def count(model, *where) -> int:
    """Rows of ``model`` matching ``where``."""
    return db.session.execute(db.select(func.count()).select_from(model).where(*where)).scalar()


def test_region_counts(app):
    assert count(Region, Region.level == "province") == 38
    assert count(Region, Region.level == "regency") == 514
    assert count(Region, Region.level == "district") == 7285
    assert db.session.get(Region, "RI").timezone == "Asia/Jakarta"


def test_regions_carry_their_province_time_zone(app):
    assert db.session.get(Region, "32.16.06").timezone == "Asia/Jakarta"  # Jawa Barat
    assert db.session.get(Region, "61.71").timezone == "Asia/Pontianak"  # Kota Pontianak
    assert db.session.get(Region, "53.71").timezone == "Asia/Makassar"  # Kota Kupang
    assert db.session.get(Region, "91.71").timezone == "Asia/Jayapura"  # Kota Jayapura


def test_every_hosting_office_exists_with_its_usual_name(app):
    assert count(Office) == 1 + 38 + 514
    names = {o.region_code: o.name for o in db.session.execute(db.select(Office)).scalars()}
    assert names["RI"] == "KPU RI"
    assert names["11"] == "KIP Aceh"
    assert names["53"] == "KPU Provinsi Nusa Tenggara Timur"
    assert names["32.16"] == "KPU Kabupaten Bekasi"
    assert names["32.75"] == "KPU Kota Bekasi"


def test_parties(app):
    parties = list(db.session.execute(db.select(Party)).scalars())
    assert len(parties) == 24
    assert Counter(p.scope for p in parties) == {"national": 18, "aceh": 6}
    assert db.session.get(Party, 24).abbreviation == "Ummat"


def test_dapil_cover_each_kecamatan_of_their_region_exactly_once(app):
    dapil = list(db.session.execute(db.select(Dapil)).scalars())
    assert len(dapil) == 18
    for region_code in ("32.15", "32.16", "32.75"):
        kecamatan = set(
            db.session.execute(
                db.select(Region.code).where(Region.parent_code == region_code)
            ).scalars()
        )
        covered = [
            d.code for item in dapil if item.region_code == region_code for d in item.districts
        ]
        assert sorted(covered) == sorted(kecamatan), region_code
        assert len(covered) == len(set(covered))


def test_bekasi_dapil_3_is_tambun_selatan(app):
    dapil = db.session.execute(
        db.select(Dapil).where(Dapil.region_code == "32.16", Dapil.number == 3)
    ).scalar_one()
    assert dapil.slug == "32.16-3"
    assert [d.name for d in dapil.districts] == ["Tambun Selatan"]


def test_init_db_twice_changes_nothing(runner):
    before = {model: count(model) for model in (Region, Office, Party, Dapil, DapilDistrict)}
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "regions: 0" in second.output
    after = {model: count(model) for model in (Region, Office, Party, Dapil, DapilDistrict)}
    assert after == before
