"""The training websocket: admission against the session limit, then one Session."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from app.session import Session

router = APIRouter()

TRY_AGAIN_LATER = 1013


@router.websocket("/ws/train")
async def train(websocket: WebSocket) -> None:
    registry = websocket.app.state.sessions
    settings = websocket.app.state.settings
    await websocket.accept()
    if len(registry.active) >= settings.max_sessions:
        reason = f"server is full: {settings.max_sessions} sessions at most (NNP_MAX_SESSIONS)"
        await websocket.send_json({"type": "error", "request": None, "field": "session",
                                   "message": reason})  # fmt: skip
        await websocket.close(code=TRY_AGAIN_LATER, reason=reason)
        return
    session = Session(websocket, settings)
    registry.active[session.id] = session
    try:
        await session.serve()
    finally:
        registry.active.pop(session.id, None)
