"""Recordings carry two voices: a coach hears the candidate's own only when the candidate
shares recordings, and the interviewer's only where the interviewer agreed."""

from __future__ import annotations

from companies.models import Company
from interviews.models import RecordingTake, SpeakerRole
from tests.coaching.factories import generic_question, link, past_round


def _take(round_, speaker, role):
    return RecordingTake.objects.create(round=round_, speaker=speaker, role=role,
                                        key=f"take-{role}-0001", started_at=round_.starts_at,
                                        offset_seconds=0, next_seq=3)


def _players(client, round_) -> str:
    return client.get(f"/mocks/round/{round_.pk}/transcript/").content.decode()


def test_a_new_link_shares_no_recordings(bank, candidate, coach):
    created = link(coach, candidate)
    assert "recordings" not in created.shared
    assert {"grades", "reports", "transcripts"} <= set(created.shared)


def test_the_coach_hears_the_candidate_and_the_interviewer_only_once_they_agree(
        client, bank, candidate, peer, coach):
    company = Company.objects.get(slug="meta")
    round_ = past_round(candidate, peer, company=company, question=generic_question("meta"),
                        days_ago=1)
    own = _take(round_, candidate, SpeakerRole.CANDIDATE)
    theirs = _take(round_, peer, SpeakerRole.INTERVIEWER)
    shared = link(coach, candidate, transcripts=True, recordings=False)
    client.force_login(coach)
    page = _players(client, round_)
    assert f'data-take="{own.pk}"' not in page and f'data-take="{theirs.pk}"' not in page
    assert client.get(f"/mocks/round/{round_.pk}/audio/{own.pk}/").status_code == 404

    shared.share_recordings = True
    shared.save(update_fields=["share_recordings"])
    page = _players(client, round_)
    assert f'data-take="{own.pk}"' in page and f'data-take="{theirs.pk}"' not in page
    assert client.get(f"/mocks/round/{round_.pk}/audio/{theirs.pk}/").status_code == 404

    client.force_login(peer)
    assert client.post(f"/mocks/round/{round_.pk}/voice-share/", {"share": "1"}).status_code == 302
    client.force_login(coach)
    assert f'data-take="{theirs.pk}"' in _players(client, round_)

    client.force_login(candidate)  # only the interviewer decides about their voice
    assert client.post(f"/mocks/round/{round_.pk}/voice-share/", {"share": "0"}).status_code == 404
    client.force_login(peer)
    client.post(f"/mocks/round/{round_.pk}/voice-share/", {"share": "0"})
    client.force_login(coach)
    assert f'data-take="{theirs.pk}"' not in _players(client, round_)
