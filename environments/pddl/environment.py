"""A PDDL domain (STRIPS or ADL) as an Environment: problems are PDDL problem texts over that domain."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from constraints.errors import InputError
from constraints.limits import is_file, read_text
from constraints.template import Template
from constraints.violation import Violation
from environments.base import BoundRules, SlotRules, Tier, check_tier, no_values
from environments.shortening import without_detours
from environments.pddl.allowed import PddlSteps
from environments.pddl.checks import CONSTRAINT, PlanReport, check_plan, ground_step, read_plan, validate_plan
from environments.pddl.grounding import GroundTask, apply, bind, ground, is_applicable
from environments.pddl.names import check_object_order, kind_predicates, object_groups, object_tokens, token_vocabulary
from environments.pddl.parsing import LiftedDomain, parse_domain_text, parse_problem_text
from environments.pddl.oracle import SEARCHES, SearchResult, relaxed_plan_length, search
from environments.pddl.states import Annotation, StateView, slot_name, state_values
from environments.pddl import templates as tpl
from environments.pddl.walks import clone_objects, restarted_problem, walk_problem

DEFAULT_MAX_STEPS = 24  # template length when no max_steps is given and the oracle finds no plan quickly
ORACLE_LIMITS = {"max_nodes": 200_000, "timeout": 30.0}
# Both searches return shortest plans; BFS measured about 2x faster than A* with h_max on
# blocksworld (3-6 blocks), gripper, logistics and depots samples: h_max is small there and
# costs a relaxed reachability pass per state. Pass oracle="astar" for long plans with few states per layer.
DEFAULT_ORACLE = "bfs"
FAST_DOWNWARD = "fast-downward"  # optional: Fast Downward through unified-planning (`environments.pddl.fast_downward`)
ORACLES = (*SEARCHES, FAST_DOWNWARD)
STATE_CONSTRAINT = "pddl-state"  # a state-annotated template's written state disagrees with the plan


class PDDLProblem(BaseModel):
    """A problem of a PDDL environment: the problem's PDDL text and an optional template length."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pddl: str = Field(description="PDDL problem text: (define (problem ...) ...)")
    max_steps: int | None = Field(default=None, ge=1, description="template steps; default: the optimal plan length")


