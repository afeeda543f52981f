"""Render time of the progress page and the coach's roster with a long history.

    .venv/bin/python bench/dashboard.py                 # 50 candidates x 200 graded rounds
    .venv/bin/python bench/dashboard.py --candidates 5 --rounds 20 --requests 20   # smoke

Uses the loopback PostgreSQL that scripts/test_services.py runs (started if it is down),
in a database of its own, `mockloop_bench_dashboard`, created fresh and dropped at the end
(`--keep` keeps it). It migrates, loads the bank, and writes straight through the ORM:
N candidates, each with a profile (1-3 target companies, a target level) and R past mocks
in which they were the candidate, graded by both sides (a peer grade and a self-grade, a
score on each of the seven generic rubric dimensions, the five self-grade answers), spread
over 400 days; each also interviews others, has a few upcoming mocks, re-attempts and a
no-show or two. One coach is linked to every candidate.

It then renders, in this process, through Django's test client with a logged-in session
(so middleware, session and user lookups count): the coach's view of a random candidate's
progress page (all time, every figure) `--requests` times, and the roster of all N
candidates as often, after a few warm-up requests each. Times are wall-clock per request;
the figures are p50 and p95 in milliseconds and the query count of one request of each.
The last line is

    RESULT progress_p95_ms=<float> roster_p95_ms=<float> queries=progress:<n>,roster:<n>
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from script_loader import load_script

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DB = "mockloop_bench_dashboard"
SECRET_KEY = "bench-dashboard-not-a-secret-" + "x" * 32
SEED = 20260707
ALTITUDES = ("junior", "senior", "staff", "principal")
SELF_KEYS = ("clarify", "quantify", "commit", "drill-deep", "cover-operations")
ANSWERS = ("yes", "partly", "no")


def log(message: str) -> None:
    print(f"[bench-dashboard] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=200, help="graded rounds per candidate")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def load_test_services():
    return load_script("scripts/test_services.py", "mockloop_test_services")


def admin_execute(pg_url: str, *statements: str) -> None:
    import psycopg

    base = pg_url.rsplit("/", 1)[0].replace("postgres://", "postgresql://")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _clamp(position: int) -> str:
    return ALTITUDES[max(0, min(position, len(ALTITUDES) - 1))]


def seed(n_candidates: int, n_rounds: int) -> dict:
    """Everything through bulk_create, in batches; returns the coach and candidate ids."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone
    from django.utils.text import slugify

    from accounts.models import Profile
    from coaching.models import CoachLink
    from companies.models import Company, Question
    from companies.selectors import generic_rubric
    from interviews.models import MockSession, NoShowReport, Round
    from scoring.models import Grade, Reattempt, RubricScore

    rng = random.Random(SEED)
    now = timezone.now()
    User = get_user_model()
    users = [User(username=f"cand{i:03d}", email=f"cand{i:03d}@bench.test")
             for i in range(n_candidates)] + [User(username="coach", email="coach@bench.test")]
    for user in users:
        user.set_unusable_password()  # the bench logs in with force_login
    User.objects.bulk_create(users)
    candidates, coach = users[:-1], users[-1]
    companies = list(Company.objects.filter(generic=False).prefetch_related("levels"))
    ladders = {c.pk: {lv.altitude: lv.name for lv in c.levels.all()} for c in companies}
    questions = {c.pk: list(Question.objects.filter(companies=c, rubric=[])
                            .values_list("pk", flat=True)) for c in companies}
    companies = [c for c in companies if questions[c.pk]]
    dimensions = [slugify(d["name"]) for d in generic_rubric()]

    profiles = Profile.objects.bulk_create(
        [Profile(user=u, kind="candidate", target_level=rng.choice(["senior", "staff", "staff"]))
         for u in candidates] + [Profile(user=coach, kind="coach")])
    through = Profile.target_companies.through
    through.objects.bulk_create(
        through(profile_id=p.pk, company_id=c.pk) for p in profiles[:-1]
        for c in rng.sample(companies, rng.randint(1, 3)))
    CoachLink.objects.bulk_create(
        CoachLink(candidate=u, coach=coach, started_by="candidate", status="active",
                  accepted_at=now) for u in candidates)

    log(f"seeding {n_candidates} x {n_rounds} graded rounds")
    span = timedelta(days=400)
    for index, candidate in enumerate(candidates):
        sessions, rounds, plan = [], [], []
        skill = rng.uniform(0.3, 1.6)  # where they start, in altitudes
        for k in range(n_rounds):
            company = rng.choice(companies)
            starts_at = now - span + span * (k + rng.random() * 0.5) / n_rounds
            interviewer = candidates[(index + 1 + rng.randrange(n_candidates - 1))
                                     % n_candidates]
            sessions.append(MockSession(participant_a=interviewer, participant_b=candidate,
                                        starts_at=starts_at, ends_at=starts_at + timedelta(
                                            minutes=90), status="completed", company=company))
            level = skill + 1.2 * k / n_rounds + rng.gauss(0, 0.5)
            plan.append((company, interviewer, starts_at, level))
        for _ in range(3):  # upcoming mocks
            starts_at = now + timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 12))
            company = rng.choice(companies)
            sessions.append(MockSession(participant_a=candidates[index - 1],
                                        participant_b=candidate, starts_at=starts_at,
                                        ends_at=starts_at + timedelta(minutes=90),
                                        company=company))
        MockSession.objects.bulk_create(sessions)
        for session, (company, interviewer, starts_at, _) in zip(sessions, plan, strict=False):
            rounds.append(Round(session=session, number=1, interviewer=interviewer,
                                candidate=candidate, question_id=rng.choice(questions[company.pk]),
                                company=company, target_level="staff", starts_at=starts_at,
                                minutes=45))
        for session in sessions[n_rounds:]:
            rounds.append(Round(session=session, number=1, interviewer=candidates[index - 1],
                                candidate=candidate,
                                question_id=rng.choice(questions[session.company_id]),
                                company=session.company, target_level="staff",
                                starts_at=session.starts_at, minutes=45))
        Round.objects.bulk_create(rounds)
        grades, reattempts = [], []
        for round_, (company, interviewer, _, level) in zip(rounds, plan, strict=False):
            ladder = ladders[company.pk]
            on_ladder = [a for a in ALTITUDES if a in ladder]
            peer_alt = min(on_ladder, key=lambda a, lv=level: abs(ALTITUDES.index(a) - lv))
            self_alt = min(on_ladder, key=lambda a, lv=level: abs(
                ALTITUDES.index(a) - lv - rng.choice([-1, 0, 0, 1])))
            for kind, author, altitude in (("peer", interviewer, peer_alt),
                                           ("self", candidate, self_alt)):
                grades.append(Grade(
                    kind=kind, round=round_, author=author, level=ladder[altitude],
                    level_altitude=altitude, decision=rng.choice(["no", "yes"]), swing="-",
                    self_grade={k: {"answer": rng.choice(ANSWERS), "note": ""}
                                for k in SELF_KEYS},
                    checklist={}, submitted_at=round_.ends_at, updated_at=round_.ends_at,
                    frozen_at=round_.ends_at))
            if ALTITUDES.index(peer_alt) < 2 and rng.random() < 0.1:
                reattempts.append(Reattempt(candidate=candidate, question_id=round_.question_id,
                                            round=round_, target_level="staff",
                                            graded_altitude=peer_alt,
                                            due_at=round_.ends_at + timedelta(days=3)))
        Grade.objects.bulk_create(grades, batch_size=2000)
        RubricScore.objects.bulk_create(
            (RubricScore(grade=g, dimension=key, altitude=_clamp(
                ALTITUDES.index(g.level_altitude) + rng.choice([-1, 0, 0, 0, 1])))
             for g in grades for key in dimensions), batch_size=5000)
        Reattempt.objects.bulk_create(reattempts)
        missed = sessions[rng.randrange(n_rounds)]
        NoShowReport.objects.create(session=missed, reporter=missed.participant_a,
                                    absent=candidate)
        if (index + 1) % 10 == 0:
            log(f"  {index + 1}/{n_candidates} candidates")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"coach": coach, "candidate_ids": [u.pk for u in candidates]}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(client, urls: list[str], requests: int, rng: random.Random) -> list[float]:
    for url in urls[:5]:  # warm-up: templates, connections, caches
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(requests):
        url = rng.choice(urls)
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    return timings


