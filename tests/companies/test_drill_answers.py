"""Every capacity drill accepts its answer and refuses the wrong answers an interviewer
would refuse: zero, and an order of magnitude off either way."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from companies.bank_schema import BANK_DIR, BankError, load_bank
from companies.models import Question

# slug: (right answers, typical wrong answers)
DRILLS = {
    "drill-ranking-gpus-at-5k-qps": ([1, 2, 0.053], [0, 10, 0.005]),
    "drill-kv-cache-13b-64-sessions": ([409, 429.5, 400], [0, 40.9, 4090, 6.4]),
    "drill-user-embedding-table-sharding": ([3], [0, 1, 30]),
    "drill-kafka-partitions-2m-events": ([50], [0, 5, 500]),
    "drill-training-time-7b-1t-tokens": ([8.4], [0, 0.84, 84]),
    "drill-ann-index-pq-compression": ([9.6, 9.4, 8.9], [0, 0.94, 96]),
    "drill-a100-fleet-daily-cost": ([76800], [0, 7680, 768000, 3200]),
    "drill-allreduce-14gb-infiniband": ([0.56], [0, 0.056, 5.6]),
}


def test_every_drill_is_covered():
    bank = load_bank()
    assert {q["slug"] for q in bank.questions if q["type"] == "drill"} == set(DRILLS)


@pytest.mark.parametrize("slug", sorted(DRILLS))
def test_a_drill_accepts_the_right_answer_and_refuses_typical_wrong_ones(bank, slug):
    drill = Question.objects.get(slug=slug)
    right, wrong = DRILLS[slug]
    for value in right:
        assert drill.check_numeric_answer(value), (slug, value)
    for value in wrong:
        assert not drill.check_numeric_answer(value), (slug, value)


def test_the_ranking_drill_uses_an_absolute_range(bank):
    drill = Question.objects.get(slug="drill-ranking-gpus-at-5k-qps")
    assert drill.answer_tolerance_pct is None
    assert drill.answer_range == (0.05, 2)


def test_the_solution_shows_the_accepted_range(candidate_client, bank):
    drill = Question.objects.get(slug="drill-ranking-gpus-at-5k-qps")
    candidate_client.post(reverse("companies:attempt", args=[drill.slug]),
                          {"text": "Demand over usable capacity per GPU.", "numeric_answer": 0})
    page = candidate_client.get(drill.get_absolute_url()).content.decode()
    assert "accepted from 0.05 to 2" in page and "outside tolerance" in page


def _drills_with(tmp_path: Path, change) -> Path:
    target = tmp_path / "bank"
    shutil.copytree(BANK_DIR, target)
    path = target / "questions" / "capacity-drill.yaml"
    data = yaml.safe_load(path.read_text())
    change(data["questions"][0]["answer"])
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return target


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update(min=1.5), "must hold the answer"),
    (lambda a: a.update(tolerance_pct=10), "either tolerance_pct or an absolute range"),
    (lambda a: a.pop("max"), "'max'"),
    (lambda a: [a.pop("min"), a.pop("max")], "either tolerance_pct or an absolute range"),
])
def test_the_schema_refuses_a_muddled_answer(tmp_path, change, message):
    with pytest.raises(BankError, match=message):
        load_bank(_drills_with(tmp_path, change))
