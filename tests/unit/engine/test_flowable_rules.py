"""The shared rules of flowable tasks, on plain task runs (no database)."""

from __future__ import annotations

from lanner.models.state import State
from lanner.tasks.core.flow import Sequential
from lanner.tasks.flowable import ChildRun, finish_with_handlers, index, run_dag, run_parallel, run_sequence


def tasks(*ids: str) -> list[Sequential]:
    # any task model does; the rules look only at ids
    return [Sequential.model_construct(id=i, type="lanner.core.Sequential", tasks=[]) for i in ids]


def runs(**states: State) -> dict[tuple[str, str | None], ChildRun]:
    return index(ChildRun(task_id, None, state) for task_id, state in states.items())


def test_sequence_starts_first_then_waits_then_next() -> None:
    a, b = tasks("a", "b")
    assert [n.task.id for n in run_sequence([a, b], {}).start] == ["a"]
    assert run_sequence([a, b], runs(a=State.RUNNING)).start == []
    assert [n.task.id for n in run_sequence([a, b], runs(a=State.SUCCESS)).start] == ["b"]
    assert run_sequence([a, b], runs(a=State.SUCCESS, b=State.WARNING)).state == State.WARNING


def test_sequence_stops_at_failure() -> None:
    a, b = tasks("a", "b")
    plan = run_sequence([a, b], runs(a=State.FAILED))
    assert plan.start == [] and plan.state == State.FAILED


def test_parallel_respects_limit_and_stops_starting_after_failure() -> None:
    ts = tasks("a", "b", "c", "d")
    assert [n.task.id for n in run_parallel(ts, {}, limit=2).start] == ["a", "b"]
    assert [n.task.id for n in run_parallel(ts, runs(a=State.RUNNING), limit=2).start] == ["b"]
    assert run_parallel(ts, runs(a=State.FAILED, b=State.RUNNING), limit=0).start == []
    assert run_parallel(ts, runs(a=State.FAILED, b=State.SUCCESS), limit=0).state == State.FAILED
    done = runs(a=State.SUCCESS, b=State.SUCCESS, c=State.SKIPPED, d=State.SUCCESS)
    assert run_parallel(ts, done).state == State.SUCCESS


def test_dag_starts_tasks_whose_dependencies_succeeded() -> None:
    root, left, right, load = tasks("root", "left", "right", "load")
    deps = {"left": ["root"], "right": ["root"], "load": ["left", "right"]}
    graph = [load, left, right, root]
    assert [n.task.id for n in run_dag(graph, deps, {}).start] == ["root"]
    assert {n.task.id for n in run_dag(graph, deps, runs(root=State.SUCCESS)).start} == {"left", "right"}
    assert run_dag(graph, deps, runs(root=State.SUCCESS, left=State.SUCCESS, right=State.RUNNING)).start == []
    failed = run_dag(graph, deps, runs(root=State.SUCCESS, left=State.FAILED, right=State.SUCCESS))
    assert failed.start == [] and failed.state == State.FAILED


def test_errors_then_finally_after_failure() -> None:
    main, err, fin = tasks("main", "err", "fin")
    failed = run_sequence([main], runs(main=State.FAILED))
    assert [n.task.id for n in finish_with_handlers(failed, [err], [fin], runs(main=State.FAILED)).start] == ["err"]
    after_err = runs(main=State.FAILED, err=State.SUCCESS)
    assert [n.task.id for n in finish_with_handlers(failed, [err], [fin], after_err).start] == ["fin"]
    done = runs(main=State.FAILED, err=State.SUCCESS, fin=State.SUCCESS)
    assert finish_with_handlers(failed, [err], [fin], done).state == State.FAILED


def test_failing_finally_fails_a_successful_run() -> None:
    main, fin = tasks("main", "fin")
    ok = run_sequence([main], runs(main=State.SUCCESS))
    assert finish_with_handlers(ok, None, [fin], runs(main=State.SUCCESS, fin=State.FAILED)).state == State.FAILED
