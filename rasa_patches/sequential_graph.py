"""Run a loaded model's graph in plain Python, without dask's scheduler, on every message.

Rasa 3.6 runs two graphs per turn and more (NLU once, then the policies before each action) with
`DaskGraphRunner.run`, which rebuilds the minimal schema of its targets, formats a debug message with
its inputs and hands a dozen nodes to `dask.get`: about 8 % of a turn's CPU time (py-spy, docs/benchmarks.md),
for graphs whose nodes are a short chain. `SequentialGraphRunner` computes the same values: each node
once, after the nodes it needs, with the same arguments (a node's output as the `(name, value)` pair
Rasa's nodes exchange; a run input as its `(name, value)` pair; a missing need as its name, as dask passes
it), the same result (`{target: value}`) and the same errors (a RuntimeError becomes GraphRunError). The
per-target graph is built once. Only the graphs the processor loads to predict use it: training keeps dask.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

import rasa.core.processor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

ORIGINAL_RUNNER = rasa.core.processor.DaskGraphRunner


class SequentialGraphRunner(DaskGraphRunner):
    """DaskGraphRunner whose `run` evaluates the graph itself (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._graphs_by_targets: Dict[Tuple[Text, ...], Dict[Text, Any]] = {}

    def _graph_for(self, targets: Tuple[Text, ...]) -> Dict[Text, Any]:
        """The graph (dask's shape: node → (GraphNode, *needs)) of the targets' minimal schema."""
        if targets not in self._graphs_by_targets:
            schema = self._graph_schema.minimal_graph_schema(list(targets))
            self._graphs_by_targets[targets] = self._build_dask_graph(schema)
        return self._graphs_by_targets[targets]

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        graph = dict(self._graph_for(tuple(run_targets)))
        if inputs:
            self._add_inputs_to_graph(inputs, graph)
        values: Dict[Text, Any] = {}

        def value(key: Text) -> Any:
            if key not in values:
                task = graph.get(key)
                if task is None:  # not in the graph: dask passes the key itself
                    return key
                head, *needs = task
                values[key] = head(*(value(need) for need in needs)) if callable(head) else task
            return values[key]

        try:
            return dict(value(target) for target in run_targets)
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error


def apply() -> None:
    """The processor loads its models with SequentialGraphRunner."""
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner


def undo() -> None:
    rasa.core.processor.DaskGraphRunner = ORIGINAL_RUNNER
