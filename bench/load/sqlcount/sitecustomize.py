"""Counts the SQL statements an app process sends, for bench/load (put on PYTHONPATH of the app only).

Active only when BENCH_SQL_COUNT_DIR is set. A listener on SQLAlchemy's Engine class sees every statement
of every engine (sync, or the sync core under an async engine); BEGIN/COMMIT and pool pings are not
statements there and are not counted. A daemon thread writes this process's running total to
<dir>/<pid> twice a second, so the benchmark can read totals from outside without touching the app.
"""

import os

_DIR = os.environ.get("BENCH_SQL_COUNT_DIR")

if _DIR:
    import threading
    import time

    _count = [0]

    def _listen() -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        @event.listens_for(Engine, "before_cursor_execute")
        def _counted(_conn, _cursor, statement, *_args, **_kwargs):
            _count[0] += 1  # a plain int under the GIL: cheap, and exact enough for a ratio
            if _KINDS is not None:
                _KINDS[" ".join(statement.split()[:3])[:60] + " … " + _table(statement)] += 1

    # BENCH_SQL_KINDS=1: also which statements, by their first words and table, in <dir>/kinds-<pid>.json
    _KINDS = None
    if os.environ.get("BENCH_SQL_KINDS"):
        import json
        import re
        from collections import Counter

        _KINDS = Counter()
        _TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.I)

        def _table(statement: str) -> str:
            found = _TABLE.search(statement)
            return found.group(1) if found else "?"

    def _write_forever() -> None:
        path = os.path.join(_DIR, str(os.getpid()))
        while True:
            try:
                with open(path + ".tmp", "w") as out:
                    out.write(str(_count[0]))
                os.replace(path + ".tmp", path)
                if _KINDS is not None:
                    with open(os.path.join(_DIR, f"kinds-{os.getpid()}.json"), "w") as out:
                        json.dump(_KINDS, out)
            except OSError:
                pass
            time.sleep(0.5)

    def _start_writer() -> None:
        threading.Thread(target=_write_forever, daemon=True, name="bench-sql-count").start()

    try:
        _listen()
    except ImportError:  # a process without SQLAlchemy (a build tool) has nothing to count
        pass
    else:
        _start_writer()
        # Granian forks its workers: a thread does not survive fork, so each child starts its own writer.
        os.register_at_fork(after_in_child=_start_writer)
