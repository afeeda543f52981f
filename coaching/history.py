"""Reads for the progress figures, each in a fixed number of queries however long the
history: rows come back as plain values and are grouped in Python, never fetched per round.

No permission checks here: callers go through `coaching.selectors.progress_access` first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.utils.text import slugify

from accounts.models import Profile
from coaching.progress import (
    CompanyFocus,
    GradedRound,
    PractisedRound,
    Verdict,
)
from companies.models import BankDocument, Company, Question
from interviews.models import MockSession, NoShowReport, Round
from scoring.models import Grade, Reattempt, RubricScore

ABANDONED = (MockSession.Status.CANCELLED, MockSession.Status.NO_SHOW)
PEER, SELF = Grade.Kind.PEER, Grade.Kind.SELF


# --- reference data shared by every candidate (a few queries per request) -----------------


@dataclass
class Catalog:
    """Companies with their ladders, and the bank's generic rubric and self-grade
    questions: what turns keys and altitudes into the names people read."""

    companies: dict[int, Company]
    ladders: dict[int | None, dict[str, str]]  # company id -> altitude -> its level name
    rubric_order: list[str]  # generic rubric dimension keys, in the bank's order
    dimension_names: dict[str, str]
    self_grade_keys: list[str]
    self_grade_labels: dict[str, str]

    def company_name(self, company_id: int | None) -> str:
        company = self.companies.get(company_id)
        return company.name if company else "No company"

    @property
    def company_names(self) -> dict[int | None, str]:
        return {None: "No company", **{pk: c.name for pk, c in self.companies.items()}}

    def ladder(self, company_id: int | None) -> dict[str, str]:
        return self.ladders.get(company_id, {})


SELF_GRADE_LABELS = {"clarify": "Clarify", "quantify": "Quantify", "commit": "Commit",
                     "drill-deep": "Drill deep", "cover-operations": "Cover operations"}


def load_catalog() -> Catalog:
    """Three queries: companies, their levels, and the two bank documents."""
    companies = {c.pk: c for c in Company.objects.prefetch_related("levels")}
    ladders: dict[int | None, dict[str, str]] = {}
    for company in companies.values():
        ladder: dict[str, str] = {}
        for level in company.levels.all():  # lowest rung first: the highest name wins
            ladder[level.altitude] = level.name
        ladders[company.pk] = ladder
    documents = dict(BankDocument.objects.filter(key__in=["rubrics", "self-grade"])
                     .values_list("key", "data"))
    generic = (documents.get("rubrics") or {}).get("generic", [])
    questions = documents.get("self-grade") or []
    if isinstance(questions, dict):
        questions = questions.get("questions", [])
    keys = [q["key"] for q in questions] or list(SELF_GRADE_LABELS)
    return Catalog(
        companies=companies, ladders=ladders,
        rubric_order=[slugify(d["name"]) for d in generic],
        dimension_names={slugify(d["name"]): d["name"] for d in generic},
        self_grade_keys=keys,
        self_grade_labels={k: SELF_GRADE_LABELS.get(k, k.replace("-", " ").capitalize())
                           for k in keys})


# --- one candidate ------------------------------------------------------------------------


@dataclass
class Target:
    level: str  # altitude
    company_ids: list[int]
    role_track: str


def load_target(candidate_id: int) -> Target:
    """Two queries: the profile and its target companies."""
    profile = (Profile.objects.filter(user_id=candidate_id).select_related("role_track")
               .only("target_level", "role_track__name").first())
    company_ids = list(Profile.target_companies.through.objects
                       .filter(profile__user_id=candidate_id)
                       .order_by("company__name").values_list("company_id", flat=True))
    if profile is None:
        return Target("senior", company_ids, "")
    return Target(profile.target_level, company_ids,
                  profile.role_track.name if profile.role_track else "")


@dataclass
class History:
    graded: list[GradedRound]
    practised: list[PractisedRound]
    dimension_names: dict[str, str] = field(default_factory=dict)  # the questions' own dims


def past_rounds(candidate_ids, *, now: datetime):
    """Rounds the candidates took as candidate that have started and were not cancelled
    or missed."""
    return (Round.objects.filter(candidate_id__in=list(candidate_ids), starts_at__lte=now)
            .exclude(session__status__in=ABANDONED))


def load_history(candidate_id: int, *, now: datetime, since: datetime | None = None,
                 company_id: int | None = None) -> History:
    """Three queries: the rounds, their peer and self grades, and those grades' scores."""
    rounds = past_rounds([candidate_id], now=now)
    if since is not None:
        rounds = rounds.filter(starts_at__gte=since)
    if company_id is not None:
        rounds = rounds.filter(company_id=company_id)
    rows = list(rounds.order_by("starts_at", "id").values(
        "id", "starts_at", "company_id", "target_level", "question__title", "question__type",
        "question__topics", "question__rubric"))
    grades = list(Grade.objects.filter(round_id__in=[r["id"] for r in rows],
                                       kind__in=[PEER, SELF])
                  .values("id", "round_id", "kind", "level", "level_altitude", "qualifier",
                          "decision", "self_grade"))
    scores: dict[int, dict[str, str]] = {}
    for grade_id, dimension, altitude in (RubricScore.objects
                                          .filter(grade_id__in=[g["id"] for g in grades])
                                          .values_list("grade_id", "dimension", "altitude")):
        scores.setdefault(grade_id, {})[dimension] = altitude
    by_round: dict[int, dict[str, dict]] = {}
    for grade in grades:
        by_round.setdefault(grade["round_id"], {})[grade["kind"]] = grade

    graded, practised, names = [], [], {}
    for row in rows:
        practised.append(PractisedRound(row["id"], row["starts_at"], row["company_id"],
                                        row["question__type"],
                                        tuple(row["question__topics"] or ())))
        for dimension in row["question__rubric"] or ():
            names.setdefault(slugify(dimension["name"]), dimension["name"])
        pair = by_round.get(row["id"], {})
        if PEER in pair and SELF in pair:
            peer, own = pair[PEER], pair[SELF]
            graded.append(GradedRound(
                round_id=row["id"], starts_at=row["starts_at"], company_id=row["company_id"],
                question_title=row["question__title"], question_type=row["question__type"],
                round_target=row["target_level"], peer=_verdict(peer),
                self_verdict=_verdict(own), peer_scores=scores.get(peer["id"], {}),
                self_scores=scores.get(own["id"], {}),
                self_answers={k: v.get("answer") for k, v in (own["self_grade"] or {}).items()
                              if isinstance(v, dict)}))
    return History(graded, practised, names)