class PDDLEnvironment:
    """A PDDL domain (STRIPS, typing, ADL, action costs; see docs/pddl.md) as an environment.

    Plans are lists of "(action arg ...)" strings. `generate` needs a base problem: it walks
    randomly from the base problem's initial state and asks for some atoms reached.
    `oracle` picks the optimal search behind `solve`: "bfs" or "astar" (A* with h_max), or
    "fast-downward" (optional packages; for problems beyond the pure-Python searches' bounds).
    `object_pool`: write problem objects in the compact template as canonical tokens, that many
    per type (`environments.pddl.names`), so a trained model reads problems with any object names;
    None writes them as themselves; `object_kinds` names untyped objects after the static unary
    predicates that type them ("room2", "ball7"), `object_order` says which token each object gets
    ("drawn" or "sorted"; `environments.pddl.names`). `max_steps`: the step budget of problems
    given without one (a trained model's). `base_problems`: more problems
    `generate` may start from. `states`: write the state after each step into the compact template,
    as this view of the domain sees it (`environments.pddl.states`). `goal_view`: how the compact
    template writes the goal, "whole" or "split" (`environments.pddl.templates.compact_context`).
    """

    problem_type = PDDLProblem
    recommended_candidates = 1  # a domain without a measured model; Blocksworld sets its own

    def __init__(
        self,
        domain_pddl: str,
        *,
        name: str | None = None,
        base_problem: PDDLProblem | None = None,
        objects: Sequence[str] = (),
        wording: tpl.Wording = tpl.PDDL_WORDING,
        oracle: str = DEFAULT_ORACLE,
        object_pool: int | None = None,
        object_kinds: bool = False,
        object_order: str = "drawn",
        max_steps: int | None = None,
        base_problems: Sequence[PDDLProblem] = (),
        states: StateView | None = None,
        goal_view: str = "whole",
    ) -> None:
        self.domain_pddl = domain_pddl
        self.domain: LiftedDomain = parse_domain_text(domain_pddl)
        self.name = name or f"pddl-{self.domain.name}"
        self.base_problem = base_problem
        self.base_problems = ([base_problem] if base_problem is not None else []) + list(base_problems)
        self.object_pool = object_pool
        self.object_kinds = object_kinds
        self.kinds = kind_predicates(self.domain) if object_kinds else ()
        self.object_order = check_object_order(object_order)  # refused here, before any problem is read
        self.goal_view = tpl.check_goal_view(goal_view)
        self.default_max_steps = max_steps
        self.relaxed_ratio: float | None = None  # see step_budget
        self.max_tokens: int | None = None  # the model's canvas, when known: step_budget stays within it
        self.wording = wording
        self.states = states
        if oracle not in ORACLES:
            raise InputError(f"unknown oracle {oracle!r}; allowed: {', '.join(ORACLES)}")
        self.oracle = oracle
        self._objects = list(objects)
        self._tasks: dict[str, GroundTask] = {}
        self._bound: dict[str, GroundTask] = {}  # without ground actions, for checking plans
        self._plans: dict[str, SearchResult] = {}

    # --- problems -------------------------------------------------------------------------
    def parse_problem(self, data: Any) -> PDDLProblem:
        """A problem from a PDDLProblem, a dict, or PDDL problem text; bad input raises InputError."""
        if isinstance(data, str):
            data = {"pddl": data}
        try:
            problem = data if isinstance(data, PDDLProblem) else PDDLProblem.model_validate(data)
        except ValidationError as err:
            raise InputError(f"bad PDDL problem: {err.errors()[0]['msg']} (fields: pddl, max_steps)") from None
        self._checking_task(problem)
        return problem

    def prepare(self, problem: PDDLProblem) -> PDDLProblem:
        """The problem with a step budget: its own `max_steps`, else `step_budget` (chosen without the oracle)."""
        problem = self.parse_problem(problem)
        if problem.max_steps is not None:
            return problem
        return problem.model_copy(update={"max_steps": self.step_budget(problem)})

    def step_budget(self, problem: PDDLProblem) -> int:
        """Template steps for a problem given without `max_steps`: the environment's `max_steps`, else
        DEFAULT_MAX_STEPS (a domain may know better). With a `relaxed_ratio` (a trained model's: the
        most steps its training plans took per step of their relaxed plans), a problem larger than
        those gets a quarter more than that ratio times its own relaxed plan, as far as the model's
        canvas (`max_tokens`) holds."""
        budget = self.default_max_steps or DEFAULT_MAX_STEPS
        if self.relaxed_ratio:
            task = self.task(problem)
            relaxed = relaxed_plan_length(task)
            if relaxed:
                wanted = math.ceil(1.25 * self.relaxed_ratio * relaxed)
                budget = max(budget, min(wanted, self._fitting_steps(problem, task)))
        return budget

    def _fitting_steps(self, problem: PDDLProblem, task: GroundTask) -> int:
        """The most compact steps a canvas of `max_tokens` holds after this problem's context (no cap without)."""
        if self.max_tokens is None:
            return 10**9
        context = len(tpl.compact_context(task, self.names(problem), self._implied(task), self.goal_view).split())
        annotation = self._annotation(problem, task)
        per_step = 3 + len(tpl.argument_domains(task)) + (annotation.words_per_step() if annotation else 0)  # "( act args ) [...]"
        return (self.max_tokens - context) // per_step

    def _annotation(self, problem: PDDLProblem, task: GroundTask) -> Annotation | None:
        """The state view bound to this problem's task and object tokens (None without `states`)."""
        return None if self.states is None else Annotation.bind(self.states, task, self.names(problem))

    def names(self, problem: PDDLProblem) -> dict[str, str]:
        """Object -> its token in the compact template (none renamed without an `object_pool`)."""
        if self.object_pool is None:
            return {}
        return object_tokens(self._checking_task(problem), self.object_pool, problem.pddl, self.kinds, self.object_order)

    def _implied(self, task: GroundTask) -> frozenset:
        """The initial atoms the object tokens say (with `object_kinds`: (ball b3) when b3's token is a ball's)."""
        if not self.kinds or self.object_pool is None:
            return frozenset()
        groups = object_groups(task, self.kinds)
        return frozenset((kind, name) for kind in self.kinds for name in groups.get(kind, ()))

    def task(self, problem: PDDLProblem) -> GroundTask:
        """The ground task of `problem` (cached by its text)."""
        if problem.pddl not in self._tasks:
            if len(self._tasks) > 256:
                self._tasks.clear()
            self._tasks[problem.pddl] = ground(self.domain, parse_problem_text(problem.pddl))
        return self._tasks[problem.pddl]

    def _checking_task(self, problem: PDDLProblem) -> GroundTask:
        """The task with no ground actions (cached): reading and checking never ground the domain."""
        if problem.pddl in self._tasks:
            return self._tasks[problem.pddl]
        if problem.pddl not in self._bound:
            if len(self._bound) > 256:
                self._bound.clear()
            self._bound[problem.pddl] = bind(self.domain, parse_problem_text(problem.pddl))
        return self._bound[problem.pddl]

    def generate(self, seed: int, walk_length: int = 8, goal_atoms: int = 2, restarts: int = 0,
                 goal_predicates: Sequence[str] | None = None, far_goals: float = 0.0,
                 novelty: float = 0.0, own_goals: float = 0.0, clones: int = 0, grown_goals: float = 0.0) -> PDDLProblem:
        """A problem over a random base problem's objects: its initial state (or a state reached from
        it by up to `restarts` random walks) and a goal of atoms seen after a random walk; solvable
        unless `far_goals` > 0 (see `environments.pddl.walks.walk_problem`). With probability
        `own_goals` it is the base problem itself, its own goal kept. `clones`: the walk starts in
        the base problem with up to that many objects copied (`environments.pddl.walks.clone_objects`),
        for problems larger than the given ones. With probability `grown_goals` it is the base
        problem with 1..`clones` objects copied together with their goals: the user's own task at
        larger sizes (gripper's prob01 with more balls, each to go where its source goes), whose
        plans are longer than any walk's goal asks; it may be unsolvable where copied goals clash."""
        if not self.base_problems:
            raise InputError(f"{self.name}: generating problems needs a base problem (load the domain with one)")
        rng = random.Random(seed)
        base = self.base_problems[rng.randrange(len(self.base_problems))]
        if own_goals and rng.random() < own_goals:
            return base
        task = self.task(base)
        if grown_goals and clones and rng.random() < grown_goals:
            grown = clone_objects(task, rng, rng.randint(1, clones), f"{task.problem.name}-grown-{seed}", goals=True)
            return base if grown is None else PDDLProblem(pddl=grown)
        copies = rng.randint(0, clones)
        if copies:
            larger = clone_objects(task, rng, copies, f"{task.problem.name}-copies-{seed}")
            task = task if larger is None else self.task(PDDLProblem(pddl=larger))
        text = walk_problem(task, rng, f"{task.problem.name}-walk-{seed}", walk_length=walk_length, goal_atoms=goal_atoms,
                            restarts=restarts, goal_predicates=goal_predicates, far_goals=far_goals, novelty=novelty)
        return PDDLProblem(pddl=text)

    # --- oracle ---------------------------------------------------------------------------
    def search(self, problem: PDDLProblem, algorithm: str | None = None, **limits: Any) -> SearchResult:
        """Run the optimal planner ("bfs", "astar" with h_max or "fast-downward"; default: the environment's oracle).

        The result's `reason` says why when there is no plan (unsolvable, node limit, timeout).
        """
        algorithm = algorithm or self.oracle
        if algorithm == FAST_DOWNWARD:
            from environments.pddl.fast_downward import fast_downward_search

            return fast_downward_search(self.domain_pddl, problem.pddl, self.task(problem), **{**ORACLE_LIMITS, **limits})
        return search(self.task(problem), algorithm=algorithm, **{**ORACLE_LIMITS, **limits})

    def solve(self, problem: PDDLProblem) -> list[str] | None:
        """A shortest plan, or None when there is none or the search limits were hit (see `search`)."""
        if not isinstance(problem, PDDLProblem):
            problem = self.parse_problem(problem)
        if problem.pddl not in self._plans:
            self._plans[problem.pddl] = self.search(problem)
        result = self._plans[problem.pddl]
        return None if result.plan is None else [str(a) for a in result.plan]

    def max_steps(self, problem: PDDLProblem) -> int:
        """Template length: the problem's max_steps, else the optimal length, else DEFAULT_MAX_STEPS."""
        if problem.max_steps is not None:
            return problem.max_steps
        plan = self.solve(problem)
        return max(1, len(plan)) if plan is not None else DEFAULT_MAX_STEPS

    # --- templates --------------------------------------------------------------------------
    def template(self, problem: PDDLProblem, rendering: str = "compact") -> Template:
        """Compact: an action slot and typed argument slots per step; text: one line slot per step."""
        _check_rendering(rendering)
        task, n = self.task(problem), self.max_steps(problem)
        if rendering == "compact":
            return tpl.compact_template(task, n, self.names(problem), self._implied(task), self._annotation(problem, task),
                                        self.goal_view)
        return tpl.text_template(task, n, self.wording)

    def plan_to_values(self, problem: PDDLProblem, plan: Sequence[str], rendering: str = "compact") -> dict[str, str]:
        """Slot values spelling `plan`, empty steps after it."""
        _check_rendering(rendering)
        task, n = self.task(problem), self.max_steps(problem)
        values = tpl.plan_to_values(task, list(plan), n, rendering, self.wording, self.names(problem))
        annotation = self._annotation(problem, task) if rendering == "compact" else None
        if annotation is not None:
            values.update(state_values(annotation, _states_after(task, plan), n))
        return values

    def parse_plan(self, problem: PDDLProblem, values: Mapping[str, str], rendering: str = "compact") -> list[str]:
        """The plan spelled by slot values; empty steps dropped, unknown values kept for blaming."""
        _check_rendering(rendering)
        return tpl.parse_values(self.task(problem), values, self.max_steps(problem), rendering, self.wording,
                                self.names(problem))[0]

    # --- checking ---------------------------------------------------------------------------
    def check(self, problem: PDDLProblem, plan: Sequence[str] | str) -> list[Violation]:
        """Simulate `plan` (a list of actions or a plan text): the first bad step, then unmet goal atoms."""
        return check_plan(self._checking_task(problem), plan_steps(plan), CONSTRAINT)

    def restart(self, problem: PDDLProblem, steps: Sequence[str]) -> PDDLProblem:
        """The problem from the state `steps` reach (same objects and goal), with len(steps) fewer steps
        of budget: what a closed-loop planner drafts the rest of the plan from."""
        problem = self.prepare(problem)
        task = self._checking_task(problem)
        state = task.init
        for i, step in enumerate(steps):
            action, _, reason = ground_step(task, step)
            if action is None or not is_applicable(action, state):
                raise InputError(f"cannot restart {task.problem.name} after step {i + 1} ({step}): "
                                 f"{reason or 'it does not apply'}")
            state = apply(action, state)
        text = restarted_problem(task, state, task.problem.name)
        if text is None:
            raise InputError(f"{task.problem.name}: its goal is more than a conjunction of literals, so it cannot be restarted")
        return PDDLProblem(pddl=text, max_steps=max(1, self.max_steps(problem) - len(steps)))

    def shorten(self, problem: PDDLProblem, plan: Sequence[str]) -> list[str]:
        """`plan` less the steps it does without (greedy action elimination), still valid."""
        return without_detours(lambda steps: self.check(problem, steps), plan_steps(plan))

    def report(self, problem: PDDLProblem, plan: Sequence[str] | str) -> PlanReport:
        """`check` plus the plan's cost (total-cost with :action-costs, else the steps executed)."""
        return validate_plan(self._checking_task(problem), plan_steps(plan), CONSTRAINT)

    def check_values(self, problem: PDDLProblem, values: Mapping[str, str], rendering: str = "compact") -> list[Violation]:
        """`check(parse_plan(values))`, blaming the slots of the bad step; unmet goals blame the empty
        steps. With none left, they blame every step from the first one the plan does without
        (`unneeded_step`: a block picked up and put back), so the plan is redrafted from there, and
        when no step is unneeded, no slot (the refine loop then redrafts the whole plan). Beside a
        failing step, a goal with no room left blames that step: the goal is judged once it is mended."""
        _check_rendering(rendering)
        task, n = self.task(problem), self.max_steps(problem)
        plan, positions = tpl.parse_values(task, values, n, rendering, self.wording, self.names(problem))
        annotation = self._annotation(problem, task) if rendering == "compact" else None

        def step_slots(i: int) -> tuple[str, ...]:
            return _step_slots(task, i, n, rendering, annotation)

        out = []
        found = check_plan(task, plan, CONSTRAINT)
        failing = [v.steps[0] for v in found if v.steps]
        for v in found:
            if v.steps:
                slots = step_slots(positions[v.steps[0]])
            else:  # room for the missing steps: the empty steps after the last one used
                last = positions[-1] if positions else -1
                if last == n - 1 and len(found) == 1:  # no room left
                    first = unneeded_step(task, plan, len(v.details.get("unmet", ())))
                    last = positions[first] - 1 if first is not None else last
                slots = tuple(s for i in range(last + 1, n) for s in step_slots(i))
                if not slots and failing:  # no room, and a step fails: mend it first, the goal is judged after
                    slots = step_slots(positions[min(failing)])
            out.append(Violation(v.constraint, v.reason, v.kind, slots=slots, steps=v.steps, details=v.details))
        if out and annotation is not None:  # a failing plan: its wrongly written states go too
            out += _wrong_states(annotation, task, values, plan, positions, n)
        return out

    def slot_rules(self, problem: PDDLProblem, rendering: str = "compact", tier: Tier = "local") -> SlotRules:
        """Hard constraints (compact rendering): applicable actions after a committed prefix, typed
        arguments elsewhere (see `environments.pddl.allowed`); the text rendering gets none. Either way
        steps are committed one after another. The task is grounded once, here. These rules are
        local; the search tier adds nothing yet."""
        _check_rendering(rendering)
        check_tier(tier)
        task, n = self.task(problem), self.max_steps(problem)
        if rendering != "compact":
            return BoundRules(no_values, tuple(tuple(tpl.step_slots(task, i, rendering)) for i in range(n)))
        annotation = self._annotation(problem, task)
        order = tuple(_step_slots(task, i, n, rendering, annotation) for i in range(n))
        return BoundRules(PddlSteps(task, n, self.names(problem), annotation), order)

    def vocabulary(self) -> list[str]:
        """Compact tokens: brackets, noop, pad, action names, domain constants and known objects
        (with an `object_pool`: the object tokens instead of the problems' objects)."""
        objects = [name for name, _ in self.domain.constants] + self._objects
        if self.object_pool is not None:
            objects += token_vocabulary(self.domain, self.object_pool, self.kinds)
        else:
            for base in self.base_problems:
                objects += [name for name, _ in self.task(base).problem.objects]
        predicates = [name for name, _ in self.domain.predicates]
        return tpl.compact_vocabulary([s.name for s in self.domain.schemas], objects, predicates,
                                      None if self.states is None else self.states.words, self.goal_view)

    def format_plan(self, plan: Sequence[str]) -> list[str]:
        """The plan as a list of "(action arg ...)" strings."""
        return [" ".join(step.split()) for step in plan_steps(plan)]


