"""The example reports load from a directory, refuse a bad file whole, and reload cleanly."""

import shutil

import pytest
import yaml
from django.core.management import CommandError, call_command

from scoring.models import Example, Grade
from tests.scoring.conftest import FIXTURES


def test_it_loads_the_transcript_and_reference_notes(examples):
    example = Example.objects.get(slug="test-feed-ranker")
    assert [line.timestamp for line in example.lines.all()] == [
        "00:00", "00:20", "00:40", "01:10", "02:30"]
    reference = Grade.objects.get(example=example, kind=Grade.Kind.REFERENCE)
    assert (reference.level, reference.level_altitude, reference.decision) == ("E5", "senior",
                                                                                "yes")
    first = reference.bullets.get(section="did_well", position=0)
    assert [c.example_line.timestamp for c in first.citations.all()] == ["00:20"]
    assert reference.self_grade["clarify"] == {"answer": "yes", "note": "Two questions before "
                                                                        "any box."}
    assert {s.dimension: s.altitude for s in reference.scores.all()}["failure-modes"] == "senior"


def test_reloading_replaces_instead_of_duplicating(examples):
    call_command("load_examples", "--dir", str(FIXTURES), verbosity=0)
    assert Example.objects.count() == 1
    assert Grade.objects.filter(kind=Grade.Kind.REFERENCE).count() == 1


def _broken(tmp_path, change):
    raw = yaml.safe_load((FIXTURES / "example.yaml").read_text())
    change(raw)
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(raw))
    shutil.copy(FIXTURES / "example.yaml", tmp_path / "good.yaml")
    raw_good = yaml.safe_load((tmp_path / "good.yaml").read_text())
    raw_good["slug"] = "another-one"
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(raw_good))
    return tmp_path


@pytest.mark.parametrize(("change", "message"), [
    (lambda raw: raw["reference"]["verdict"].update(level="IC9"),
     "reference.level: 'IC9' is not a level on Meta (GenAI)'s ladder"),
    (lambda raw: raw["reference"]["did_well"][0].update(cites=["09:59"]),
     "no transcript line starts at '09:59'"),
    (lambda raw: raw["transcript"][1].update(at="7 minutes"), "'7 minutes' is not mm:ss"),
    (lambda raw: raw["reference"]["rubric"].update({"vibes": "staff"}),
     "'vibes' is not a dimension"),
    (lambda raw: raw.update(company="nowhere"), "no company 'nowhere' in the bank"),
])
def test_a_bad_file_changes_nothing(bank, tmp_path, change, message):
    directory = _broken(tmp_path, change)
    with pytest.raises(CommandError) as error:
        call_command("load_examples", "--dir", str(directory), verbosity=0)
    assert "broken.yaml" in str(error.value)
    assert message in str(error.value)
    assert not Example.objects.exists()
