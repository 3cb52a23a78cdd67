"""What the Slack benchmarks share: ``parvis serve`` and a bare aiohttp handler as subprocesses, signed
requests, a keep-alive load generator, percentiles, and a throw-away database for each run.

Used by ``slack_ack.py`` (three cached commands), ``mixed.py`` (a mixed workload) and ``burst.py`` (a
campaign's answer clicks). Nothing here is Parvis code: the servers are started as a user would start
them and spoken to over loopback HTTP, as Slack would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi  # noqa: E402

SECRET = "benchmark-signing-secret"
TEAM = "T0PARVIS"
#: ``[security] secret_key``: PostgreSQL refuses to start without one (SQLite would make one)
BENCH_SECRET_KEY = "benchmark-only-secret-key-0123456789abcdef"
#: where ``--database postgresql`` creates its throw-away database, unless ``--database-url`` says
POSTGRES_ENV = "PARVIS_BENCH_POSTGRES_URL"
POSTGRES_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/parvis_bench"
VERDICT = {True: "OK", False: "MISSED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed(data: bytes, content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    """The headers Slack sends with ``data``: its timestamp and signature."""
    ts = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=data.decode())
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def serve_bare(port: int) -> None:
    """The ceiling of any aiohttp app on this machine: read the body, answer a fixed JSON."""
    from aiohttp import web

    async def handle(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"response_type": "ephemeral", "text": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def start(argv: list[str], directory: Path) -> subprocess.Popen[bytes]:
    """A server subprocess in ``directory``, its stderr kept in ``server-N.log`` there."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.environ.get("EXTRA_PYTHONPATH", ""))
    for variable in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PARVIS_DATABASE_URL"):
        env.pop(variable, None)
    log = (directory / f"server-{len(list(directory.glob('server-*')))}.log").open("wb")
    return subprocess.Popen(argv, cwd=directory, env=env, stdout=subprocess.DEVNULL, stderr=log)


def parvis(*arguments: str, config: Path) -> list[str]:
    """The command line of ``parvis …`` with this configuration."""
    return [sys.executable, "-m", "bots.cli", *arguments, "--config", str(config)]


def run_cli(argv: list[str], directory: Path) -> None:
    """Run a ``parvis`` command to its end (``db upgrade``, ``directory import``); fail loudly."""
    done = subprocess.run(argv, cwd=directory, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv[2:4])} failed ({done.returncode}):\n{done.stderr}")


