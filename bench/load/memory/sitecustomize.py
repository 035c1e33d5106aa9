"""Where a Granian worker's memory goes, for `bench.load --memory` (on the app's PYTHONPATH only; active only
when BENCH_MEMORY_DIR is set).

tracemalloc starts in each worker right after Granian forks it, so the report is of what the worker allocated
for its own sockets and states, not what the supervisor imported before the fork. SIGUSR2 takes the baseline
(bench.load sends it before anyone connects); SIGUSR1 writes <dir>/<pid>.json: what the live Python allocations
grew by since the baseline, grouped by the innermost frame outside the standard library, and the total. tracemalloc sees Python's allocator only: what Rust (Granian) or C extensions allocate with malloc is in
the RSS and not here. The SQL statement counter of bench/load still runs (one sitecustomize per interpreter).
"""

import os
import runpy

_DIR = os.environ.get("BENCH_MEMORY_DIR")
_SQL_COUNT = os.path.join(os.path.dirname(__file__), "..", "sqlcount", "sitecustomize.py")

if _DIR:
    import json
    import signal
    import sysconfig
    import tracemalloc

    runpy.run_path(_SQL_COUNT)
    _STDLIB = sysconfig.get_paths()["stdlib"]

    _baseline = []

    def _owner(traceback) -> str:
        """The innermost frame outside the standard library: the library or module that asked for the memory
        (a traceback lists the oldest frame first)."""
        for frame in reversed(traceback):
            if not frame.filename.startswith(_STDLIB) and "<frozen" not in frame.filename:
                return f"{frame.filename}:{frame.lineno}"
        return f"{traceback[-1].filename}:{traceback[-1].lineno}"

    def _mark(*_args) -> None:
        _baseline[:] = [tracemalloc.take_snapshot()]

    def _dump(*_args) -> None:
        snapshot = tracemalloc.take_snapshot()
        if _baseline:
            grown = [(stat.traceback, stat.size_diff, stat.count_diff)
                     for stat in snapshot.compare_to(_baseline[0], "traceback")]
        else:
            grown = [(stat.traceback, stat.size, stat.count) for stat in snapshot.statistics("traceback")]
        owners: dict[str, list[int]] = {}
        for traceback, size, count in grown:
            entry = owners.setdefault(_owner(traceback), [0, 0])
            entry[0] += size
            entry[1] += count
        top = sorted(owners.items(), key=lambda item: -item[1][0])[:60]
        path = os.path.join(_DIR, f"{os.getpid()}.json")
        with open(path + ".tmp", "w") as out:
            json.dump({"total": sum(size for _, size, _ in grown), "top": top}, out)
        os.replace(path + ".tmp", path)

    def _start() -> None:
        tracemalloc.start(12)  # frames kept per allocation: enough to leave asyncio and the stdlib
        signal.signal(signal.SIGUSR1, _dump)
        signal.signal(signal.SIGUSR2, _mark)

    os.register_at_fork(after_in_child=_start)