def _step_slots(task: GroundTask, i: int, n: int, rendering: str, annotation: Annotation | None) -> tuple[str, ...]:
    """Slot names of template step i of n: its action and arguments, then its state's (with an annotation)."""
    own = tpl.step_slots(task, i, rendering)
    return own + annotation.slots(i, last=i == n - 1) if annotation is not None else own


def _states_after(task: GroundTask, plan: Sequence[str]) -> list[frozenset]:
    """The state after each step of `plan` as far as it runs ([the initial state] when no step does)."""
    state, states = task.init, []
    for step in plan:
        action, _, _ = ground_step(task, step)
        if action is None or not is_applicable(action, state):
            break
        state = apply(action, state)
        states.append(state)
    return states or [task.init]


def _wrong_states(annotation: Annotation, task: GroundTask, values: Mapping[str, str], plan: Sequence[str],
                  positions: Sequence[int], n: int) -> list[Violation]:
    """One violation per template step whose written state is not the state its plan prefix reaches,
    blaming the wrong values, up to the first step that fails (past it no state is known)."""
    written = {name: str(value).strip().lower() for name, value in values.items()}
    out, state, used = [], task.init, 0
    for i in range(n):
        if used < len(positions) and positions[used] == i:
            action, _, _ = ground_step(task, plan[used])
            if action is None or not is_applicable(action, state):
                break
            state, used = apply(action, state), used + 1
        truth = annotation.read(state)
        wrong = [(slot, k) for k, slot in enumerate(slot_name(i, k) for k in range(len(truth)))
                 if slot in values and written[slot] != truth[k]]
        if wrong:
            shown = ", ".join(f"{annotation.names[k]} {truth[k]}" for _, k in wrong)
            out.append(Violation(STATE_CONSTRAINT, f"after step {i + 1} the state has {shown}", "constraint",
                                 slots=tuple(slot for slot, _ in wrong)))
    return out


