"""Ground a lifted task over its typed objects, and simulate ground actions on states.

Quantifiers are expanded over the objects of their types when an action is grounded; equality
and static atoms fold to constants then, so most ADL preconditions end up as plain literals.
Conditional effects are evaluated against the state before the action; deletes are applied
before adds, as in PDDL.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from constraints.errors import InputError
from constraints.limits import MAX_GROUND_WORK
from environments.pddl.derived import DerivedRules
from environments.pddl.formulas import (
    FALSE, TRUE, Formula, atom_text, bind_atom, bindings, check_expansion, expansion, formula_atoms, ground_formula, holds, literals,
)
from environments.pddl.parsing import Atom, LiftedDomain, LiftedProblem, Schema

atom_str = atom_text


@dataclass(frozen=True)
class CondEffect:
    """A ground conditional effect: when `condition` holds before the action, delete then add."""

    condition: Formula
    add: frozenset[Atom]
    delete: frozenset[Atom]


@dataclass(frozen=True)
class GroundAction:
    """A ground action: name, objects, and its precondition and effect atoms."""

    name: str
    args: tuple[str, ...]
    pre_pos: frozenset[Atom]
    pre_neg: frozenset[Atom]
    add: frozenset[Atom]
    delete: frozenset[Atom]
    equality_ok: bool = True  # False when an (= ...) / (not (= ...)) precondition fails
    pre_rest: tuple[Formula, ...] = ()  # ground precondition parts beyond literals (or, ...)
    cond: tuple[CondEffect, ...] = ()
    cost: float | None = 1  # None: its cost function has no value in :init, so it cannot run

    def __str__(self) -> str:
        return atom_str((self.name, *self.args))


@dataclass(frozen=True, eq=False)
class GroundTask:
    """A grounded task. `actions` holds the ground actions reachable from `init` (none when only bound)."""

    domain: LiftedDomain
    problem: LiftedProblem
    objects: tuple[tuple[str, frozenset[str]], ...]  # constants and objects, each with its types
    atoms: frozenset[Atom]
    init: frozenset[Atom]
    goal_pos: frozenset[Atom]
    goal_neg: frozenset[Atom]
    actions: tuple[GroundAction, ...]
    _schemas: dict = field(default_factory=dict, repr=False)
    _ancestors: dict = field(default_factory=dict, repr=False)
    goal_rest: tuple[Formula, ...] = ()  # ground goal parts beyond literals
    static: frozenset[str] = frozenset()  # predicates no action changes
    numbers: dict = field(default_factory=dict, repr=False)  # cost function values from :init
    _sizes: dict = field(default_factory=dict, repr=False)  # schema name -> ground instances its ADL parts write

    def schema_size(self, schema: Schema) -> int:
        """Ground instances one action of `schema` writes for its quantifiers and quantified effects.

        Raises:
            InputError: the precondition or an effect expands past MAX_GROUND_FORMULA.
        """
        if schema.name not in self._sizes:
            pre = expansion(("and", schema.pre_rest), self.objects_of)
            check_expansion(pre, f"the precondition of action {schema.name}")
            size = pre
            for effect in schema.effects:
                count = 1
                for _, types in effect.params:
                    count *= len(self.objects_of(types))
                effect_size = count * (expansion(effect.condition, self.objects_of) + len(effect.add) + len(effect.delete))
                check_expansion(effect_size, f"a quantified effect of action {schema.name}")
                size += effect_size
            self._sizes[schema.name] = size
        return self._sizes[schema.name]

    def schema(self, name: str) -> Schema | None:
        """The action schema called `name` (case-insensitive), or None."""
        return self._schemas.get(name.lower())

    def object_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.objects)

    def objects_of(self, types: frozenset[str]) -> tuple[str, ...]:
        """Objects whose type is one of `types` or a subtype of one of them."""
        return tuple(name for name, own in self.objects if self.is_of_type(own, types))

    def is_of_type(self, own: frozenset[str], wanted: frozenset[str]) -> bool:
        return "object" in wanted or any(self._ancestors.get(t, frozenset({t, "object"})) & wanted for t in own)

    def is_goal(self, state: frozenset[Atom]) -> bool:
        return self.goal_pos <= state and not (self.goal_neg & state) and all(holds(f, state) for f in self.goal_rest)

    def static_value(self, atom: Atom) -> bool | None:
        """The truth of a static atom (it never changes), None for an atom actions may change."""
        return (atom in self.init) if atom[0] in self.static else None


def instantiate(schema: Schema, args: tuple[str, ...], task: GroundTask | None = None) -> GroundAction:
    """Bind the schema's parameters to `args` (no type check; see `check_arguments`).

    ADL parts (quantifiers, conditional effects, cost functions) need the `task` for its objects,
    static atoms and :init numbers.
    """
    binding = {var: obj for (var, _), obj in zip(schema.params, args)}

    def bind(atom: Atom) -> Atom:
        return (atom[0], *(binding.get(t, t) for t in atom[1:]))

    ok = all(binding.get(a, a) == binding.get(b, b) for a, b in schema.equal)
    ok = ok and all(binding.get(a, a) != binding.get(b, b) for a, b in schema.unequal)
    pre_rest: tuple[Formula, ...] = ()
    add, delete = set(map(bind, schema.add)), set(map(bind, schema.delete))
    cond: list[CondEffect] = []
    if not schema.is_strips:
        if task is None:
            raise ValueError(f"action {schema.name} has ADL parts: instantiate it with its task")
        task.schema_size(schema)
        rest = ground_formula(("and", schema.pre_rest), binding, task.objects_of, task.static_value)
        pre_rest = () if rest == TRUE else (rest,)
        for effect in schema.effects:
            for extra in bindings(effect.params, task.objects_of):
                inner = {**binding, **extra}
                condition = ground_formula(effect.condition, inner, task.objects_of, task.static_value)
                if condition == FALSE:
                    continue
                adds = frozenset(bind_atom(a, inner) for a in effect.add)
                dels = frozenset(bind_atom(a, inner) for a in effect.delete)
                if condition == TRUE:
                    add |= adds
                    delete |= dels
                else:
                    cond.append(CondEffect(condition, adds, dels))
    return GroundAction(
        schema.name,
        tuple(args),
        frozenset(map(bind, schema.pre_pos)),
        frozenset(map(bind, schema.pre_neg)),
        frozenset(add),
        frozenset(delete),
        ok,
        pre_rest,
        _merge(cond),
        _cost(schema, bind, task),
    )


def _merge(effects: list[CondEffect]) -> tuple[CondEffect, ...]:
    """Conditional effects with the same condition as one (fewer condition tests per step)."""
    merged: dict[Formula, tuple[set, set]] = {}
    for e in effects:
        add, delete = merged.setdefault(e.condition, (set(), set()))
        add |= e.add
        delete |= e.delete
    return tuple(CondEffect(c, frozenset(a), frozenset(d)) for c, (a, d) in merged.items())


def _cost(schema: Schema, bind, task: GroundTask | None) -> float | None:
    if schema.cost is None:
        return 0 if task is not None and task.domain.has_costs else 1
    if not isinstance(schema.cost, tuple):
        return schema.cost
    if task is None:
        raise ValueError(f"action {schema.name} has a cost function: instantiate it with its task")
    return task.numbers.get(bind(schema.cost))


def is_applicable(action: GroundAction, state: frozenset[Atom]) -> bool:
    """True when every precondition of `action` holds in `state`."""
    return (
        action.equality_ok and action.pre_pos <= state and not (action.pre_neg & state)
        and all(holds(f, state) for f in action.pre_rest)
    )


def apply(action: GroundAction, state: frozenset[Atom]) -> frozenset[Atom]:
    """The successor state: effects whose condition holds in `state`, deletes first, then adds (PDDL)."""
    if not action.cond:
        return (state - action.delete) | action.add
    add, delete = set(action.add), set(action.delete)
    for effect in action.cond:
        if holds(effect.condition, state):
            add |= effect.add
            delete |= effect.delete
    return (state - delete) | add


def _ancestors(domain: LiftedDomain) -> dict[str, frozenset[str]]:
    parents = dict(domain.types)
    result: dict[str, frozenset[str]] = {}
    for start in parents:
        seen, current = {"object"}, start
        while current is not None and current not in seen:
            seen.add(current)
            current = parents.get(current)
        result[start] = frozenset(seen)
    return result


def static_predicates(domain: LiftedDomain) -> frozenset[str]:
    """The predicates no action changes (in no effect, conditional ones included)."""
    changed = {atom[0] for s in domain.schemas for atom in (*s.add, *s.delete)}
    changed |= {atom[0] for s in domain.schemas for e in s.effects for atom in (*e.add, *e.delete)}
    return frozenset(name for name, _ in domain.predicates) - changed


def _ground_schema(task: GroundTask, schema: Schema, static: set[str], work: list[int]) -> list[GroundAction]:
    """Every type-correct binding whose static preconditions hold initially.

    `work[0]` counts the bindings tried and the instances written, across schemas.

    Raises:
        InputError: grounding would pass MAX_GROUND_WORK.
    """
    per_action = 1 + (0 if schema.is_strips else task.schema_size(schema))
    domains = [task.objects_of(types) for _, types in schema.params]
    variables = [var for var, _ in schema.params]
    checks: list[list] = [[] for _ in range(max(1, len(variables)))]  # static literals checked once their last variable is bound
    for positive, atoms in ((True, schema.pre_pos), (False, schema.pre_neg)):
        for atom in atoms:
            if atom[0] in static:
                last = max((variables.index(t) for t in atom[1:] if t in variables), default=-1)
                checks[max(last, 0)].append((positive, atom))
    out: list[GroundAction] = []
    binding: dict[str, str] = {}

    def spend(amount: int) -> None:
        work[0] += amount
        if work[0] > MAX_GROUND_WORK:
            raise InputError(
                f"grounding action {schema.name} passes {MAX_GROUND_WORK:,} bindings "
                f"({len(task.objects)} objects, {len(variables)} parameters); use fewer objects or fewer action parameters"
            )

    def extend(i: int) -> None:
        if i == len(variables):
            spend(per_action)
            out.append(instantiate(schema, tuple(binding[v] for v in variables), task))
            return
        for obj in domains[i]:
            spend(1)
            binding[variables[i]] = obj
            if all((((a[0], *(binding.get(t, t) for t in a[1:])) in task.init) == pos) for pos, a in checks[i]):
                extend(i + 1)
        binding.pop(variables[i], None)

    if not variables:
        spend(per_action)
        if all(((a in task.init) == pos) for pos, a in checks[0]):
            out.append(instantiate(schema, (), task))
        return out
    extend(0)
    return out


def bind(domain: LiftedDomain, problem: LiftedProblem) -> GroundTask:
    """`problem` over `domain` with no ground actions: enough to check a plan step by step.

    Grounding can be exponential in the action arity (objects ** parameters); checking a plan
    only instantiates the actions it names.

    Raises:
        InputError: the problem names another domain, or an atom does not match the domain.
    """
    if problem.domain_name != domain.name:
        raise InputError(f"the problem is for domain {problem.domain_name!r} but the domain is {domain.name!r}")
    if domain.derived:
        problem = _with_derived_goal(domain, problem)
    objects: dict[str, frozenset[str]] = dict(domain.constants)
    for name, types in problem.objects:
        objects[name] = types
    arity = dict(domain.predicates)
    for atom in (*problem.init, *formula_atoms(problem.goal)):
        if arity.get(atom[0]) != len(atom) - 1:
            raise InputError(f"problem atom {atom_str(atom)} does not match a domain predicate")
        for obj in atom[1:]:
            if obj not in objects and not obj.startswith("?"):
                raise InputError(f"problem atom {atom_str(atom)} uses undeclared object {obj!r}")
    task = GroundTask(
        domain, problem, tuple(sorted(objects.items())), frozenset(), problem.init, problem.goal_pos, problem.goal_neg, (),
        {s.name: s for s in domain.schemas}, _ancestors(domain), (), static_predicates(domain), dict(problem.numbers),
    )
    if not problem.goal_rest:
        return task
    check_expansion(expansion(("and", problem.goal_rest), task.objects_of), "the goal")
    rest = ground_formula(("and", problem.goal_rest), {}, task.objects_of)
    return replace(task, goal_rest=() if rest == TRUE else (rest,))


def _with_derived_goal(domain: LiftedDomain, problem: LiftedProblem) -> LiftedProblem:
    """The problem with the domain's derived atoms in its goal replaced by their rules' bodies."""
    rules = DerivedRules(domain.derived)
    for atom in sorted(problem.init):
        if rules.is_derived(atom[0]):
            raise InputError(f"problem :init sets {atom_str(atom)}, but {atom[0]} is a derived predicate (its rules decide it)")
    goal = rules.expand(problem.goal)
    split = literals(goal)
    goal_pos, goal_neg, rest = split if split is not None else (frozenset(), frozenset(), (FALSE,))
    return replace(problem, goal=goal, goal_pos=goal_pos, goal_neg=goal_neg, goal_rest=rest)


def ground(domain: LiftedDomain, problem: LiftedProblem) -> GroundTask:
    """Ground `problem` over `domain`, keeping actions reachable in the delete relaxation."""
    task = bind(domain, problem)
    work = [0]  # bindings tried and instances written so far, against MAX_GROUND_WORK
    candidates = [
        a for s in domain.schemas for a in _ground_schema(task, s, set(task.static), work)
        if a.equality_ok and FALSE not in a.pre_rest and a.cost is not None
    ]
    # Delete-relaxed reachability: an action whose positive preconditions never hold is dropped
    # (other precondition parts are ignored here, which only keeps more actions).
    reached, kept, pending = set(problem.init), [], candidates
    while True:
        ready = [a for a in pending if a.pre_pos <= reached]
        if not ready:
            break
        pending = [a for a in pending if not a.pre_pos <= reached]
        kept.extend(ready)
        for action in ready:
            reached |= action.add
            for effect in action.cond:
                reached |= effect.add
    kept.sort(key=lambda a: (a.name, a.args))
    goal_atoms = {a for f in task.goal_rest for a in formula_atoms(f)}
    atoms = frozenset(reached) | problem.goal_pos | problem.goal_neg | goal_atoms
    return replace(task, atoms=atoms, actions=tuple(kept))


__all__ = ["CondEffect", "GroundAction", "GroundTask", "apply", "atom_str", "bind", "ground", "instantiate", "is_applicable"]