def count_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        client.get(url)
    return len(context.captured_queries)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    ts = load_test_services()
    pg_url = ts.ensure_postgres()
    admin_execute(pg_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)",
                  f"CREATE DATABASE {BENCH_DB}")
    workdir = Path(tempfile.mkdtemp(prefix="mockloop-bench-dashboard-"))
    env = {"DATABASE_URL": pg_url.rsplit("/", 1)[0] + f"/{BENCH_DB}",
           "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0",
           "SECRET_KEY": SECRET_KEY, "ALLOWED_HOSTS": "testserver",
           "MOCKLOOP_VAR_DIR": str(workdir), "CELERY_EMBEDDED_WORKER": "0",
           "LOG_LEVEL": "WARNING"}
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    try:
        log(f"database {env['DATABASE_URL']}: migrate, load_bank, collectstatic")
        for command in (["migrate", "--verbosity", "0"], ["load_bank", "--verbosity", "0"],
                        ["collectstatic", "--noinput", "--verbosity", "0",
                         "--ignore", "excalidraw"]):
            subprocess.run([sys.executable, str(ROOT / "manage.py"), *command], cwd=ROOT,
                           env=os.environ.copy(), check=True, stdout=subprocess.DEVNULL)
        import django

        django.setup()
        from django.test import Client

        started = time.perf_counter()
        setup = seed(args.candidates, args.rounds)
        log(f"seeded in {time.perf_counter() - started:.0f} s")
        client = Client()
        client.force_login(setup["coach"])
        rng = random.Random(SEED)
        progress_urls = [f"/coaching/candidates/{pk}/progress/" for pk in setup["candidate_ids"]]
        roster_urls = ["/coaching/roster/"]
        queries = {"progress": count_queries(client, progress_urls[0]),
                   "roster": count_queries(client, roster_urls[0])}
        results = {}
        for name, urls in (("progress", progress_urls), ("roster", roster_urls)):
            timings = measure(client, urls, args.requests, rng)
            results[name] = timings
            print(f"{name}: n={len(timings)} p50={percentile(timings, 0.5):.1f} ms "
                  f"p95={percentile(timings, 0.95):.1f} ms "
                  f"mean={statistics.mean(timings):.1f} ms max={max(timings):.1f} ms "
                  f"queries={queries[name]}", flush=True)
        print(f"machine: {os.cpu_count()} cores, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end", flush=True)
        print(f"RESULT progress_p95_ms={percentile(results['progress'], 0.95):.1f} "
              f"roster_p95_ms={percentile(results['roster'], 0.95):.1f} "
              f"queries=progress:{queries['progress']},roster:{queries['roster']}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # the collected static files
        if not args.keep:
            from django.db import connections

            connections.close_all()
            admin_execute(pg_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
