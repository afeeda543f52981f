"""Every route x every kind of viewer x every state of a round: who gets in, and what
never leaks (the solution, a grade still blind, a transcript not shared, a question
before its round).

The routes come from Django's URL resolver: a route missing from ROUTES fails the test,
so a new page cannot forget to say who may see it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from coaching.models import CoachLink
from companies.models import Company, Question, RoleTrack
from interviews.models import (
    InterviewerNotes,
    MockRequest,
    MockSession,
    NoShowReport,
    RecordingTake,
    RoomObserver,
    Round,
    SpeakerRole,
    StandbyOffer,
    TranscriptSegment,
)
from scoring.services import grade_submit
from tests.coaching.factories import grade_input, link
from tests.conftest import _make_user

STATES = ("booked", "live", "graded_by_one", "graded_by_both")
COACHES = ("coach_grades", "coach_reports", "coach_transcripts", "coach_recordings")
VIEWERS = ("anonymous", "outsider", "candidate", "interviewer", "observer", *COACHES,
           "coach_unlinked")
PAIR = frozenset({"candidate", "interviewer"})
EVERYONE = frozenset(VIEWERS)


# --- who may reach each route ----------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """`allowed(state)` names the viewers let in; everyone else must get a 404 (or the
    login page / 401-403 when anonymous). `safe` is False for routes that change data
    when let in: those are sent only by viewers who must be refused."""

    allowed: object  # callable(state) -> frozenset of viewer names
    param: str = ""  # which object fills the route's ids
    method: str = "get"
    safe: bool = True
    allowed_may_404: bool = False  # e.g. audio of a take with no audio stored


def always(*viewers):
    return lambda state: frozenset(viewers)


ANY = Rule(always(*VIEWERS))  # public or per-user pages: only leaks and 5xx are checked
SIGNED_IN = Rule(always(*(v for v in VIEWERS if v != "anonymous")))
ROUND_PAIR = Rule(always(*PAIR), "round")
TRANSCRIPT = Rule(always(*PAIR, "coach_transcripts"), "round")
REPORT = Rule(always(*PAIR, "coach_reports"), "round")


def _grade_form(state):
    return PAIR - ({"candidate"} if state == "booked" else set())


def _peer_grade(state):
    if state == "graded_by_one":
        return frozenset({"interviewer"})
    return frozenset({*PAIR, "coach_grades", "coach_reports"})


def _post(rule: Rule) -> Rule:
    return Rule(rule.allowed, rule.param, "post", safe=False)


ROUTES: dict[str, Rule] = {
    "home": ANY, "healthz": ANY, "login": ANY,
    "logout": Rule(always(*VIEWERS), method="post", safe=False),
    "accounts:signup": ANY, "accounts:profile": SIGNED_IN, "accounts:password_reset": ANY,
    "accounts:password_reset_done": ANY, "accounts:password_reset_confirm": ANY,
    "accounts:password_reset_complete": ANY,
    "companies:bank": ANY, "companies:question": ANY, "companies:reveal_hint": ANY,
    "companies:attempt": Rule(always(*VIEWERS), "question", "post", safe=False),
    "companies:company_list": ANY, "companies:company": ANY, "companies:role_track": ANY,
    "companies:my_attempts": SIGNED_IN,
    "interviews:dashboard": SIGNED_IN, "interviews:request_new": SIGNED_IN,
    "interviews:request_edit": Rule(always("candidate"), "request"),
    "interviews:request_cancel": _post(Rule(always("candidate"), "request")),
    "interviews:session": Rule(always(*PAIR), "session"),
    "interviews:session_calendar": Rule(always(*PAIR), "session"),
    "interviews:session_cancel": _post(Rule(always(*PAIR), "session")),
    "interviews:session_reschedule": _post(Rule(always(*PAIR), "session")),
    "interviews:session_no_show": _post(Rule(always(*PAIR), "session")),
    "interviews:observer_invite": _post(Rule(always(*PAIR), "session")),
    "interviews:room": Rule(always(*PAIR, "observer"), "session"),
    "interviews:round_transcript": TRANSCRIPT,
    "interviews:round_transcript_txt": TRANSCRIPT,
    "interviews:round_transcript_md": TRANSCRIPT,
    "interviews:round_transcript_retry": _post(ROUND_PAIR),
    # The world's take is the candidate's own voice, which the recordings share opens.
    "interviews:round_take_audio": Rule(always(*PAIR, "coach_recordings"), "take",
                                        allowed_may_404=True),
    "interviews:round_voice_share": _post(Rule(always("interviewer"), "round")),
    "interviews:round_swap": _post(ROUND_PAIR),
    "interviews:standby": Rule(always(*VIEWERS), method="post", safe=False),
    "interviews:standby_accept": _post(Rule(always("candidate"), "offer")),
    "interviews:no_show_dispute": _post(Rule(always("candidate"), "no_show")),
    "coaching:links": SIGNED_IN, "coaching:link_create": Rule(always(*VIEWERS), method="post",
                                                              safe=False),
    "coaching:accept": Rule(always(*VIEWERS), "token"),
    "coaching:shares_update": _post(Rule(always("candidate", "coach_reports"), "link")),
    "coaching:link_end": _post(Rule(always("candidate", "coach_reports"), "link")),
    "coaching:round_comment": _post(REPORT),
    "coaching:progress": SIGNED_IN, "coaching:progress_report": SIGNED_IN,
    "coaching:progress_csv": SIGNED_IN, "coaching:roster": SIGNED_IN,
    "coaching:candidate_progress": Rule(always("candidate", *COACHES), "candidate"),
    "coaching:candidate_progress_report": Rule(always("candidate", *COACHES), "candidate"),
    # The export is the grade figures: only for coaches the candidate shares grades with.
    "coaching:candidate_progress_csv": Rule(always("candidate", "coach_grades"), "candidate"),
    "scoring:round_report": REPORT,
    "scoring:round_export": REPORT,
    "scoring:round_grade": Rule(always(*PAIR), "round"),
    "scoring:round_descriptor": Rule(_grade_form, "round"),
    "scoring:round_suggest": Rule(_grade_form, "round", "post"),
    "scoring:grade_amend": _post(Rule(_peer_grade, "grade")),
    "scoring:gap_annotate": _post(Rule(_peer_grade, "grade")),
    "scoring:examples": SIGNED_IN, "scoring:example_report": SIGNED_IN,
    "scoring:example_grade": SIGNED_IN, "scoring:example_export": SIGNED_IN,
    "scoring:example_descriptor": SIGNED_IN,
    "scoring:example_reveal": Rule(always(*VIEWERS), "example", "post", safe=False),
    "scoring:example_suggest": Rule(always(*VIEWERS), "example", "post"),
    "api-companies": ANY, "api-company": ANY, "api-questions": ANY, "api-question": ANY,
    "api-mock-requests": SIGNED_IN,
    "api-mock-request": Rule(always("candidate"), "request"),
    "api-mock-request-cancel": _post(Rule(always("candidate"), "request")),
    "api-sessions": SIGNED_IN,
    "api-session": Rule(always(*PAIR), "session"),
    "api-session-cancel": _post(Rule(always(*PAIR), "session")),
    "api-session-reschedule": _post(Rule(always(*PAIR), "session")),
    "api-session-no-show": _post(Rule(always(*PAIR), "session")),
    "api-session-whiteboard": Rule(always(*PAIR, "observer"), "session"),
    "api-round-swap": _post(ROUND_PAIR),
    "api-round-recording": ROUND_PAIR,
    "api-round-recording-command": _post(ROUND_PAIR),
    "api-round-recording-chunk": Rule(always(*PAIR), "round", "put", safe=False),
    "api-round-transcript": TRANSCRIPT,
    "api-round-transcript-retry": _post(ROUND_PAIR),
    "api-standby": Rule(always(*VIEWERS), method="post", safe=False),
    "api-standby-accept": _post(Rule(always("candidate"), "offer")),
    "api-no-show-dispute": _post(Rule(always("candidate"), "no_show")),
    "api-round-grades": Rule(always(*PAIR, "coach_grades"), "round"),
    "api-grade": Rule(_peer_grade, "grade"),
    "api-grade-amendments": _post(Rule(_peer_grade, "grade")),
    "api-grade-annotations": _post(Rule(_peer_grade, "grade")),
    "api-progress": SIGNED_IN, "api-roster": SIGNED_IN,
    "api-candidate-progress": Rule(always("candidate", *COACHES), "candidate"),
    "api-schema": ANY, "api-docs": ANY,
}
ADMIN = Rule(always(), "admin")  # nobody here is staff: the admin lets none of them in
# Bank pages list every question by title: what must not leak there is which question a
# round will ask, so they are not searched for the round's question.
BANK_PAGES = ("companies:", "api-compan", "api-question", "scoring:example", "api-schema",
              "api-docs")


def all_routes():
    """(name, pattern) of every URL the project serves."""
    found = []

    def walk(patterns, prefix="", namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace or ""]))
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = ":".join(filter(None, [namespace, entry.name or ""]))
                found.append((name, prefix + str(entry.pattern)))

    walk(get_resolver().url_patterns)
    return found


def rule_for(name: str) -> Rule | None:
    if name == "admin:view_on_site":
        return ANY  # a redirect to the object's own page, which decides for itself
    if name in ("admin:login", "admin:logout"):
        return ANY
    if name == "admin" or name.startswith("admin:"):
        return ADMIN
    return ROUTES.get(name)


def test_every_route_has_an_entry():
    missing = sorted({name or pattern for name, pattern in all_routes()
                      if rule_for(name) is None})
    assert not missing, f"routes with no entry in the access matrix: {missing}"


# --- the world -------------------------------------------------------------------------------


@dataclass
class StateWorld:
    round: Round
    secrets: dict[str, str]  # kind of secret -> text that must not leak
    peer_grade_id: int | None
    take_id: int


def _round(candidate, interviewer, question, company, *, starts_in: timedelta) -> Round:
    starts_at = timezone.now() + starts_in
    session = MockSession.objects.create(
        participant_a=interviewer, participant_b=candidate, starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90), company=company)
    return Round.objects.create(session=session, number=1, interviewer=interviewer,
                                candidate=candidate, question=question, company=company,
                                target_level="staff", starts_at=starts_at, minutes=45)


def _build_state(state, people, question, company, observer) -> StateWorld:
    starts_in = {"booked": timedelta(days=2), "live": timedelta(minutes=-10)}.get(
        state, timedelta(hours=-3))
    round_ = _round(people["candidate"], people["interviewer"], question, company,
                    starts_in=starts_in)
    RoomObserver.objects.create(session=round_.session, user=observer,
                                invited_by=people["candidate"])
    secrets = {"question": question.title, "solution": _distinct_line(question.solution),
               "notes": f"Private room note {state} wombat"}
    InterviewerNotes.objects.create(round=round_, text=secrets["notes"])
    take = RecordingTake.objects.create(round=round_, speaker=people["candidate"],
                                        role=SpeakerRole.CANDIDATE, key=f"take{state}x1",
                                        started_at=round_.starts_at, offset_seconds=0)
    if state != "booked":
        secrets["transcript"] = f"Transcript line {state} quokka"
        TranscriptSegment.objects.create(
            round=round_, speaker=people["candidate"], role=SpeakerRole.CANDIDATE,
            start_seconds=5, end_seconds=9, text=secrets["transcript"], source_key="matrix")
    peer_grade_id = None
    if state in ("graded_by_one", "graded_by_both"):
        secrets["peer_grade"] = f"Peer swing {state} narwhal"
        data = grade_input(round_, verdict="staff", scores={})
        data.swing = secrets["peer_grade"]  # shown in the report and the grades API
        peer_grade_id = grade_submit(round_=round_, author=people["interviewer"], data=data).pk
    if state == "graded_by_both":
        secrets["self_grade"] = f"Self swing {state} axolotl"
        data = grade_input(round_, verdict="senior", scores={})
        data.swing = secrets["self_grade"]
        grade_submit(round_=round_, author=people["candidate"], data=data)
    return StateWorld(round_, secrets, peer_grade_id, take.pk)


def _distinct_line(markdown: str) -> str:
    """A stretch of the solution long enough to be its own, as rendered text."""
    words = re.sub(r"[*_`#>\[\]()|]", " ", markdown).split()
    return " ".join(words[10:16])


def forbidden(viewer: str, state: str, world: StateWorld) -> dict[str, str]:
    """The secrets of `world` that `viewer` must never read, on any route."""
    secrets = world.secrets
    hidden = {}
    if viewer != "interviewer":
        hidden["solution"] = secrets["solution"]
        hidden["notes"] = secrets["notes"]
    if state == "booked" and viewer != "interviewer":
        hidden["question"] = secrets["question"]
    if "transcript" in secrets and viewer not in {*PAIR, "coach_transcripts"}:
        hidden["transcript"] = secrets["transcript"]
    if "peer_grade" in secrets:
        readers = {"interviewer"} if state == "graded_by_one" else {
            *PAIR, "coach_grades", "coach_reports"}
        if viewer not in readers:
            hidden["peer_grade"] = secrets["peer_grade"]
    if "self_grade" in secrets and viewer not in {*PAIR, "coach_grades", "coach_reports"}:
        hidden["self_grade"] = secrets["self_grade"]
    return hidden


@pytest.fixture
def world(bank):
    people = {name: _make_user(name, kind="coach" if name.startswith("coach") else "candidate")
              for name in VIEWERS if name != "anonymous"}
    company = Company.objects.get(slug="meta")
    questions = list(Question.objects.filter(type="design").exclude(solution="")
                     .order_by("slug")[:len(STATES)])
    link(people["coach_grades"], people["candidate"], grades=True, reports=False,
         transcripts=False, upcoming=False)
    reports_link = link(people["coach_reports"], people["candidate"], grades=False,
                        reports=True, transcripts=False, upcoming=False)
    link(people["coach_transcripts"], people["candidate"], grades=False, reports=False,
         transcripts=True, upcoming=False)
    link(people["coach_recordings"], people["candidate"], grades=False, reports=False,
         transcripts=False, recordings=True, upcoming=False)
    states = {state: _build_state(state, people, question, company, people["observer"])
              for state, question in zip(STATES, questions, strict=True)}
    request = MockRequest.objects.create(user=people["candidate"], target_level="staff",
                                         role_track=RoleTrack.objects.first())
    booked = states["booked"].round.session
    offer = StandbyOffer.objects.create(missed_session=booked, offered_to=people["candidate"],
                                        standby_user=people["outsider"])
    no_show = NoShowReport.objects.create(session=states["graded_by_both"].round.session,
                                          reporter=people["interviewer"],
                                          absent=people["candidate"])
    pending = CoachLink.objects.create(coach=people["coach_unlinked"],
                                       candidate=people["candidate"], started_by="candidate",
                                       status="pending")
    return {"people": people, "states": states, "request": request, "offer": offer,
            "no_show": no_show, "link": reports_link, "pending": pending,
            "questions": questions}


def _kwargs(name: str, pattern: str, rule: Rule, world, state: str) -> dict | None:
    here = world["states"][state]
    fill = {
        "round_id": here.round.pk, "session_id": here.round.session_id,
        "request_id": world["request"].pk, "offer_id": world["offer"].pk,
        "report_id": world["no_show"].pk, "link_id": world["link"].pk,
        "candidate_id": world["people"]["candidate"].pk, "take_id": here.take_id,
        "grade_id": here.peer_grade_id, "slug": _slug(name, rule, world),
        "fmt": "md", "token": world["pending"].token or "x", "uidb64": "MQ", "action": "agree",
        "key": "takematrix01", "seq": 0, "object_id": "1", "content_type_id": "1",
        "app_label": "interviews", "url": "nothing/", "id": "1",
    }
    names = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", pattern)
    kwargs = {}
    for plain, regex in names:
        name = plain or regex
        if fill.get(name) is None:
            return None
        kwargs[name] = fill[name]
    return kwargs


def _slug(name: str, rule: Rule, world) -> str:
    if name in ("companies:company", "api-company"):
        return "meta"
    if name == "companies:role_track":
        return RoleTrack.objects.first().slug
    if name.startswith("scoring:example"):
        return "no-such-example"
    return world["questions"][0].slug


def _url(pattern: str, kwargs: dict) -> str:
    url = pattern
    for name, value in kwargs.items():
        url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
        url = re.sub(rf"\(\?P<{name}>[^)]*\)", str(value), url)
    return "/" + url.replace("^", "").replace("$", "")


def _refused(response, viewer: str) -> bool:
    if response.status_code == 404:
        return True
    if viewer == "anonymous" or response.status_code in (401, 403):
        return response.status_code in (302, 401, 403) and (
            response.status_code != 302 or "login" in response.get("Location", ""))
    return response.status_code == 302 and "/admin/login/" in response.get("Location", "")


@pytest.mark.parametrize("state", STATES)
def test_the_matrix(client, world, state):
    problems = []
    people = world["people"]
    for viewer in VIEWERS:
        client.logout()
        if viewer != "anonymous":
            client.force_login(people[viewer])
        hidden = forbidden(viewer, state, world["states"][state])
        for name, pattern in all_routes():
            rule = rule_for(name)
            kwargs = _kwargs(name, pattern, rule, world, state)
            if kwargs is None:
                continue  # e.g. a grade route while the round has no grade yet
            allowed = viewer in rule.allowed(state)
            if allowed and not rule.safe:
                continue
            url = _url(pattern, kwargs)
            response = getattr(client, rule.method)(url)
            where = f"{viewer} {rule.method.upper()} {url} ({name}, {state})"
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code}")
                continue
            if rule is not ANY and rule is not SIGNED_IN and rule.allowed(state) != EVERYONE:
                refused = _refused(response, viewer)
                if allowed and refused and not rule.allowed_may_404:
                    problems.append(f"{where}: refused ({response.status_code}), expected in")
                if not allowed and not refused:
                    problems.append(f"{where}: let in ({response.status_code})")
            body = b"".join(response) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            for kind, secret in hidden.items():
                if kind == "question" and name.startswith(BANK_PAGES):
                    continue
                if secret and secret in text:
                    problems.append(f"{where}: shows the {kind}")
    assert not problems, "\n".join(problems[:60])


# --- sockets ---------------------------------------------------------------------------------

SOCKET_ROUTES = {"ws/room/<id:session_id>/": always(*PAIR, "observer")}


def test_every_socket_route_has_an_entry():
    from config.websocket_routes import websocket_urlpatterns

    missing = [str(p.pattern) for p in websocket_urlpatterns
               if str(p.pattern) not in SOCKET_ROUTES]
    assert not missing, f"socket routes with no entry in the access matrix: {missing}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("state", ("booked", "live"))
def test_the_socket_matrix(world, state):
    from channels.db import database_sync_to_async
    from django.db import connections

    from interviews import room_relay
    from tests.interviews.test_room_socket import Client, _Loop

    problems = []
    here = world["states"][state]
    for viewer in VIEWERS:
        user = world["people"].get(viewer)
        client = Client(user, here.round.session_id)
        if user is None:
            from django.contrib.auth.models import AnonymousUser

            client.communicator.scope["user"] = AnonymousUser()
        connected, _ = client.connect()
        allowed = viewer in SOCKET_ROUTES["ws/room/<id:session_id>/"](state)
        if connected != allowed:
            problems.append(f"{viewer} ({state}): connected={connected}, expected {allowed}")
        if connected:
            client.receive_type("welcome")
            client.send({"type": "hello", "last_seq": 0})
            frames = json.dumps(client.receive_type("snapshot"))
            for kind, secret in forbidden(viewer, state, here).items():
                if secret in frames:
                    problems.append(f"{viewer} ({state}): the socket shows the {kind}")
            client.close()
    _Loop.run(room_relay.close_connections())
    _Loop.run(database_sync_to_async(connections.close_all)())
    assert not problems, "\n".join(problems)
