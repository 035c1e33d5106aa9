"""Audit events: who did what, when. Written in the same transaction as the change itself."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.models import AuditEvent


def record(
    session: AsyncSession,
    *,
    at: datetime,
    kind: str,
    actor_user_id: int | None = None,
    organization_id: int | None = None,
    subject: str = "",
    **detail,
) -> None:
    session.add(
        AuditEvent(
            at=at,
            kind=kind,
            actor_user_id=actor_user_id,
            organization_id=organization_id,
            subject=subject,
            detail=json.dumps(detail, sort_keys=True, default=str),
        )
    )
