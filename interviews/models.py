"""Booking: mock requests with availability, the sessions the matcher creates, rounds,
no-show reports and standby."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from companies.models import ALTITUDE_CHOICES, Company, Question, RoleTrack, altitude_rank


def session_length() -> timedelta:
    """A mock: two rounds, roles swapped."""
    return timedelta(minutes=2 * settings.MOCK_ROUND_MINUTES)


class WantedType(models.TextChoices):
    DESIGN = "design", "Design"
    DEBUG = "debug", "Debug"
    DRILL = "drill", "Capacity drill"
    ONCALL = "oncall", "On-call"
    BEHAVIORAL = "behavioral", "Behavioral"
    ANY = "any", "Any"


class MockRequest(models.Model):
    """A candidate's wish for a paired mock, open until matched, cancelled, or expired
    (when none of its windows can hold a session any more)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MATCHED = "matched", "Matched"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="mock_requests")
    companies = models.ManyToManyField(Company, blank=True, related_name="+")
    target_level = models.CharField(max_length=12, choices=ALTITUDE_CHOICES)
    role_track = models.ForeignKey(RoleTrack, on_delete=models.PROTECT, related_name="+")
    question_types = models.JSONField(default=list)
    focus_areas = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    waiting_since = models.DateTimeField(
        default=timezone.now, help_text="When it last became open; the matcher serves "
        "the longest-waiting first.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "waiting_since"])]

    def __str__(self) -> str:
        return f"{self.user} request #{self.pk} ({self.status})"

    @property
    def level_rank(self) -> int:
        return altitude_rank(self.target_level)

    @property
    def could_still_hold_a_session(self) -> bool:
        """Whether a window still has room for a session: an expired request with one was
        given up because the user's other open requests offer its times."""
        now, length = timezone.now(), session_length()
        return any(window.ends_at - max(window.starts_at, now) >= length
                   for window in self.windows.all())

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def generic_match_from(self):
        """From then on a peer without a shared target company may be matched."""
        return self.waiting_since + timedelta(hours=settings.MOCK_GENERIC_MATCH_AFTER_HOURS)


class AvailabilityWindow(models.Model):
    request = models.ForeignKey(MockRequest, on_delete=models.CASCADE, related_name="windows")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="window_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%H:%M} UTC"


class MockSession(models.Model):
    """Two peers, two rounds with the roles swapped."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "Peer did not come"
        COMPLETED = "completed", "Completed"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant_a = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                      related_name="+")
    participant_b = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                      related_name="+")
    request_a = models.ForeignKey(MockRequest, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    request_b = models.ForeignKey(MockRequest, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices,
                              default=Status.SCHEDULED)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text="The shared target, if any.")
    explanation = models.CharField(max_length=300, blank=True)
    calendar_sequence = models.PositiveIntegerField(default=0)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 help_text="Who last moved the mock; the other may then "
                                 "cancel without it counting as late.")
    reminded_day_before_at = models.DateTimeField(null=True, blank=True)
    reminded_soon_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(participant_a=models.F("participant_b")),
                                   name="session_has_two_people"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="session_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"Mock {self.pk} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    def get_absolute_url(self) -> str:
        return reverse("interviews:session", args=[self.pk])

    @property
    def participants(self) -> tuple:
        return (self.participant_a, self.participant_b)

    def has_participant(self, user) -> bool:
        return user.pk in (self.participant_a_id, self.participant_b_id)

    def peer_of(self, user):
        return self.participant_b if user.pk == self.participant_a_id else self.participant_a

    def request_of(self, user) -> MockRequest | None:
        return self.request_a if user.pk == self.participant_a_id else self.request_b

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.SCHEDULED

    def has_started(self, now=None) -> bool:
        return (now or timezone.now()) >= self.starts_at

    def may_move(self, now=None) -> bool:
        """Moves are for plans that change early: more than MOCK_LATE_CANCEL_HOURS ahead."""
        now = now or timezone.now()
        return self.is_scheduled and (
            self.starts_at - now >= timedelta(hours=settings.MOCK_LATE_CANCEL_HOURS))

    def is_late_cancellation(self, now=None) -> bool:
        cutoff = timedelta(hours=settings.MOCK_LATE_CANCEL_HOURS)
        return self.starts_at - (now or timezone.now()) < cutoff


class Booking(models.Model):
    """A person's time taken by a session. On PostgreSQL an exclusion constraint (see
    migration 0002) makes two active bookings of one person at overlapping times
    impossible, whatever races between matchers."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="bookings")
    session = models.ForeignKey(MockSession, on_delete=models.CASCADE,
                                related_name="bookings")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "session"], name="one_booking_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.user} busy {self.starts_at:%Y-%m-%d %H:%M}"


