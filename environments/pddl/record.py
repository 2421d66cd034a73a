"""The domain record of a model trained for a PDDL domain (domain.json in its directory).

It names the domain and its structural fingerprint (`environments.pddl.names`), the object
pool, naming and order, how the goal is written, the step budget the model was trained with, the training problems' names and the domain
text. Planning reads it to build the environment the model knows and refuses a model trained
for another domain.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from constraints.errors import InputError
from environments.pddl.environment import PDDLEnvironment
from environments.pddl.names import OBJECT_ORDERS, domain_fingerprint
from environments.pddl.states import PredicateGroups
from environments.pddl.templates import GOAL_VIEWS

DOMAIN_RECORD = "domain.json"
OBJECT_NAMES = {False: "types", True: "kinds"}  # how object tokens are named (records before the field: types)


def domain_record(env: PDDLEnvironment, domain_pddl: str, problems: Sequence[str], max_steps: int,
                  candidates: int = 1, relaxed_ratio: float | None = None) -> dict[str, Any]:
    """The record of a model trained in `env` (which must have an object pool); `candidates`: the
    canvases per problem a plan request runs by default with this model; `relaxed_ratio`: the most
    steps a training plan took per step of its relaxed plan (`PDDLEnvironment.step_budget`)."""
    if env.object_pool is None:
        raise ValueError("a trained PDDL model writes objects as tokens: the environment needs an object_pool")
    return {"domain": env.domain.name, "fingerprint": domain_fingerprint(env.domain), "object_pool": env.object_pool,
            "object_names": OBJECT_NAMES[env.object_kinds], "object_order": env.object_order,
            "goal_view": env.goal_view, "max_steps": max_steps, "candidates": candidates,
            **({"relaxed_ratio": relaxed_ratio} if relaxed_ratio else {}),
            **({"state_view": env.states.spec} if isinstance(env.states, PredicateGroups) else {}), "problems": list(problems), "domain_pddl": domain_pddl}


def write_domain_record(model_dir: str | Path, record: dict[str, Any]) -> Path:
    """Write domain.json into `model_dir` (created if needed) and return its path."""
    path = Path(model_dir) / DOMAIN_RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return path


def read_domain_record(model_dir: str | Path) -> dict[str, Any]:
    """The domain.json of a PDDL model directory.

    Raises:
        InputError: there is no domain.json (not a model trained by `train pddl`), or it is not a record.
    """
    path = Path(model_dir) / DOMAIN_RECORD
    if not path.is_file():
        raise InputError(f"model {model_dir} has no {DOMAIN_RECORD}: it was not trained for a PDDL domain "
                         f"(train one with `dream-agent train pddl --domain D.pddl --problem P.pddl`)")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(f"{path}: not JSON ({err.msg} at line {err.lineno})") from None
    missing = [k for k in ("domain", "fingerprint", "object_pool", "max_steps") if not isinstance(record, dict) or k not in record]
    if missing:
        raise InputError(f"{path}: missing {', '.join(missing)}")
    candidates = record.get("candidates", 1)  # records written before the field: one canvas
    if isinstance(candidates, bool) or not isinstance(candidates, int) or candidates < 1:
        raise InputError(f"{path}: candidates must be a positive integer, got {candidates!r}")
    ratio = record.get("relaxed_ratio", 1.0)  # records before the field: the recorded budget only
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio <= 100:
        raise InputError(f"{path}: relaxed_ratio must be a number in (0, 100], got {ratio!r}")
    if record.get("object_names", "types") not in OBJECT_NAMES.values():
        raise InputError(f"{path}: object_names must be one of {', '.join(OBJECT_NAMES.values())}, "
                         f"got {record['object_names']!r}")
    if record.get("object_order", "drawn") not in OBJECT_ORDERS:  # records before the field: drawn
        raise InputError(f"{path}: object_order must be one of {', '.join(OBJECT_ORDERS)}, "
                         f"got {record['object_order']!r}")
    if record.get("goal_view", "whole") not in GOAL_VIEWS:  # records before the field: whole
        raise InputError(f"{path}: goal_view must be one of {', '.join(GOAL_VIEWS)}, got {record['goal_view']!r}")
    view = record.get("state_view")
    if view is not None and not isinstance(view, str):
        raise InputError(f"{path}: state_view must be a string of predicate groups, got {view!r}")
    if view is not None:
        PredicateGroups(view)  # a malformed spec fails here, naming itself
    return record


def environment_from_record(domain_pddl: str, record: dict[str, Any]) -> PDDLEnvironment:
    """`domain_pddl` with the record's object pool and names, step budget and default candidates (the domain is not compared)."""
    view = PredicateGroups(record["state_view"]) if record.get("state_view") else None
    env = PDDLEnvironment(domain_pddl, object_pool=int(record["object_pool"]), max_steps=int(record["max_steps"]),
                          object_kinds=record.get("object_names", "types") == "kinds",
                          object_order=record.get("object_order", "drawn"), states=view,
                          goal_view=record.get("goal_view", "whole"))
    if view is not None:
        view.check(env.domain)
    env.recommended_candidates = int(record.get("candidates", 1))
    env.relaxed_ratio = record.get("relaxed_ratio")
    return env


def is_same_domain(record: dict[str, Any], env: PDDLEnvironment) -> bool:
    """Whether a record was written for `env`'s domain: the same name and structural fingerprint."""
    return (record.get("domain"), record.get("fingerprint")) == (env.domain.name, domain_fingerprint(env.domain))


def environment_for_model(domain_pddl: str, record: dict[str, Any], model_dir: str | Path) -> PDDLEnvironment:
    """The environment a trained model plans in: `domain_pddl` with the model's object pool and step budget.

    Raises:
        InputError: the model was trained for another domain (its name or structure differ).
    """
    env = environment_from_record(domain_pddl, record)
    if not is_same_domain(record, env):
        raise InputError(f"model {model_dir} was trained for the PDDL domain {record['domain']!r} (fingerprint "
                         f"{record['fingerprint']}), not for {env.domain.name!r} (fingerprint "
                         f"{domain_fingerprint(env.domain)}); train one for it with `dream-agent train pddl`")
    return env
