"""The national benchmark's measurements over HTTP: warm, cold, 8 clients, export, import.

Every loop has a count and a deadline; every request goes to 127.0.0.1.
"""

from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
from dataclasses import dataclass, field

from tests.benchmarks.client import Client, form_with
from tests.benchmarks.server import RssSampler

LOGIN, STATIC = "/login", "/static/css/kirab.css"
WARM_UP = 2  # requests of each URL before any is measured


@dataclass
class Samples:
    """Durations of one URL's requests, and the statuses other than the expected one."""

    seconds: list[float] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        """The median duration, None when nothing was measured."""
        return statistics.median(self.seconds) if self.seconds else None


def sample(samples: Samples, client: Client, path: str) -> None:
    """One GET, kept when it answered 200."""
    reply = client.get(path)
    if reply.status == 200:
        samples.seconds.append(reply.seconds)
    else:
        samples.failures.append(reply.status)


def warm(targets: dict[str, tuple[Client, str]], runs: int, limit: float) -> dict[str, Samples]:
    """Medians of unconditional, uncompressed 200s of URLs asked before, interleaved.

    Every round asks each URL once, so a busy moment of the shared machine
    weighs on the pages and the baselines alike. At least 3 rounds, at most
    ``runs``, and no new round after ``limit`` seconds.
    """
    results = {name: Samples() for name in targets}
    for client, path in targets.values():
        for _ in range(WARM_UP):
            client.get(path)
    deadline = time.monotonic() + limit
    for round_number in range(runs):
        if round_number >= 3 and time.monotonic() > deadline:
            break
        for name, (client, path) in targets.items():
            sample(results[name], client, path)
    return results


class Editor:
    """Changes one event through its edit form, as an organizer would: a new title each time."""

    def __init__(self, client: Client, event_id: int):
        self.client, self.event_id, self.count = client, event_id, 0

    def change(self) -> None:
        """Save the event with a new title; RuntimeError when the form refuses it."""
        self.count += 1
        path = f"/manage/events/{self.event_id}/edit"
        fields = form_with(self.client.get(path).body, "title", action="")
        changed = []
        for name, value in fields:
            if name == "title":
                value = re.sub(r" \(bench \d+\)$", "", value) + f" (bench {self.count})"
            changed.append((name, value))
        reply = self.client.post_form(path, changed)
        if reply.status != 302:
            raise RuntimeError(f"the edit of event {self.event_id} was refused ({reply.status})")


def cold(
    client: Client, editor: Editor, paths: dict[str, str], runs: int, limit: float,
    baselines: dict[str, str] | None = None,
):  # fmt: skip
    """The first request of each URL after one event changed, ``runs`` times each.

    After each such request the ``baselines`` (name: path, asked before and
    unchanged) are asked once too, so the cold pages are compared with
    baselines measured in the same moments of the shared machine, as the warm
    rounds are.
    """
    baselines = baselines or {}
    results = {name: Samples() for name in [*paths, *baselines]}
    deadline = time.monotonic() + limit
    for run in range(runs):
        if run >= 1 and time.monotonic() > deadline:
            break
        for name, path in paths.items():
            editor.change()
            sample(results[name], client, path)
            for base_name, base_path in baselines.items():
                sample(results[base_name], client, base_path)
    return results


def throughput(port: int, path: str, clients: int, seconds: float, cap: int = 20_000) -> float:
    """Requests per second answered 200 to ``clients`` clients asking at once for ``seconds``."""
    done, lock = [0], threading.Lock()
    ready, go = threading.Barrier(clients + 1), threading.Event()
    end_at = [0.0]

    def client_loop() -> None:
        client = Client(port, timeout=120)
        try:
            client.get(path)  # connected and warm before the clock starts
            ready.wait(timeout=300)
            go.wait(timeout=300)
            while time.monotonic() < end_at[0]:
                with lock:
                    if done[0] >= cap:
                        return
                if client.get(path).status == 200:
                    with lock:
                        done[0] += 1
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError):
            return
        finally:
            client.close()

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=300)
    start = time.monotonic()
    end_at[0] = start + seconds
    go.set()
    for thread in threads:
        thread.join(timeout=seconds + 180)
    return done[0] / max(time.monotonic() - start, 1e-9)


@dataclass
class Export:
    """A streamed export: how long it took, its size, whether it arrived whole."""

    seconds: float
    size: int
    rows: int
    whole: bool
    rss_growth_mib: float


def export(client: Client, path: str, workers: list[int], limit: float) -> Export:
    """Download ``path`` to the end, reading 1 MB at a time, sampling the workers' RSS."""
    sampler = RssSampler(workers, limit=limit + 60)
    sampler.start()
    size = rows = 0
    whole, last = False, b""
    start = time.perf_counter()
    try:
        response = client.open("GET", path)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            chunk = response.read(1 << 20)
            if not chunk:
                whole = response.status == 200
                break
            size += len(chunk)
            # A line end split between two reads counts too.
            rows += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
            last = chunk[-1:]
    except (OSError, http.client.HTTPException):
        whole = False
    seconds = time.perf_counter() - start
    growth = sampler.stop()
    client.close()
    return Export(seconds, size, max(rows - 1, 0), whole, growth)


def import_file(rows: int, stamp: str) -> bytes:
    """A CSV list of ``rows`` people nobody recorded before (names carry ``stamp``)."""
    categories = ("kpu", "bawaslu", "government", "student", "media")
    lines = ["name,category,organisation"]
    for number in range(rows):
        category = categories[number % len(categories)]
        lines.append(f"Peserta Uji {stamp} {number:05d},{category},Komunitas {number % 97}")
    return ("\r\n".join(lines) + "\r\n").encode()


def attendance_import(client: Client, event_id: int, data: bytes) -> tuple[float, int]:
    """POST the file through the import form: the seconds it took and the status."""
    path = f"/events/{event_id}/attendance/import"
    fields = form_with(client.get(path).body, "csrf_token", action="")
    fields = [(name, value) for name, value in fields if name != "file"]
    reply = client.post_file(path, fields, "file", data)
    return reply.seconds, reply.status