class Round(models.Model):
    """One half of a session: who interviews whom, on which question."""

    session = models.ForeignKey(MockSession, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                    related_name="+")
    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="+")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="rounds")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text="Whose ladder grades it.")
    target_level = models.CharField(max_length=12, choices=ALTITUDE_CHOICES)
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField()
    ended_early_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the interviewer ends the round early.")

    class Meta:
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="one_round_number"),
            models.CheckConstraint(condition=~Q(interviewer=models.F("candidate")),
                                   name="round_has_two_people"),
        ]

    def __str__(self) -> str:
        return f"Round {self.number} of mock {self.session_id}"

    @property
    def scheduled_end(self):
        return self.starts_at + timedelta(minutes=self.minutes)

    @property
    def ends_at(self):
        """When grading opens: the scheduled end, or earlier when the interviewer ended
        the round early."""
        return self.ended_early_at or self.scheduled_end


class NoShowReport(models.Model):
    """A participant saying their peer did not come. It counts against the absent
    person unless they dispute it."""

    session = models.ForeignKey(MockSession, on_delete=models.CASCADE,
                                related_name="no_show_reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="+")
    absent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="no_shows")
    disputed = models.BooleanField(default=False)
    dispute_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session"], name="one_no_show_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.absent} missed mock {self.session_id}"


class LateCancellation(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="late_cancellations")
    session = models.OneToOneField(MockSession, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} cancelled mock {self.session_id} late"


class Standby(models.Model):
    """Someone ready to step in for a missing peer until a given time."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="standby")
    until = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} on standby until {self.until:%H:%M}"


class StandbyOffer(models.Model):
    """After a no-show: the first fitting standby peer, offered to the one who came."""

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    missed_session = models.ForeignKey(MockSession, on_delete=models.CASCADE,
                                       related_name="standby_offers")
    offered_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="+")
    standby_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                     related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OFFERED)
    new_session = models.ForeignKey(MockSession, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"standby {self.standby_user} for {self.offered_to}"


# --- the live room ------------------------------------------------------------------------


class RoomState(models.Model):
    """One per session: the event counter, the active round and the server-owned clock.

    The clock counts seconds in the current phase and overall; while running, the time
    since `marked_at` is added on top of the stored figures."""

    session = models.OneToOneField(MockSession, on_delete=models.CASCADE,
                                   related_name="room_state")
    last_seq = models.PositiveIntegerField(default=0)
    active_round = models.PositiveSmallIntegerField(default=1)
    phases = models.JSONField(default=list, help_text="[{key, name, minutes}] of the round.")
    phase_index = models.PositiveSmallIntegerField(default=0)
    running = models.BooleanField(default=False)
    phase_seconds = models.FloatField(default=0)
    round_seconds = models.FloatField(default=0)
    marked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"room of mock {self.session_id} at event {self.last_seq}"


class RoomEvent(models.Model):
    """Every state change of a room, in order: the resume log and the replay."""

    # No index of its own: the unique (session, seq) index serves lookups by session,
    # and every stroke pays for each index the table has.
    session = models.ForeignKey(MockSession, on_delete=models.CASCADE,
                                related_name="room_events", db_index=False)
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=20)
    payload = models.JSONField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="one_event_per_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.seq} in mock {self.session_id}"


class RevealedHint(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="revealed_hints")
    index = models.PositiveSmallIntegerField()
    revealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round", "index"]
        constraints = [
            models.UniqueConstraint(fields=["round", "index"], name="reveal_hint_once"),
        ]

    def __str__(self) -> str:
        return f"hint {self.index + 1} of round {self.round_id}"


class InterviewerNotes(models.Model):
    """The interviewer's private pad for one round; carried into the grade form."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notes on round {self.round_id}"


class WhiteboardElement(models.Model):
    """The current version of one Excalidraw element of a session's shared board."""

    # Looked up through the unique (session, element_id) index.
    session = models.ForeignKey(MockSession, on_delete=models.CASCADE,
                                related_name="whiteboard_elements", db_index=False)
    element_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    version_nonce = models.BigIntegerField()
    data = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "element_id"],
                                    name="one_row_per_element"),
        ]

    def __str__(self) -> str:
        return f"{self.element_id} v{self.version}"


class RoomObserver(models.Model):
    """Someone a participant invited to watch the room read-only (their coach)."""

    session = models.ForeignKey(MockSession, on_delete=models.CASCADE,
                                related_name="observers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="observe_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} observes mock {self.session_id}"


# --- recording and transcript -------------------------------------------------------------


