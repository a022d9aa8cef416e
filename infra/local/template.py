"""Read template.yaml (with CloudFormation's short-form tags) for the local stack.

The local stack creates its resources from this file, never from a second
hand-written list, so what runs locally is what deploys.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _tag)


@cache
def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass with CFN tags only


def resources_of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in load_template()["Resources"].items() if body.get("Type") == resource_type}


@dataclass(frozen=True)
class ApiRoute:
    function: str  # logical id, e.g. ReadingsFunction
    code_dir: str  # functions/readings
    method: str  # GET, POST, ANY
    path: str  # /api/customers/{customer}/meters
    public: bool


def api_routes() -> list[ApiRoute]:
    """Every API event of every function, with whether it skips the authorizer."""
    routes: list[ApiRoute] = []
    for name, body in resources_of_type("AWS::Serverless::Function").items():
        props = body["Properties"]
        for event in (props.get("Events") or {}).values():
            if event.get("Type") != "Api":
                continue
            ev = event["Properties"]
            auth = (ev.get("Auth") or {}).get("Authorizer")
            routes.append(
                ApiRoute(
                    function=name,
                    code_dir=str(props["CodeUri"]).rstrip("/"),
                    method=ev["Method"].upper(),
                    path=ev["Path"],
                    public=auth == "NONE",
                )
            )
    return routes


def functions() -> dict[str, str]:
    """Logical id -> code folder for every function."""
    return {
        name: str(body["Properties"]["CodeUri"]).rstrip("/")
        for name, body in resources_of_type("AWS::Serverless::Function").items()
    }


def sns_subscriptions() -> list[tuple[str, str]]:
    """(topic logical id, function logical id) for every SNS event of every function."""
    found = []
    for name, body in resources_of_type("AWS::Serverless::Function").items():
        for event in (body["Properties"].get("Events") or {}).values():
            if event.get("Type") == "SNS":
                topic = event["Properties"]["Topic"]
                found.append((topic["Ref"] if isinstance(topic, dict) else str(topic), name))
    return found
