"""Domain errors and their RFC 9457 rendering."""

import json

from api.errors import PROBLEM_JSON, FieldError, ProblemDetail, problem, problem_response
from domain.accounts.errors import AccountNotFound
from domain.common.errors import Conflict, DomainError, NotFound, TooManyRequests
from domain.users.errors import RefreshTokenReused


class TestProblem:
    def test_declares_each_status_with_the_shared_model(self) -> None:
        responses = problem(401, 404, 409)

        assert list(responses) == [401, 404, 409]
        for entry in responses.values():
            assert entry["model"] is ProblemDetail
            assert entry["content"] == {
                PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
            }
        assert responses[404]["description"] == "Not found"

    def test_an_unusual_status_gets_a_generic_description(self) -> None:
        assert problem(418)[418]["description"] == "Error"

    def test_nothing_declared_is_empty(self) -> None:
        assert problem() == {}


class TestProblemResponse:
    def test_defaults_come_from_the_status(self) -> None:
        response = problem_response(404)

        assert response.status_code == 404
        assert response.media_type == PROBLEM_JSON
        assert json.loads(response.body) == {
            "type": "about:blank",
            "title": "Not found",
            "status": 404,
            "detail": "Not found",
            "code": "not_found",
        }

    def test_carries_code_detail_field_errors_and_headers(self) -> None:
        response = problem_response(
            422,
            code="bad_thing",
            detail="name: too short",
            errors=[FieldError(loc=["body", "name", 0], msg="too short", type="string_too_short")],
            headers={"Retry-After": "5"},
        )

        body = json.loads(response.body)
        assert (body["code"], body["title"], body["detail"]) == (
            "bad_thing",
            "Invalid request",
            "name: too short",
        )
        assert body["errors"] == [
            {"loc": ["body", "name", 0], "msg": "too short", "type": "string_too_short"}
        ]
        assert response.headers["retry-after"] == "5"


class TestDomainError:
    def test_detail_defaults_to_the_title(self) -> None:
        error = AccountNotFound()

        assert (error.status, error.code, error.detail) == (404, "account_not_found", error.title)
        assert isinstance(error, NotFound) and isinstance(error, DomainError)

    def test_detail_and_extras_can_be_given(self) -> None:
        error = Conflict("Taken by another account", field="external_id")

        assert (error.detail, error.extra, str(error)) == (
            "Taken by another account",
            {"field": "external_id"},
            "Taken by another account",
        )

    def test_too_many_requests_carries_retry_after(self) -> None:
        assert TooManyRequests(retry_after=30).retry_after == 30

    def test_only_errors_that_say_so_keep_their_changes(self) -> None:
        assert DomainError.keeps_changes is False
        assert AccountNotFound.keeps_changes is False
        assert RefreshTokenReused.keeps_changes is True
