"""GET /healthz for load balancers: 200 when the database and Redis (if configured) answer, 503 otherwise."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from inbox_app import runtime
from services import health


async def healthz(request: Request):
    report = await health.check(runtime.db(), runtime.settings().redis_url)
    return JSONResponse(report.parts, status_code=200 if report.ok else 503,
                        headers={"Cache-Control": "no-store"})
