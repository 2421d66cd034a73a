"""Mutation testing (mutmut 3) of the denoising loop, the refine loop and the plan checkers, one module at a time.

Each module is mutated in its own scratch folder, `.mutation/<module>/`, whose pyproject.toml points mutmut
at that module only and at the few test files that exercise it, so a mutant costs seconds, not the whole
suite. mutmut copies the packages into `.mutation/<module>/mutants/` and the tests import that copy.
Not part of the test run (it takes about an hour on one core). From the repository root:

    pip install "mutmut>=3.8,<4"
    OMP_NUM_THREADS=1 python bench/mutation.py                          # every module below, then the scores
    OMP_NUM_THREADS=1 python bench/mutation.py constraints/checkers.py  # one module
    python bench/mutation.py --scores                                   # the scores of the last runs
    OMP_NUM_THREADS=1 python bench/mutation.py --survivors              # after adding tests: retest survivors
    cd .mutation/constraints.checkers && mutmut show <mutant name>      # what a surviving mutant changed

Results are cached in each scratch folder: a plain rerun tests only mutants of changed functions
and keeps earlier verdicts, even after tests were added (`--survivors` retests those left alive;
delete `.mutation/` to start over).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRATCH = REPO / ".mutation"
PACKAGES = ("constraints", "environments", "planners", "dream_agent")

REFINE_TESTS = [
    "tests/planners/test_refine.py", "tests/planners/test_budget_properties.py", "tests/planners/test_remask.py",
    "tests/planners/test_candidates.py", "tests/planners/test_refine_edges.py",
    # builds a Dream checkpoint (seconds) in every mutant's fresh process; the tiny-model tests stay
    "--deselect", "tests/planners/test_refine.py::test_plan_on_a_random_dream_checkpoint",
]

# module -> the test files (pytest arguments) that exercise it; mutmut runs, per mutant, those of the
# selected tests that reach the mutated function
TARGETS: dict[str, list[str]] = {
    "constraints/checkers.py": ["tests/constraints/test_checkers.py"],
    "constraints/violation.py": ["tests/constraints/test_violation.py", "tests/constraints/test_checkers.py"],
    "constraints/limits.py": ["tests/constraints/test_limits.py"],
    "environments/pddl/checks.py": [
        "tests/environments/test_pddl_checker.py", "tests/environments/test_pddl_adl.py",
        "tests/environments/test_pddl_parsing.py", "tests/environments/test_pddl_derived.py",
    ],
    "environments/pddl/formulas.py": [
        "tests/environments/test_pddl_formulas.py", "tests/environments/test_pddl_checker.py",
        "tests/environments/test_pddl_adl.py", "tests/environments/test_pddl_derived.py",
    ],
    "dream_agent/denoise.py": ["tests/engine/test_denoise.py", "tests/engine/test_denoise_edges.py"],
    "planners/refinement.py": REFINE_TESTS,
    "planners/jobs.py": REFINE_TESTS,
}

# mutmut 3 leaves decorated functions alone. These are mutated in a copy of their module that applies
# the decorator after the definition (same behaviour), so that the trampoline sits inside it.
REDECORATE: dict[str, list[tuple[str, str]]] = {
    "dream_agent/denoise.py": [("@torch.no_grad()\ndef denoise(", "denoise = torch.no_grad()(denoise)")],
}

# mutmut's verdicts, as `mutmut results` names them: a mutant that fails a test or runs past its time is detected
KILLED = {"killed", "timeout"}


def scratch_dir(module: str) -> Path:
    return SCRATCH / module.removesuffix(".py").replace("/", ".")


def pytest_section() -> str:
    """The repository's [tool.pytest.ini_options] table, as text (markers, asyncio mode, default deselection)."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r"^\[tool\.pytest\.ini_options\]\n.*?(?=^\[)", text, flags=re.S | re.M)
    if match is None:
        raise SystemExit("pyproject.toml has no [tool.pytest.ini_options] table")
    return match.group(0)


