"""A CPU sampling profiler in every Granian worker of the inbox, for `bench.webhooks --profile` (on the app's
PYTHONPATH only; active only when BENCH_PROFILE_DIR is set).

Why not cProfile: SQLAlchemy's asyncio layer runs the ORM in greenlets, and a greenlet switch breaks
cProfile's call stack (cumulative times come out at thousands of percent). Here ITIMER_PROF raises SIGPROF
every 5 ms of the process's CPU time; the handler runs in the worker's main thread (its event loop) and records
the whole stack, following each greenlet to the one that started it, so a query is charged to the service
function that awaited it. A sample taken while the loop waits in epoll is CPU some other thread of the
process spent (Granian's Rust threads).

Granian forks its workers from the supervisor, which has already imported the app: the sampler starts in the
child right after the fork. SIGUSR1 stops it and writes <dir>/<pid>.json; SIGUSR2 forgets what it sampled so far. The SQL statement counter of
bench/load still runs (one sitecustomize per interpreter, so this one loads it).
"""

import os
import runpy

_DIR = os.environ.get("BENCH_PROFILE_DIR")
_SQL_COUNT = os.path.join(os.path.dirname(__file__), "..", "..", "load", "sqlcount", "sitecustomize.py")
_INTERVAL = 0.005

if _DIR:
    import json
    import signal
    from collections import Counter

    runpy.run_path(_SQL_COUNT)

    def _stack(frame) -> list[str]:
        """Innermost first: this greenlet's frames, then each parent greenlet's, where it switched away."""
        try:
            import greenlet

            current = greenlet.getcurrent()
        except ImportError:
            current = None
        names = []
        while True:
            while frame is not None:
                code = frame.f_code
                names.append(f"{code.co_filename}:{code.co_firstlineno}:{code.co_name}")
                frame = frame.f_back
            current = current.parent if current is not None else None
            if current is None:
                return names
            frame = current.gr_frame

    def _start_sampling() -> None:
        leaf, inclusive, stacks = Counter(), Counter(), Counter()
        total = [0]

        def _sample(_signum, frame) -> None:
            names = _stack(frame)
            total[0] += 1
            leaf[names[0] if names else "?"] += 1
            inclusive.update(set(names))
            stacks[" <- ".join(names[:40])] += 1

        def _dump(*_args) -> None:
            signal.setitimer(signal.ITIMER_PROF, 0)
            path = os.path.join(_DIR, f"{os.getpid()}.json")
            with open(path + ".tmp", "w") as out:
                json.dump({"samples": total[0], "interval": _INTERVAL, "leaf": leaf, "inclusive": inclusive,
                           "stacks": dict(stacks.most_common(300))}, out)
            os.replace(path + ".tmp", path)  # the benchmark reads whole files only

        def _reset(*_args) -> None:  # SIGUSR2: start counting now (bench.load profiles its chat phase only)
            leaf.clear(), inclusive.clear(), stacks.clear()
            total[0] = 0

        signal.signal(signal.SIGPROF, _sample)
        signal.signal(signal.SIGUSR1, _dump)
        signal.signal(signal.SIGUSR2, _reset)
        signal.setitimer(signal.ITIMER_PROF, _INTERVAL, _INTERVAL)

    os.register_at_fork(after_in_child=_start_sampling)
