"""The sequential graph runner computes what Rasa's dask runner computes: same values, same errors.
Every test that applies the fix undoes it: the rest of the session runs Rasa as released."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
import rasa.core.processor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

import rasa_patches
from rasa_patches.sequential_graph import SequentialGraphRunner

CALLS: List[str] = []


class Step(GraphComponent):
    """Appends its name to the texts it receives; `fail: true` raises RuntimeError."""

    def __init__(self, config: Dict[str, Any]) -> None:
        self.config = config

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> "Step":  # noqa: ANN001
        return cls(config)

    def add(self, **texts: List[str]) -> List[str]:
        CALLS.append(self.config["name"])
        if self.config.get("fail"):
            raise RuntimeError("échec voulu")
        merged = [text for name in sorted(texts) for text in texts[name]]
        return [f"{text}+{self.config['name']}" for text in merged]


def node(name: str, needs: Dict[str, str], target: bool = False, fail: bool = False) -> SchemaNode:
    return SchemaNode(needs=needs, uses=Step, constructor_name="create", fn="add",
                      config={"name": name, "fail": fail}, eager=True, is_target=target)


def schema(fail: bool = False) -> GraphSchema:
    """A diamond (a → b, a → c, b + c → d) fed by the run input, and a node no target needs."""
    return GraphSchema({
        "a": node("a", {"first": "__message__"}),
        "b": node("b", {"x": "a"}),
        "c": node("c", {"x": "a"}, fail=fail),
        "d": node("d", {"left": "b", "right": "c"}, target=True),
        "unused": node("unused", {"x": "a"}),
    })


def run(runner_class: type, graph: GraphSchema, tmp_path, **kwargs: Any) -> Dict[str, Any]:
    runner = runner_class(graph, LocalModelStorage(tmp_path), ExecutionContext(graph, "test"))
    return runner.run(**kwargs)


@pytest.mark.parametrize("targets", [None, ["d"], ["b", "c"]])
def test_same_results_as_dask(tmp_path, targets) -> None:
    inputs = {"__message__": ["bonjour"]}
    CALLS.clear()
    expected = run(DaskGraphRunner, schema(), tmp_path, inputs=inputs, targets=targets)
    dask_calls = sorted(CALLS)
    CALLS.clear()
    assert run(SequentialGraphRunner, schema(), tmp_path, inputs=inputs, targets=targets) == expected
    assert sorted(CALLS) == dask_calls  # each needed node once, « unused » never
    if targets is None:
        assert expected == {"d": ["bonjour+a+b+d", "bonjour+a+c+d"]}


def test_a_missing_input_fails_the_same_way(tmp_path) -> None:
    for runner_class in (DaskGraphRunner, SequentialGraphRunner):
        with pytest.raises(GraphRunError, match="Missing input"):
            run(runner_class, schema(), tmp_path)


def test_a_failing_node_fails_the_same_way(tmp_path) -> None:
    errors = []
    for runner_class in (DaskGraphRunner, SequentialGraphRunner):
        with pytest.raises(Exception) as raised:
            run(runner_class, schema(fail=True), tmp_path, inputs={"__message__": ["x"]})
        errors.append((type(raised.value), str(raised.value), type(raised.value.__cause__)))
    assert errors[0] == errors[1]
    assert errors[0][1] == "Error running graph component for node c."


def test_the_processor_loads_models_with_it_only_while_applied() -> None:
    rasa_patches.apply_all()
    try:
        assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
    finally:
        rasa_patches.undo_all()
    assert rasa.core.processor.DaskGraphRunner is DaskGraphRunner
