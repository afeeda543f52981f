"""Who coaches whom, and what a coach may see of a candidate."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from accounts.services import profile_for
from coaching.models import CoachComment, CoachLink
from interviews.access import RoundAccess


def links_of_candidate(candidate) -> QuerySet[CoachLink]:
    return (CoachLink.objects.filter(candidate=candidate)
            .exclude(status=CoachLink.Status.ENDED).select_related("coach__profile"))


def links_of_coach(coach) -> QuerySet[CoachLink]:
    return (CoachLink.objects.filter(coach=coach)
            .exclude(status=CoachLink.Status.ENDED).select_related("candidate__profile"))


def coach_shares(coach, candidate_id: int) -> frozenset[str]:
    """What `candidate_id` shares with `coach` through an active link (grades, reports,
    transcripts, upcoming); empty without one. Rounds ask it through
    `interviews.access.round_access`."""
    if not getattr(coach, "is_authenticated", False) or coach.pk == candidate_id:
        return frozenset()
    link = CoachLink.objects.filter(coach=coach, candidate_id=candidate_id,
                                    status=CoachLink.Status.ACTIVE).first()
    return frozenset(link.shared) if link else frozenset()


def linked_candidate_ids(coach) -> list[int]:
    return list(CoachLink.objects.filter(coach=coach, status=CoachLink.Status.ACTIVE)
                .values_list("candidate_id", flat=True))


def link_get_for_user(user, link_id: int) -> CoachLink:
    """A link the user is one side of; 404 for anyone else."""
    link = (CoachLink.objects.filter(pk=link_id).select_related("candidate", "coach")
            .first())
    if link is None or user.pk not in (link.candidate_id, link.coach_id):
        raise Http404("No such coaching link of yours.")
    return link


def pending_link_by_token(token: str) -> CoachLink:
    link = (CoachLink.objects.filter(token=token, status=CoachLink.Status.PENDING)
            .select_related("candidate__profile", "coach__profile").first())
    if link is None:
        raise Http404("This invitation is no longer valid; ask for a new one.")
    return link


# --- progress: who may read a candidate's progress, and which parts ------------------------


@dataclass(frozen=True)
class ProgressAccess:
    """A viewer's right to one candidate's progress: the candidate themself sees all of it;
    a linked coach sees the grade figures only when grades are shared, and the upcoming
    mocks only when those are."""

    candidate: object  # the User, with its profile loaded
    own: bool
    grades: bool
    upcoming: bool

    @property
    def name(self) -> str:
        return self.candidate.profile.name


def progress_access(viewer, candidate_id: int | None = None, *,
                    viewer_profile=None) -> ProgressAccess:
    """The viewer's own progress (candidate_id None or their own id), or that of a
    candidate they coach through an active link; 404 for everyone else, coaches' own
    included, so nobody learns who has an account."""
    if not viewer.is_authenticated:
        raise Http404("No such candidate.")
    if candidate_id is None or candidate_id == viewer.pk:
        profile = viewer_profile or profile_for(viewer)
        if profile.is_coach:
            raise Http404("Coach accounts have no progress of their own; see your roster.")
        viewer.profile = profile
        return ProgressAccess(viewer, own=True, grades=True, upcoming=True)
    link = (CoachLink.objects.filter(coach=viewer, candidate_id=candidate_id,
                                     status=CoachLink.Status.ACTIVE)
            .select_related("candidate__profile").first())
    if link is None:
        raise Http404("No such candidate of yours.")
    return ProgressAccess(link.candidate, own=False, grades=link.share_grades,
                          upcoming=link.share_upcoming)


def active_links_of_coach(coach) -> list[CoachLink]:
    """The coach's active links with each candidate and profile, in one query."""
    return list(CoachLink.objects.filter(coach=coach, status=CoachLink.Status.ACTIVE)
                .select_related("candidate__profile"))


def coach_comments_for(access: RoundAccess) -> list:
    """Coaches' comments on a round: for its candidate, and for coaches who read its
    report; nobody else (the interviewer included) sees them."""
    round_ = access.round
    if not access.coach_comments:
        return []
    return list(CoachComment.objects.filter(round=round_).select_related("coach__profile"))