class SpeakerRole(models.TextChoices):
    INTERVIEWER = "interviewer", "Interviewer"
    CANDIDATE = "candidate", "Candidate"


class TranscriptSegment(models.Model):
    """A stretch of one participant's speech in a round, with times in seconds from the
    round's start. Grades cite these rows."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="transcript")
    speaker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="+")
    role = models.CharField(max_length=12, choices=SpeakerRole.choices)
    start_seconds = models.FloatField()
    end_seconds = models.FloatField()
    text = models.TextField()
    words = models.JSONField(default=list, blank=True,
                             help_text="[{word, start, end}] in round seconds.")
    source_key = models.CharField(
        max_length=64, help_text="What produced it (track and audio window), so re-running "
                                 "a transcription replaces instead of duplicating.")
    take = models.ForeignKey("RecordingTake", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="segments", help_text="The audio it was heard in.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round", "start_seconds", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "speaker", "source_key", "start_seconds"],
                                    name="segment_once_per_source"),
        ]
        indexes = [models.Index(fields=["round", "start_seconds"])]

    def __str__(self) -> str:
        return f"{self.role} at {self.start_seconds:.1f}s in round {self.round_id}"

    @property
    def timestamp(self) -> str:
        """mm:ss (or h:mm:ss) of the segment's start."""
        total = int(self.start_seconds)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


class RoundRecording(models.Model):
    """Whether a round may be recorded: both people agreed and nobody paused it. Its
    `origin_at` is second 0 of the round's transcript (when recording first began)."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="recording")
    interviewer_agreed_at = models.DateTimeField(null=True, blank=True)
    candidate_agreed_at = models.DateTimeField(null=True, blank=True)
    paused_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    origin_at = models.DateTimeField(null=True, blank=True)
    interviewer_voice_shared_at = models.DateTimeField(
        null=True, blank=True,
        help_text="The interviewer let the candidate's coaches hear their voice too.")
    version = models.PositiveIntegerField(
        default=0, help_text="Raised on every change; clients keep the newest state.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"recording of round {self.round_id}"

    @property
    def both_agreed(self) -> bool:
        return bool(self.interviewer_agreed_at and self.candidate_agreed_at)

    @property
    def is_on(self) -> bool:
        return self.both_agreed and self.paused_by_id is None


class RecordingTake(models.Model):
    """One participant's continuous recording in a round (a pause or a reload starts a
    new take). Its chunks are appended in sequence order; `next_seq` counts those
    appended and checked, and the transcript is committed up to `transcribed_seconds`."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="takes")
    speaker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="+")
    role = models.CharField(max_length=12, choices=SpeakerRole.choices)
    key = models.CharField(max_length=40, help_text="Chosen by the recording browser.")
    started_at = models.DateTimeField(help_text="The first sample, on the server's clock.")
    offset_seconds = models.FloatField(help_text="Round seconds at the first sample.")
    next_seq = models.PositiveIntegerField(default=0)
    stream_bytes = models.BigIntegerField(default=0)
    decodable_bytes = models.BigIntegerField(default=0,
                                             help_text="Up to the last whole audio block.")
    stream_check = models.JSONField(default=dict)
    received_seconds = models.FloatField(default=0)
    final_seq = models.PositiveIntegerField(null=True, blank=True,
                                            help_text="The last chunk, once the browser said so.")
    last_chunk_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True,
                                    help_text="Every chunk is in (or the browser went away).")
    transcribed_seconds = models.FloatField(default=0)
    transcribed_at = models.DateTimeField(null=True, blank=True)
    playback_name = models.CharField(max_length=255, blank=True,
                                     help_text="A seekable copy, made once transcribed.")
    error = models.TextField(blank=True)
    error_seq = models.PositiveIntegerField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True,
                                     help_text="A transcription task is waiting for it.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "speaker", "key"], name="one_take_per_key"),
        ]

    def __str__(self) -> str:
        return f"take {self.key} of {self.role} in round {self.round_id}"

    @property
    def is_complete(self) -> bool:
        return self.transcribed_at is not None

    @property
    def end_seconds(self) -> float:
        return self.offset_seconds + self.received_seconds


class RecordingChunk(models.Model):
    """A piece of a take as uploaded; stored once, whatever the retries."""

    take = models.ForeignKey(RecordingTake, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=255)
    appended = models.BooleanField(default=False, help_text="Checked and part of the stream; "
                                   "false while held for an earlier chunk.")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["take", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["take", "seq"], name="one_chunk_per_seq"),
        ]

    def __str__(self) -> str:
        return f"chunk {self.seq} of take {self.take_id}"
