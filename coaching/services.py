"""Starting, accepting and ending coach links."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.services import profile_for
from coaching.models import CoachComment, CoachLink
from config.storable_text import UNSTORABLE_TEXT, is_storable
from interviews.access import RoundAccess


class CoachingError(ValueError):
    pass


def coach_invite_by_email(*, candidate, email: str) -> CoachLink:
    """The candidate invites a coach; the email carries a one-time acceptance link."""
    from coaching.tasks import send_coach_invite

    email = email.strip().lower()
    if profile_for(candidate).is_coach:
        raise CoachingError("Coach accounts cannot invite coaches; sign in as the candidate.")
    if email == (candidate.email or "").lower():
        raise CoachingError("That is your own email address.")
    if CoachLink.objects.filter(candidate=candidate, coach__email__iexact=email,
                                status=CoachLink.Status.ACTIVE).exists():
        raise CoachingError(f"{email} is already your coach.")
    link = CoachLink.objects.create(candidate=candidate, invited_email=email,
                                    started_by=CoachLink.Side.CANDIDATE)
    transaction.on_commit(lambda: send_coach_invite.delay(link.pk))
    return link


def coach_link_create(*, coach) -> CoachLink:
    """A coach makes a link to hand to a candidate."""
    if not profile_for(coach).is_coach:
        raise CoachingError("Only coach accounts can hand out coaching links.")
    return CoachLink.objects.create(coach=coach, started_by=CoachLink.Side.COACH)


def coach_link_accept(*, token: str, user, shares: dict[str, bool] | None = None) -> CoachLink:
    """The other side accepts: a coach an emailed invitation, a candidate a coach's link."""
    with transaction.atomic():
        link = CoachLink.objects.select_for_update().filter(token=token).first()
        if link is None or link.status != CoachLink.Status.PENDING:
            raise CoachingError("This invitation is no longer valid; ask for a new one.")
        is_coach = profile_for(user).is_coach
        if link.started_by == CoachLink.Side.CANDIDATE:
            if not is_coach:
                raise CoachingError("This invitation is for a coach account; sign in as the "
                                    "coach (or sign up as one) to accept it.")
            if link.candidate_id == user.pk:
                raise CoachingError("You cannot coach yourself.")
            link.coach = user
        else:
            if is_coach:
                raise CoachingError("This link is for a candidate; coaches cannot accept it.")
            link.candidate = user
        if CoachLink.objects.filter(candidate=link.candidate, coach=link.coach,
                                    status=CoachLink.Status.ACTIVE).exists():
            raise CoachingError("You are already linked.")
        for what, value in (shares or {}).items():
            if what in CoachLink.SHARES:
                setattr(link, f"share_{what}", bool(value))
        link.status = CoachLink.Status.ACTIVE
        link.accepted_at = timezone.now()
        link.save(update_fields=["coach", "candidate", "status", "accepted_at",
                                 *[f"share_{what}" for what in CoachLink.SHARES]])
    return link


def coach_link_update_shares(*, link: CoachLink, by, shares: dict[str, bool]) -> CoachLink:
    if by.pk != link.candidate_id:
        raise CoachingError("Only the candidate decides what is shared.")
    for what in CoachLink.SHARES:
        setattr(link, f"share_{what}", bool(shares.get(what)))
    link.save(update_fields=[f"share_{what}" for what in CoachLink.SHARES])
    return link


def coach_link_end(*, link: CoachLink, by) -> CoachLink:
    """Either side ends the link; the coach loses access at once, live rooms included."""
    if by.pk not in (link.candidate_id, link.coach_id):
        raise CoachingError("Only the candidate or the coach can end this link.")
    if link.status == CoachLink.Status.ENDED:
        return link
    with transaction.atomic():
        link.status = CoachLink.Status.ENDED
        link.ended_at = timezone.now()
        link.ended_by = by
        link.save(update_fields=["status", "ended_at", "ended_by"])
        if link.coach_id and link.candidate_id:
            _withdraw_room_invitations(link)
    return link


def _withdraw_room_invitations(link: CoachLink) -> None:
    from interviews.models import RoomObserver
    from interviews.observers import observer_withdraw

    observed = RoomObserver.objects.filter(
        user_id=link.coach_id, invited_by_id=link.candidate_id).select_related("session")
    for observer in observed:
        observer_withdraw(observer)


def coach_invite_to_room(*, session, by, coach_id) -> object:
    """A participant invites one of their linked coaches to watch a mock read-only."""
    from interviews.room import RoomError, observer_invite

    try:
        coach_pk = int(coach_id)
    except (TypeError, ValueError):
        raise CoachingError("Choose one of your coaches.") from None
    link = (CoachLink.objects.filter(candidate=by, coach_id=coach_pk,
                                     status=CoachLink.Status.ACTIVE)
            .select_related("coach__profile").first())
    if link is None:
        raise CoachingError("Only a coach linked to you can watch your mocks.")
    try:
        observer_invite(session=session, by=by, user=link.coach)
    except RoomError as exc:
        raise CoachingError(str(exc)) from None
    return link.coach


MAX_COMMENT = 4000


def coach_comment_add(*, access: RoundAccess, text: str):
    """A linked coach who reads the candidate's reports comments on a round."""
    round_, coach = access.round, access.user
    text = (text or "").strip()
    if not access.may_comment:
        raise CoachingError("Only a coach the candidate shares reports with can comment.")
    if not text:
        raise CoachingError("Write a comment first.")
    if not is_storable(text):
        raise CoachingError(UNSTORABLE_TEXT)
    if len(text) > MAX_COMMENT:
        raise CoachingError(f"Comments are limited to {MAX_COMMENT} characters "
                            f"(this one has {len(text)}).")
    return CoachComment.objects.create(round=round_, coach=coach, text=text)
