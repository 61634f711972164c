"""Request and response bodies: camelCase JSON, page envelopes and the problem document."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from creativeflow_shared.api import ApiModel, CursorPageResponse, PageResponse, Problem
from creativeflow_shared.application import CursorPage, Page


class JobOut(ApiModel):
    job_id: str
    prompt_text: str


def test_a_body_is_written_in_camel_case() -> None:
    body = JobOut(job_id="j-1", prompt_text="dusk")

    assert body.model_dump_json() == '{"jobId":"j-1","promptText":"dusk"}'


@pytest.mark.parametrize(
    "data",
    [{"jobId": "j-1", "promptText": "dusk"}, {"job_id": "j-1", "prompt_text": "dusk"}],
    ids=["by alias", "by name"],
)
def test_a_body_is_read_by_alias_or_by_name(data: dict[str, str]) -> None:
    assert JobOut.model_validate(data) == JobOut(job_id="j-1", prompt_text="dusk")


def test_a_body_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError, match=r"Extra inputs are not permitted"):
        JobOut.model_validate({"jobId": "j-1", "promptText": "dusk", "admin": True})


def test_a_body_cannot_be_changed() -> None:
    body = JobOut(job_id="j-1", prompt_text="dusk")

    with pytest.raises(ValidationError, match="frozen"):
        setattr(body, "job_id", "j-2")  # noqa: B010 (type checkers rightly refuse the plain assignment)

    assert body.job_id == "j-1"


def test_an_offset_page_keeps_its_position_and_converts_its_items() -> None:
    page = Page(items=("j-1", "j-2"), total=5, offset=2, limit=2)

    response = PageResponse[JobOut].from_page(page, lambda i: JobOut(job_id=i, prompt_text="p"))

    assert response.model_dump(mode="json") == {
        "items": [{"jobId": "j-1", "promptText": "p"}, {"jobId": "j-2", "promptText": "p"}],
        "total": 5,
        "offset": 2,
        "limit": 2,
        "hasNext": True,
    }


def test_the_last_offset_page_has_no_next() -> None:
    page = Page(items=("j-5",), total=5, offset=4, limit=2)

    assert PageResponse.from_page(page, str).has_next is False


def test_a_cursor_page_passes_its_cursor_on() -> None:
    page = CursorPage(items=(1, 2), next_cursor="abc")

    response = CursorPageResponse[str].from_page(page, str)

    assert response.model_dump(mode="json") == {"items": ["1", "2"], "nextCursor": "abc"}


def test_a_problem_keeps_a_services_extension_members() -> None:
    problem = Problem.model_validate({"type": "about:blank", "status": 429, "limit": 10})

    assert dict(problem.extensions) == {"limit": 10}
    assert problem.to_json() == b'{"type":"about:blank","status":429,"limit":10}'


def test_a_problem_without_extensions_has_none() -> None:
    assert dict(Problem().extensions) == {}
