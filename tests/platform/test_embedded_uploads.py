"""`make run`'s SQLite holds a real mock: both participants upload their recordings at
once while the in-process worker transcribes, and no upload fails on a locked database."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import numpy as np

from tests.conftest import ROOT, _wait_for, free_port
from tests.platform.test_embedded_mode import embedded_env, manage
from tests.recording.speech import encode_webm, silence, speak, split_chunks

CSRF = "embeddedmodecsrftokenforthetest1"  # 32 characters, as Django's own secrets

SETUP = """
import json
from datetime import timedelta
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from accounts.services import user_create
from companies.models import Question
from interviews.models import MockSession, Round, RoundRecording

people = [user_create(username=name, email=f"{name}@example.test",
                      password="correct-horse-battery-9", kind="candidate").user
          for name in ("ana", "ben")]
start = timezone.now() - timedelta(minutes=5)
session = MockSession.objects.create(participant_a=people[0], participant_b=people[1],
                                     starts_at=start, ends_at=start + timedelta(minutes=90))
round_ = Round.objects.create(session=session, number=1, interviewer=people[0],
                              candidate=people[1], question=Question.objects.first(),
                              target_level="senior", starts_at=start, minutes=45)
RoundRecording.objects.create(round=round_, interviewer_agreed_at=start,
                              candidate_agreed_at=start, origin_at=start)
keys = []
for user in people:
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    keys.append(store.session_key)
print(json.dumps({"round": round_.pk, "sessions": keys}))
"""


def _put(base: str, session_key: str, path: str, data: bytes, final: bool) -> int:
    request = Request(f"{base}{path}", data=data, method="PUT", headers={
        "Content-Type": "audio/webm", "X-CSRFToken": CSRF,
        "Cookie": f"sessionid={session_key}; csrftoken={CSRF}",
        **({"X-Final": "1"} if final else {})})
    try:
        with urlopen(request, timeout=60) as response:
            return response.status
    except HTTPError as error:
        return error.code


def test_two_participants_upload_at_once_without_a_server_error(tmp_path):
    env = embedded_env(tmp_path)
    manage(env, "migrate", "--noinput")
    manage(env, "load_bank")
    made = json.loads(manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
    audio = np.concatenate([speak("We start with the requirements of the system."), silence(1),
                            speak("Then we estimate the load on the ranking service.")])
    chunks = split_chunks(encode_webm(audio), seconds=0.5)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    statuses: dict[str, list[int]] = {key: [] for key in made["sessions"]}
    try:
        _wait_for(f"{base}/healthz", server)

        def upload(session_key: str, take: str) -> None:
            for seq, chunk in enumerate(chunks):
                statuses[session_key].append(_put(
                    base, session_key, f"/api/rounds/{made['round']}/recording/{take}/{seq}/",
                    chunk, final=seq == len(chunks) - 1))

        threads = [threading.Thread(target=upload, args=(key, f"embeddedtake{i}"))
                   for i, key in enumerate(made["sessions"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        for key, codes in statuses.items():
            assert codes == [201] * len(chunks), f"uploads of {key}: {codes}"
        for key in made["sessions"]:
            request = Request(f"{base}/api/rounds/{made['round']}/recording/",
                              headers={"Cookie": f"sessionid={key}"})
            with urlopen(request, timeout=30) as response:
                takes = json.load(response)["takes"]
            assert [t["next_seq"] for t in takes] == [len(chunks)]
    finally:
        server.terminate()
        server.wait(timeout=30)
