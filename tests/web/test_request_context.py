"""Each request runs in a context: the tenant from the service's resolver, and only there."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import FastAPI, Request

from creativeflow_shared.api import PROBLEM_JSON
from creativeflow_shared.application import current_context
from creativeflow_shared.domain import UnauthorizedError
from creativeflow_shared.fastapi import CORRELATION_ID_HEADER, TenantResolver, install

if TYPE_CHECKING:
    from starlette.types import Message, Receive, Scope, Send


def app_with(tenant: TenantResolver | None) -> FastAPI:
    app = FastAPI()

    @app.get("/tenant")
    async def tenant_of() -> dict[str, str | None]:
        return {"tenantId": current_context().tenant_id}

    @app.get("/sync-tenant")
    def sync_tenant_of() -> dict[str, str | None]:
        return {"tenantId": current_context().tenant_id}

    install(app, tenant=tenant)
    return app


def from_header(request: Request) -> str | None:
    return request.headers.get("X-Tenant")


async def from_header_async(request: Request) -> str | None:
    return request.headers.get("X-Tenant")


def refuse(request: Request) -> str | None:
    raise UnauthorizedError


def crash(request: Request) -> str | None:
    raise RuntimeError("the token service is down: key=abc")


def too_long(request: Request) -> str | None:
    return "t" * 65


async def get(app: FastAPI, path: str, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path, headers=headers)


@pytest.mark.asyncio
@pytest.mark.parametrize("resolver", [from_header, from_header_async], ids=["sync", "async"])
@pytest.mark.parametrize("path", ["/tenant", "/sync-tenant"], ids=["async handler", "sync handler"])
async def test_the_tenant_comes_from_the_services_resolver(
    resolver: TenantResolver, path: str
) -> None:
    app = app_with(resolver)

    with_tenant = await get(app, path, {"X-Tenant": "t-1"})
    without = await get(app, path, {})

    assert with_tenant.json() == {"tenantId": "t-1"}
    assert without.json() == {"tenantId": None}


@pytest.mark.asyncio
async def test_without_a_resolver_there_is_no_tenant() -> None:
    response = await get(app_with(None), "/tenant", {"X-Tenant": "t-1"})

    assert response.json() == {"tenantId": None}


@pytest.mark.asyncio
async def test_a_resolver_that_refuses_answers_with_the_errors_problem() -> None:
    response = await get(app_with(refuse), "/tenant", {CORRELATION_ID_HEADER: "c-401"})

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers[CORRELATION_ID_HEADER] == "c-401"
    assert response.json()["correlationId"] == "c-401"
    assert response.json()["instance"] == "/tenant"


@pytest.mark.asyncio
@pytest.mark.parametrize("resolver", [crash, too_long], ids=["raises", "an unstorable tenant"])
async def test_a_resolver_that_fails_is_an_unexpected_500(
    resolver: TenantResolver, caplog: pytest.LogCaptureFixture
) -> None:
    response = await get(app_with(resolver), "/tenant", {})

    assert response.status_code == 500
    assert "key=abc" not in response.text
    assert response.json()["correlationId"] == response.headers[CORRELATION_ID_HEADER]
    assert len([r for r in caplog.records if r.exc_info]) == 1


@pytest.mark.asyncio
async def test_the_context_does_not_outlive_the_request() -> None:
    app = app_with(from_header)

    await get(app, "/tenant", {"X-Tenant": "t-1"})

    assert current_context().tenant_id is None


@pytest.mark.asyncio
async def test_other_kinds_of_connection_pass_through_untouched() -> None:
    app = app_with(from_header)
    sent: list[Message] = []
    seen: list[Scope] = []

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        sent.append(message)

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)
        await send({"type": "lifespan.startup.complete"})

    middleware = app.user_middleware[0]
    wrapped = middleware.cls(inner, *middleware.args, **middleware.kwargs)
    await wrapped({"type": "lifespan"}, receive, send)

    assert seen == [{"type": "lifespan"}]
    assert sent == [{"type": "lifespan.startup.complete"}]