async def wait_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with status {process.returncode}")
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def stop(processes: Iterable[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads so far (Linux ``/proc``; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_config(directory: Path, port: int, api: FakeSlackApi, database_url: str, extra: str = "") -> Path:
    path = directory / "parvis.toml"
    path.write_text(f"""
[server]
port = {port}
[database]
url = "{database_url}"
[security]
secret_key = "{BENCH_SECRET_KEY}"
# the traffic is of members who accepted the usage charter long ago: no gate reply stands in for it
[governance]
require_charter = false
[slack]
bot_token = "{BOT_TOKEN}"
signing_secret = "{SECRET}"
api_base_url = "{api.base_url}"
{extra}
""")
    if "[scheduler]" not in extra:
        path.write_text(path.read_text() + "[scheduler]\nenabled = false\n")
    path.chmod(0o600)  # it holds secrets: parvis warns about a file others can read
    return path


def percentile(samples: list[float], p: float) -> float:
    """The ``p``-th percentile of ``samples`` (NaN when empty), in their unit."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


@dataclass
class Sent:
    """One request to send: its label (what the report groups it under) and its body."""

    label: str
    body: bytes
    content_type: str = "application/x-www-form-urlencoded"


@dataclass
class Run:
    """What one load run measured: every request's latency by label, errors, wall time."""

    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    cpu_seconds: float = float("nan")

    @property
    def count(self) -> int:
        return sum(len(each) for each in self.latencies.values())

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("nan")

    def all(self) -> list[float]:
        return [latency for each in self.latencies.values() for latency in each]

    def merge(self, other: Run) -> None:
        self.seconds += other.seconds
        self.errors += other.errors
        self.cpu_seconds = (other.cpu_seconds if self.cpu_seconds != self.cpu_seconds
                            else self.cpu_seconds + other.cpu_seconds)
        for label, each in other.latencies.items():
            self.latencies.setdefault(label, []).extend(each)


async def load(url: str, requests: list[Sent], connections: int,
               answered: Callable[[Sent, int, bytes], Awaitable[None]] | None = None) -> Run:
    """Send every request over ``connections`` keep-alive connections, each signed just before it
    leaves; latencies in seconds by label. ``answered`` sees each response (status, body)."""
    run = Run()
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            for sent in queue:
                headers = signed(sent.body, sent.content_type)
                begin = time.perf_counter()
                async with session.post(url, data=sent.body, headers=headers) as response:
                    body = await response.read()
                    if response.status != 200:
                        run.errors += 1
                run.latencies.setdefault(sent.label, []).append(time.perf_counter() - begin)
                if answered is not None:
                    await answered(sent, response.status, body)

        begin = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        run.seconds = time.perf_counter() - begin
    return run


def database_url(choice: str, given: str | None, directory: Path, name: str) -> str:
    """The database of one run: a SQLite file in ``directory``, or a PostgreSQL database made for it
    (``given``, else ``$PARVIS_BENCH_POSTGRES_URL``, else the local default, with ``_<name>``)."""
    if choice == "sqlite":
        return given or f"sqlite+aiosqlite:///{directory / 'bench.db'}"
    return given or os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT) + f"_{name}"


async def fresh_postgres(url: str, *, drop: bool = False) -> None:
    """(Re)create the PostgreSQL database ``url`` names, empty; ``drop``: only drop it.

    Everything in it is lost: a benchmark database is throw-away by design."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            if not drop:
                await conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        await admin.dispose()



def arguments(description: str | None) -> argparse.ArgumentParser:
    """A benchmark's command line, with the options every server benchmark takes: which database,
    where to keep things, tracing."""
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", help="the database to (re)create and drop (default: "
                        f"a SQLite file, or ${POSTGRES_ENV} + the benchmark's name)")
    parser.add_argument("--workdir", help="keep configuration, logs and database here (PostgreSQL's: kept)")
    parser.add_argument("--trace", action="store_true", help="count statements and transactions per command")
    return parser


@dataclass
class Served:
    """``parvis serve`` running on a throw-away database with an imported directory."""

    directory: Path
    url: str  # the database's
    port: int
    processes: dict[str, subprocess.Popen[bytes]]

    @property
    def events(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"


@asynccontextmanager
async def serving(args: argparse.Namespace, api: FakeSlackApi, people: str, name: str,
                  wrapper: list[str] | None = None) -> AsyncIterator[Served]:
    """A database made for the run (a SQLite file, or a PostgreSQL database ``…_<name>``), the
    directory CSV ``people`` loaded with ``parvis directory import``, and ``parvis serve`` on it, run
    by ``wrapper`` (``--trace``: ``trace_server.py``; a profiler) — stopped, dropped and its trace
    printed at the end. More processes put in ``processes`` are stopped with it."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(args.workdir or tmp)
        directory.mkdir(parents=True, exist_ok=True)
        url = database_url(args.database, args.database_url, directory, name)
        trace = directory / "trace.json"
        if args.trace:
            wrapper = [str(Path(__file__).parent / "trace_server.py"), str(trace)]
        if args.database == "postgresql":
            await fresh_postgres(url)
        served = Served(directory, url, free_port(), {})
        try:
            config = write_config(directory, served.port, api, url)
            if args.database == "postgresql":
                run_cli(parvis("db", "upgrade", config=config), directory)
            (directory / "people.csv").write_text(people)
            run_cli(parvis("directory", "import", str(directory / "people.csv"), config=config), directory)
            serve = [sys.executable, *(wrapper or ["-m", "bots.cli"]), "serve", "--config", str(config)]
            served.processes["parvis"] = start(serve, directory)
            await wait_up(f"http://127.0.0.1:{served.port}/healthz", served.processes["parvis"])
            yield served
        finally:
            stop(served.processes.values())
            if args.database == "postgresql" and not args.workdir:
                await fresh_postgres(url, drop=True)
        if args.trace:
            print_trace(trace)


def print_trace(path: Path) -> None:
    """Statements, transactions, SQL time and SQLite write turns per run of each command."""
    counts = json.loads(path.read_text())
    print("\nper command run (server side, every connection count): statements, BEGINs, COMMITs, SQL ms, "
          "SQLite write turn waited and held ms")
    for label, each in sorted(counts.items(), key=lambda item: -item[1].get("statements", 0)):
        runs = each.get("runs") or 1
        print(f"  {label:<26}{each.get('runs', 0):>7.0f} runs {each.get('statements', 0) / runs:7.2f} "
              f"{each.get('begins', 0) / runs:6.2f} {each.get('commits', 0) / runs:6.2f} "
              f"{each.get('sql_ms', 0) / runs:7.2f} {each.get('write_wait_ms', 0) / runs:7.2f} "
              f"{each.get('write_held_ms', 0) / runs:7.2f}")

if __name__ == "__main__":  # ``python benchmarks/harness.py PORT``: the bare handler, as a subprocess
    serve_bare(int(sys.argv[1]))
