"""The published OpenAPI names each schema once: no two classes share a component name.

ninja merges every operation's schemas into one ``components.schemas`` by class name; two
classes with one name (the patient of ``POST /patients`` and the decision document's) would
silently publish one of them for both. These tests fail when that happens again.
"""

import enum
import inspect
import types
import typing
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from ninja.openapi.schema import REF_TEMPLATE
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import BaseModel

from coxa.config.api import api

pytestmark = pytest.mark.contract


def _operations() -> Iterator[tuple[str, str, Any]]:
    for router in api._get_bound_routers():
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    yield method, f"{router.prefix}{path}", operation


def _body_type(operation: Any) -> type[BaseModel] | None:
    """The type the view function declares for its JSON body (None without one)."""
    for model in operation.models:
        if model.__ninja_param_source__ != "body":
            continue
        (field,) = model.model_fields.values()
        declared = field.annotation
        assert isinstance(declared, type), declared
        return declared
    return None


def _types_in(annotation: Any) -> Iterator[type]:
    """Every model and enum an annotation names, however deeply nested."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel | enum.Enum):
        yield annotation
        if issubclass(annotation, BaseModel):
            for field in annotation.model_fields.values():
                yield from _types_in(field.annotation)
        return
    if typing.get_origin(annotation) is typing.Literal:
        return
    for argument in typing.get_args(annotation):
        if not isinstance(argument, str | int | types.NoneType):
            yield from _types_in(argument)


def _published_types() -> dict[str, set[type]]:
    named: dict[str, set[type]] = defaultdict(set)
    for _, _, operation in _operations():
        found = [_body_type(operation)]
        for wrapper in operation.response_models.values():  # ninja wraps each in "response"
            if inspect.isclass(wrapper) and issubclass(wrapper, BaseModel):
                found += [f.annotation for f in wrapper.model_fields.values()]
        for model in found:
            for kind in _types_in(model):
                named[kind.__name__].add(kind)
    return named


def _own_schema(model: type[BaseModel]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A model's schema as ninja writes it, and the definitions it refers to."""
    schema = model.model_json_schema(
        ref_template=REF_TEMPLATE,
        by_alias=True,
        schema_generator=NinjaGenerateJsonSchema,
        mode="validation",
    )
    return schema, schema.pop("$defs", {})


def test_no_two_classes_share_a_schema_name():
    shared = {
        name: sorted(f"{k.__module__}.{k.__qualname__}" for k in kinds)
        for name, kinds in _published_types().items()
        if len(kinds) > 1
    }
    assert shared == {}


def test_the_openapi_finds_the_classes_it_names():
    names = _published_types()
    assert {"DecisionDocument", "DocumentPatientIn", "PatientUpdateIn", "PatientOut"} <= set(names)


def test_every_request_body_is_the_schema_its_function_declares():
    published = api.get_openapi_schema()
    components = published["components"]["schemas"]
    checked = 0
    for method, path, operation in _operations():
        declared = _body_type(operation)
        if declared is None:
            continue
        full = "/api/v1/" + path.lstrip("/")
        spec = published["paths"][full.replace("//", "/")][method.lower()]
        ref = spec["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        name = ref.rsplit("/", 1)[-1]
        assert name == declared.__name__, (method, path)
        own, definitions = _own_schema(declared)
        assert components[name] == own, f"{method} {path}: {name} is another class's schema"
        for inner, schema in definitions.items():
            assert components[inner] == schema, f"{method} {path}: {inner} is another class's"
        checked += 1
    assert checked >= 30  # every write endpoint has a body


def test_every_operation_has_its_own_summary():
    # Issue 12: eleven operations were each summarised "Record", eleven "Correct".
    summaries = [
        operation.get("summary")
        for operations in api.get_openapi_schema()["paths"].values()
        for operation in operations.values()
    ]
    repeated = sorted({s for s in summaries if summaries.count(s) > 1})
    assert repeated == []
    assert all(summaries)
