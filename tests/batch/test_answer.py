"""A push's answer is written without models: the same bytes as BatchResult's, which the
OpenAPI document describes."""

from hypothesis import given, settings
from hypothesis import strategies as st

from app.batch.schemas import BatchResult, BatchSummary, Outcome
from app.batch.service import BatchAnswer

TEXT = st.none() | st.text()  # quotes, backslashes, control characters, non-ASCII, emoji
ERROR = st.fixed_dictionaries(
    {
        "loc": st.lists(st.text() | st.integers(min_value=0), min_size=1, max_size=3),
        "msg": st.text(),
        "type": st.text(),
    }
).map(lambda error: {name: error[name] for name in ("loc", "msg", "type")})
FIELDS = ("index", "line", "indicator_code", "period", "outcome", "errors")
RESULT = st.fixed_dictionaries(
    {
        "index": st.integers(min_value=0, max_value=10_000),
        "line": st.none() | st.integers(min_value=2, max_value=10_001),
        "indicator_code": TEXT,
        "period": TEXT,
        "outcome": st.sampled_from([outcome.value for outcome in Outcome]),
        "errors": st.lists(ERROR, max_size=2),
    }
).map(lambda result: {name: result[name] for name in FIELDS})  # ItemResult's order, as built


@settings(max_examples=200, deadline=None)
@given(
    results=st.lists(RESULT, max_size=5),
    atomic=st.booleans(),
    submit=st.booleans(),
    stored=st.booleans(),
    created=st.integers(min_value=0, max_value=10_000),
    error=st.integers(min_value=0, max_value=10_000),
)
def test_the_answer_is_what_the_model_would_write(
    results: list[dict[str, object]],
    atomic: bool,
    submit: bool,
    stored: bool,
    created: int,
    error: int,
) -> None:
    answer = BatchAnswer(
        atomic=atomic,
        submit=submit,
        stored=stored,
        summary=BatchSummary(created=created, error=error),
        results=results,
    )
    model = BatchResult.model_validate(answer.as_dict())
    assert answer.json() == model.model_dump_json().encode()
    assert answer.as_dict() == model.model_dump(mode="json")