def _verdict(grade: dict) -> Verdict:
    return Verdict(grade["level"], grade["level_altitude"], grade["qualifier"] or "",
                   grade["decision"])


def load_company_focus(company_ids: list[int], catalog: Catalog) -> list[CompanyFocus]:
    """One query: how many of each company's bank questions are of each type."""
    counts: dict[int, dict[str, int]] = {pk: {} for pk in company_ids}
    for company_id, question_type, n in (
            Question.companies.through.objects.filter(company_id__in=company_ids)
            .values_list("company_id", "question__type").annotate(n=Count("id"))):
        counts[company_id][question_type] = n
    return [CompanyFocus(pk, catalog.company_name(pk),
                         tuple(catalog.companies[pk].focus_areas or ()), counts[pk])
            for pk in company_ids if pk in catalog.companies]


def pending_reattempts(candidate_id: int) -> list[Reattempt]:
    """The re-attempt backlog (not yet taken), soonest due first. One query."""
    from scoring.selectors import pending_reattempts as not_taken

    return list(not_taken().filter(candidate_id=candidate_id)
                .select_related("question", "round").order_by("due_at"))


def upcoming_rounds(candidate_id: int, *, now: datetime):
    """The candidate's side of each scheduled mock still ahead. One query."""
    return list(Round.objects.filter(candidate_id=candidate_id,
                                     session__status=MockSession.Status.SCHEDULED,
                                     session__ends_at__gt=now)
                .select_related("session").order_by("session__starts_at"))


# --- many candidates at once (the roster) -------------------------------------------------


@dataclass
class Activity:
    mocks_30d: int = 0
    last_mock: datetime | None = None
    no_shows: int = 0
    recent: list[dict] = field(default_factory=list)  # latest graded peer grades, newest first


NO_SHOW_WINDOW = timedelta(days=90)


def load_activity(candidate_ids: list[int], *, now: datetime,
                  recent: int = 6) -> dict[int, Activity]:
    """Four queries whatever the history: mocks taken in 30 days and the last one, undisputed
    no-shows in 90 days, the `recent` latest graded peer grades per candidate (a window
    function numbers them), and those grades' rubric scores."""
    found = {pk: Activity() for pk in candidate_ids}
    for row in (past_rounds(candidate_ids, now=now).values("candidate_id")
                .annotate(n=Count("id", filter=Q(starts_at__gte=now - timedelta(days=30))),
                          last=Max("starts_at"))):
        found[row["candidate_id"]].mocks_30d = row["n"]
        found[row["candidate_id"]].last_mock = row["last"]
    for absent_id, n in (NoShowReport.objects.filter(absent_id__in=candidate_ids,
                                                     disputed=False,
                                                     created_at__gte=now - NO_SHOW_WINDOW)
                         .values("absent_id").annotate(n=Count("id"))
                         .values_list("absent_id", "n")):
        found[absent_id].no_shows = n
    self_graded = Grade.objects.filter(round=OuterRef("round"), kind=SELF)
    latest = (Grade.objects.filter(kind=PEER, round__candidate_id__in=candidate_ids,
                                   round__starts_at__lte=now)
              .exclude(round__session__status__in=ABANDONED)
              .filter(Exists(self_graded))
              .annotate(candidate_id=F("round__candidate_id"),
                        starts_at=F("round__starts_at"),
                        company_id=F("round__company_id"),
                        position=Window(RowNumber(), partition_by=F("round__candidate_id"),
                                        order_by=[F("round__starts_at").desc(),
                                                  F("round_id").desc()]))
              .filter(position__lte=recent)
              .values("id", "candidate_id", "starts_at", "company_id", "level", "qualifier",
                      "level_altitude", "decision", "position")
              .order_by("candidate_id", "position"))
    grades = list(latest)
    scores: dict[int, dict[str, str]] = {}
    for grade_id, dimension, altitude in (RubricScore.objects
                                          .filter(grade_id__in=[g["id"] for g in grades])
                                          .values_list("grade_id", "dimension", "altitude")):
        scores.setdefault(grade_id, {})[dimension] = altitude
    for grade in grades:
        grade["scores"] = scores.get(grade["id"], {})
        grade["verdict"] = _verdict(grade)
        found[grade["candidate_id"]].recent.append(grade)
    return found


def load_targets(candidate_ids: list[int]) -> dict[int, Target]:
    """Two queries: the profiles and their target companies."""
    targets = {pk: Target("senior", [], "") for pk in candidate_ids}
    for user_id, level, track in (Profile.objects.filter(user_id__in=candidate_ids)
                                  .values_list("user_id", "target_level", "role_track__name")):
        targets[user_id] = Target(level, [], track or "")
    for user_id, company_id in (Profile.target_companies.through.objects
                                .filter(profile__user_id__in=candidate_ids)
                                .order_by("company__name")
                                .values_list("profile__user_id", "company_id")):
        targets[user_id].company_ids.append(company_id)
    return targets