def unneeded_step(task: Any, plan: Sequence[str], unmet: int) -> int | None:
    """The first step that, alone or with one of the next two, leaves a plan that still runs to the
    end and leaves at most `unmet` goal atoms unmet, or None (found in hindsight, on the whole plan)."""
    for i in range(len(plan)):
        for drop in ((i,), (i, i + 1), (i, i + 2)):
            if drop[-1] >= len(plan):
                break
            found = check_plan(task, [s for j, s in enumerate(plan) if j not in drop], CONSTRAINT)
            if all(not v.steps for v in found) and sum(len(v.details.get("unmet", ())) for v in found) <= unmet:
                return i
    return None


def plan_steps(plan: Any) -> list[str]:
    """The steps of a plan given as text (one action a line) or as a list of action strings.

    Raises:
        InputError: the plan is neither, or a step is not a string.
    """
    if isinstance(plan, str):
        return read_plan(plan)
    if not isinstance(plan, (list, tuple)):
        raise InputError(f"a PDDL plan is a plan text or a list of action strings, not {type(plan).__name__}")
    for i, step in enumerate(plan):
        if not isinstance(step, str):
            raise InputError(f"plan step {i + 1} is {type(step).__name__}, not an action string like '(pick-up a)'")
    return list(plan)


def _check_rendering(rendering: str) -> None:
    if rendering not in ("compact", "text"):
        raise ValueError(f"unknown rendering {rendering!r}; allowed: compact, text")


def _read_source(source: str | Path, what: str) -> str:
    if isinstance(source, str) and source.lstrip().startswith(("(", ";")):
        return source  # PDDL text, not a path
    if not is_file(source):
        raise InputError(f"{what} file not found: {str(source)[:200]!r} (give a path or PDDL text)")
    return read_text(source, f"{what} file")


def load_pddl(domain: str | Path, problem: str | Path) -> tuple[PDDLEnvironment, PDDLProblem]:
    """An environment for a domain and one of its problems, each given as a file path or PDDL text.

    Raises:
        InputError: a missing file, a syntax error (with its line and column) or an unsupported feature.
    """
    domain_text, problem_text = _read_source(domain, "domain"), _read_source(problem, "problem")
    base = PDDLProblem(pddl=problem_text)
    env = PDDLEnvironment(domain_text, base_problem=base)
    env.parse_problem(base)
    return env, base
