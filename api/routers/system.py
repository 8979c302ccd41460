from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from api.routing import AreaRouter

router = AreaRouter(tags=["system"])


class HealthRead(BaseModel):
    status: str
    checks: dict[str, str] = {}


@router.get("/healthz", response_model=HealthRead)
async def liveness() -> HealthRead:
    """The process is up."""
    return HealthRead(status="ok")


@router.get("/readyz", response_model=HealthRead, responses={503: {"model": HealthRead}})
async def readiness(request: Request) -> HealthRead | JSONResponse:
    """The database and Redis are reachable."""
    checks: dict[str, str] = {}
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        await request.app.state.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:  # any failure means not ready
        checks["redis"] = f"error: {type(exc).__name__}"
    if all(v == "ok" for v in checks.values()):
        return HealthRead(status="ok", checks=checks)
    return JSONResponse(HealthRead(status="unavailable", checks=checks).model_dump(), 503)
