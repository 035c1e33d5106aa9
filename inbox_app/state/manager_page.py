"""What the managers' pages share: the grant check's outcome, a message line, and loading on open."""

from __future__ import annotations

import reflex as rx


class ManagerPage(rx.State, mixin=True):
    allowed: bool = False  # the page's grant, as the server sees it; the page shows a refusal otherwise
    error: str = ""
    saved: str = ""

    async def _refresh(self, identity) -> None:
        raise NotImplementedError

    @rx.event
    async def load(self):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        self.error, self.saved = "", ""
        await self._refresh(identity)
