"""Ground a lifted STRIPS task over its typed objects, and simulate ground actions on states."""

from __future__ import annotations

from dataclasses import dataclass, field

from constraints.errors import InputError
from environments.pddl.parsing import Atom, LiftedDomain, LiftedProblem, Schema

def atom_str(atom: Atom) -> str:
    """PDDL text of an atom: ("on", "a", "b") -> "(on a b)"."""
    return "(" + " ".join(atom) + ")"


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

    def __str__(self) -> str:
        return atom_str((self.name, *self.args))


@dataclass(frozen=True, eq=False)
class GroundTask:
    """A grounded STRIPS task. `actions` holds the ground actions reachable from `init`."""

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
        return self.goal_pos <= state and not (self.goal_neg & state)


def instantiate(schema: Schema, args: tuple[str, ...]) -> GroundAction:
    """Bind the schema's parameters to `args` (no type check; see `check_arguments`)."""
    binding = {var: obj for (var, _), obj in zip(schema.params, args)}

    def bind(atom: Atom) -> Atom:
        return (atom[0], *(binding.get(t, t) for t in atom[1:]))

    ok = all(binding.get(a, a) == binding.get(b, b) for a, b in schema.equal)
    ok = ok and all(binding.get(a, a) != binding.get(b, b) for a, b in schema.unequal)
    return GroundAction(
        schema.name,
        tuple(args),
        frozenset(map(bind, schema.pre_pos)),
        frozenset(map(bind, schema.pre_neg)),
        frozenset(map(bind, schema.add)),
        frozenset(map(bind, schema.delete)),
        ok,
    )


def is_applicable(action: GroundAction, state: frozenset[Atom]) -> bool:
    """True when every precondition of `action` holds in `state`."""
    return action.equality_ok and action.pre_pos <= state and not (action.pre_neg & state)


def apply(action: GroundAction, state: frozenset[Atom]) -> frozenset[Atom]:
    """The successor state (deletes first, then adds, as in PDDL)."""
    return (state - action.delete) | action.add


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


def _static_predicates(domain: LiftedDomain) -> set[str]:
    changed = {atom[0] for s in domain.schemas for atom in (*s.add, *s.delete)}
    return {name for name, _ in domain.predicates} - changed


def _ground_schema(task: GroundTask, schema: Schema, static: set[str]) -> list[GroundAction]:
    """Every type-correct binding whose static preconditions hold initially."""
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

    def extend(i: int) -> None:
        if i == len(variables):
            out.append(instantiate(schema, tuple(binding[v] for v in variables)))
            return
        for obj in domains[i]:
            binding[variables[i]] = obj
            if all((((a[0], *(binding.get(t, t) for t in a[1:])) in task.init) == pos) for pos, a in checks[i]):
                extend(i + 1)
        binding.pop(variables[i], None)

    if not variables:
        if all(((a in task.init) == pos) for pos, a in checks[0]):
            out.append(instantiate(schema, ()))
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
    objects: dict[str, frozenset[str]] = dict(domain.constants)
    for name, types in problem.objects:
        objects[name] = types
    arity = dict(domain.predicates)
    for atom in (*problem.init, *problem.goal_pos, *problem.goal_neg):
        if arity.get(atom[0]) != len(atom) - 1:
            raise InputError(f"problem atom {atom_str(atom)} does not match a domain predicate")
        for obj in atom[1:]:
            if obj not in objects:
                raise InputError(f"problem atom {atom_str(atom)} uses undeclared object {obj!r}")
    return GroundTask(
        domain, problem, tuple(sorted(objects.items())), frozenset(), problem.init, problem.goal_pos, problem.goal_neg, (),
        {s.name: s for s in domain.schemas}, _ancestors(domain),
    )


def ground(domain: LiftedDomain, problem: LiftedProblem) -> GroundTask:
    """Ground `problem` over `domain`, keeping actions reachable in the delete relaxation."""
    task = bind(domain, problem)
    static = _static_predicates(domain)
    candidates = [a for s in domain.schemas for a in _ground_schema(task, s, static) if a.equality_ok]
    # Delete-relaxed reachability: an action whose positive preconditions never hold is dropped.
    reached, kept, pending = set(problem.init), [], candidates
    while True:
        ready = [a for a in pending if a.pre_pos <= reached]
        if not ready:
            break
        pending = [a for a in pending if not a.pre_pos <= reached]
        kept.extend(ready)
        for action in ready:
            reached |= action.add
    kept.sort(key=lambda a: (a.name, a.args))
    atoms = frozenset(reached) | problem.goal_pos | problem.goal_neg
    return GroundTask(
        domain, problem, task.objects, atoms, problem.init, problem.goal_pos, problem.goal_neg, tuple(kept),
        task._schemas, task._ancestors,
    )


__all__ = ["GroundAction", "GroundTask", "apply", "atom_str", "bind", "ground", "instantiate", "is_applicable"]
