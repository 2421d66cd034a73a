"""Fuzz targets: bytes in, one parser of user text run the way a user's text reaches it.

The contract, as in `fuzzing.py`: a value, or the package's `InputError` with a message; any other
exception escapes `run` (and is a finding). Input bytes are read as UTF-8, undecodable bytes as
U+FFFD. Used by the corpus replay (`test_fuzz_corpus.py`, every run) and by the coverage-guided
long run (`atheris_fuzz.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from constraints.errors import InputError
from dream_agent.vocab_tokenizer import VocabTokenizer
from environments.pddl import PDDLEnvironment, parse_domain_text, parse_problem_text
from planners.compile import compile_template, parse_template

CORPUS = Path(__file__).resolve().parent / "corpus"  # CORPUS / TARGET holds the committed seeds of each target
SEPARATOR = ";;;;"  # pddl_task: domain, problem and plan in one text (a PDDL comment, so each part stays PDDL)
# fixed text of a fuzzed template must be words of this vocabulary; the rest is an InputError naming the word
WORDS = VocabTokenizer(["step", "1", "2", ":", "pick", "place", "the", "cup", "a", "b", "ab", "0", "-", ".", ",", "x"])


def pddl_domain(text: str) -> Any:
    """A PDDL domain, as `--domain` and `PDDLEnvironment` read it."""
    return parse_domain_text(text)


def pddl_problem(text: str) -> Any:
    """A PDDL problem on its own."""
    return parse_problem_text(text)


def pddl_task(text: str) -> Any:
    """Domain, problem and plan (split at SEPARATOR) as `validate --domain --problem --plan` checks them."""
    domain, _, rest = text.partition(SEPARATOR)
    problem_text, _, plan = rest.partition(SEPARATOR)
    env = PDDLEnvironment(domain)
    problem = env.parse_problem(problem_text)
    return env.report(problem, plan)


def template(text: str) -> Any:
    """A template (slots, choices, patterns) read, then compiled against a small word vocabulary."""
    return compile_template(parse_template(text), WORDS)


TARGETS: dict[str, Callable[[str], Any]] = {
    "pddl_domain": pddl_domain, "pddl_problem": pddl_problem, "pddl_task": pddl_task, "template": template,
}


def run(target: str, data: bytes) -> Any:
    """`TARGETS[target]` on `data`; None when it raised InputError with a message. Anything else raises."""
    try:
        return TARGETS[target](data.decode("utf-8", errors="replace"))
    except InputError as err:
        if not str(err).strip():
            raise AssertionError(f"{target}: InputError without a message") from err
        return None