def prepare(module: str) -> Path:
    """The scratch folder of `module`: links to the packages and tests, and a pyproject that names the module."""
    if module not in TARGETS:
        raise SystemExit(f"unknown module {module!r}; valid: {', '.join(TARGETS)}")
    where = scratch_dir(module)
    where.mkdir(parents=True, exist_ok=True)
    for name in (*PACKAGES, "tests"):
        link = where / name
        if module in REDECORATE and module.startswith(name + "/"):
            redecorated(module, link)
        elif not link.is_symlink():
            link.symlink_to(REPO / name, target_is_directory=True)
    # tests/helpers.py looks for public data beside the repository (../shared/data): beside mutants/ here
    shared, link = REPO.parent / "shared", where / "shared"
    if shared.is_dir() and not link.is_symlink():
        link.symlink_to(shared, target_is_directory=True)
    mutmut = {
        "source_paths": list(PACKAGES),
        "only_mutate": [module],
        "pytest_add_cli_args_test_selection": TARGETS[module],
        "pytest_add_cli_args": ["-p", "no:cacheprovider"],
        # torch is not fork-safe after its thread pools start: fork each mutant from a clean server
        "process_isolation": "forkserver",
    }
    config = "\n".join(f"{key} = {json.dumps(value)}" for key, value in mutmut.items())
    (where / "pyproject.toml").write_text(pytest_section() + "\n[tool.mutmut]\n" + config + "\n", encoding="utf-8")
    return where


def redecorated(module: str, package: Path) -> None:
    """`package` as a tree of links to the checkout's files, but `module` a copy with its decorators moved."""
    if package.is_symlink():
        package.unlink()
    shutil.rmtree(package, ignore_errors=True)
    shutil.copytree(REPO / package.name, package, copy_function=os.symlink,
                    ignore=shutil.ignore_patterns("__pycache__"))
    text = (REPO / module).read_text(encoding="utf-8")
    for decorated, after in REDECORATE[module]:
        if text.count(decorated) != 1:
            raise SystemExit(f"{module}: expected {decorated!r} once; update REDECORATE in {Path(__file__).name}")
        text = text.replace(decorated, decorated.split("\n", 1)[1]) + f"\n\n{after}\n"
    copy = package.parent / module
    copy.unlink()
    copy.write_text(text, encoding="utf-8")


def run(module: str, survivors: bool = False) -> int:
    """mutmut on `module`; with `survivors`, only the mutants its last run left alive (after new tests)."""
    where = prepare(module)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": ""}  # the tests import mutants/, never the checkout
    names = [name for name, status in (statuses(module) or {}).items() if status not in KILLED] if survivors else []
    if survivors and not names:
        return 0
    print(f"== {module} ({', '.join(TARGETS[module])})", flush=True)
    return subprocess.call(["mutmut", "run", "--max-children", "1", *names], cwd=where, env=env)


def statuses(module: str) -> dict[str, str] | None:
    """mutant name -> mutmut status for `module`, from `mutmut results --all` in its scratch folder."""
    where = scratch_dir(module)
    if not (where / "mutants").is_dir():
        return None
    out = subprocess.run(["mutmut", "results", "--all", "true"], cwd=where, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": ""}).stdout
    found = {}
    for line in out.splitlines():
        if ": " in line and "__mutmut_" in line:
            name, status = line.strip().rsplit(": ", 1)
            found[name] = status
    return found


def score(module: str) -> dict[str, int] | None:
    """Counts per mutmut status for `module`."""
    found = statuses(module)
    if found is None:
        return None
    counts: dict[str, int] = {}
    for status in found.values():
        counts[status] = counts.get(status, 0) + 1
    return counts


def print_scores(modules: list[str]) -> None:
    print(f"{'module':34} {'killed':>6} {'timeout':>7} {'total':>6} {'score':>6}  left")
    for module in modules:
        counts = score(module)
        if counts is None:
            print(f"{module:34} (not run)")
            continue
        detected = sum(n for s, n in counts.items() if s in KILLED)
        total = sum(counts.values())
        left = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s not in KILLED)
        print(f"{module:34} {counts.get('killed', 0):6} {counts.get('timeout', 0):7} {total:6} "
              f"{100 * detected / max(total, 1):5.1f}%  {left}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"modules to mutate (default: all of {', '.join(TARGETS)})")
    parser.add_argument("--scores", action="store_true", help="print the scores of the last runs, run nothing")
    parser.add_argument("--survivors", action="store_true",
                        help="rerun only the mutants the last run left alive (mutmut keeps earlier verdicts otherwise)")
    args = parser.parse_args()
    modules = args.modules or list(TARGETS)
    if not args.scores:
        for module in modules:
            if run(module, args.survivors) != 0:
                sys.exit(f"mutmut failed on {module}")
    print_scores(modules)


if __name__ == "__main__":
    main()
