"""The room writer's batch on PostgreSQL: what one batch of strokes costs to store.

    .venv/bin/python bench/room_writer.py               # 50 rooms, 200-event batches, 100 of them
    .venv/bin/python bench/room_writer.py --batches 20 --events 50

It creates its own database (`mockloop_bench_writer`, dropped at the end) on the
PostgreSQL that scripts/test_services.py runs (started if down), with rooms as
bench/relay.py makes them, then stores batches of whiteboard events of the size the relay
bench sends (an Excalidraw rectangle of about 500 bytes each, a new version of one
element per sender) with `room_relay.store_events`, as the writer's thread does. It
prints per batch the wall time and the CPU of this thread (the Python that holds the GIL
the server's event loop waits for), both as median and p90, and the mean CPU of the
PostgreSQL backend serving it (read from /proc, so the database must run here).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from script_loader import load_script

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "mockloop_bench_writer"


def _relay_bench():
    return load_script("bench/relay.py", "mockloop_relay_bench")


def _process_cpu_ms(pid: int) -> float:
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _stroke(sender: int, version: int) -> dict:
    return {"id": f"bench-{sender}", "type": "rectangle", "x": 100.5 + version, "y": 80.25,
            "width": 120, "height": 64, "angle": 0, "strokeColor": "#1e1e1e",
            "backgroundColor": "transparent", "fillStyle": "solid", "strokeWidth": 2,
            "roughness": 1, "opacity": 100, "seed": 1000 + sender, "version": version,
            "versionNonce": 7919 * version + sender, "isDeleted": False,
            "boundElements": None, "updated": 1_700_000_000_000 + version, "link": None,
            "locked": False, "customData": {"sender": sender, "k": version,
                                            "sent": 12345.678901, "note": "x" * 120}}


def measure(sessions: list[int], batches: int, events: int) -> dict:
    from django.db import connection

    from interviews import room_relay
    from interviews.models import RoomState

    RoomState.objects.bulk_create([RoomState(session_id=s) for s in sessions],
                                  ignore_conflicts=True)
    counters = dict.fromkeys(sessions, 0)

    def batch() -> list:
        made = []
        for index in range(events):
            session = sessions[index % len(sessions)]
            counters[session] += 1
            sender = index % (2 * len(sessions))
            made.append(room_relay.Event(
                session_id=session, kind="whiteboard", seq=counters[session],
                actor_id=None, payload={"elements": [_stroke(sender, counters[session])]}))
        return made

    for _ in range(5):  # warm the connection, the plan cache and the tables
        room_relay.store_events(batch())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    walls, pythons = [], []
    prepared = [batch() for _ in range(batches)]
    backend_before = _process_cpu_ms(backend)
    for made in prepared:
        wall, cpu = time.perf_counter(), time.thread_time()
        room_relay.store_events(made)
        pythons.append((time.thread_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    # /proc counts in clock ticks (10 ms): the backend's CPU is read over all batches.
    postgres = (_process_cpu_ms(backend) - backend_before) / batches
    return {"wall": walls, "python": pythons, "postgres": postgres}


def _at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value
    return parse


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=_at_least(1), default=50)
    parser.add_argument("--events", type=_at_least(1), default=200, help="events per batch")
    parser.add_argument("--batches", type=_at_least(2), default=100,
                        help="timed batches (2 or more, for a p90)")
    args = parser.parse_args(argv)

    relay = _relay_bench()
    services = relay.Services()
    pg_url, _ = services.up()
    relay.admin_execute(pg_url, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)",
                        f"CREATE DATABASE {DATABASE}")
    try:
        os.environ.update({
            "DATABASE_URL": pg_url.rsplit("/", 1)[0] + f"/{DATABASE}",
            "DJANGO_SETTINGS_MODULE": "config.settings", "REDIS_URL": "",
            "MOCKLOOP_VAR_DIR": tempfile.mkdtemp(prefix="mockloop-bench-writer-"),
            "CELERY_EMBEDDED_WORKER": "0", "LOG_LEVEL": "WARNING"})
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("load_bank", verbosity=0)
        sessions = [room["session"] for room in relay.prepare_database(args.rooms)["rooms"]]
        figures = measure(sessions, args.batches, args.events)
        from django.db import connections

        connections.close_all()
    finally:
        relay.admin_execute(pg_url, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        services.down()

    def describe(values: list[float]) -> str:
        return (f"median {statistics.median(values):.2f}, "
                f"p90 {statistics.quantiles(values, n=10)[-1]:.2f}")

    print(f"{args.batches} batches of {args.events} whiteboard events over {args.rooms} "
          "rooms, ms per batch:")
    print(f"  {'wall time':24} {describe(figures['wall'])}")
    print(f"  {'writer thread CPU':24} {describe(figures['python'])}")
    print(f"  {'PostgreSQL backend CPU':24} mean {figures['postgres']:.2f}")
    print(f"WRITER events={args.events} wall_ms={statistics.median(figures['wall']):.2f} "
          f"python_cpu_ms={statistics.median(figures['python']):.3f} "
          f"postgres_cpu_ms={figures['postgres']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
