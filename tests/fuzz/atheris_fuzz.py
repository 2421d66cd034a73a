"""Coverage-guided fuzzing of the PDDL and template parsers with atheris (libFuzzer): the long optional run.

    pip install -e '.[fuzz]'
    PYTHONPATH=$PWD python tests/fuzz/atheris_fuzz.py TARGET [--work DIR] [libFuzzer flags]

TARGET is one of `targets.TARGETS` (pddl_domain, pddl_problem, pddl_task, template). The fuzzer
starts from the committed seeds in tests/fuzz/corpus/TARGET (read, never written), keeps the new
inputs it finds in DIR/corpus and writes a failing input to DIR/crash-*, DIR/timeout-* or
DIR/oom-* (DIR: a fresh folder under the system's temp folder unless given). Defaults:
`-max_total_time=600 -timeout=20 -rss_limit_mb=4096` and the target's word list
(tests/fuzz/dicts); later flags override them. Paths to files after TARGET replay those inputs. A finding is any exception but InputError,
more than 20 s on one input, or more than 4 GB of memory.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["constraints", "environments", "planners"]):
    import targets

DEFAULTS = ["-max_total_time=600", "-timeout=20", "-rss_limit_mb=4096"]
DICTS = Path(__file__).resolve().parent / "dicts"  # pddl.dict for the pddl_* targets, template.dict


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in targets.TARGETS:
        sys.exit(f"usage: {argv[0]} TARGET [--work DIR] [libFuzzer flags]; TARGET: {', '.join(targets.TARGETS)}")
    target, rest = argv[1], argv[2:]
    work = Path(rest[rest.index("--work") + 1]) if "--work" in rest else Path(tempfile.mkdtemp(prefix=f"fuzz-{target}-"))
    if "--work" in rest:
        i = rest.index("--work")
        rest = rest[:i] + rest[i + 2:]
    files = [a for a in rest if not a.startswith("-")]
    flags = [a for a in rest if a.startswith("-")]
    if files:  # replay the inputs given
        dirs = files
    else:
        (work / "corpus").mkdir(parents=True, exist_ok=True)
        dirs = [str(work / "corpus"), str(targets.CORPUS / target)]
        print(f"fuzzing {target}: new inputs in {work / 'corpus'}, findings in {work}/", file=sys.stderr)
    words = DICTS / f"{target.split('_')[0]}.dict"
    args = [argv[0], *DEFAULTS, f"-dict={words}", f"-artifact_prefix={work}/", *flags, *dirs]

    def one_input(data: bytes) -> None:
        targets.run(target, data)

    atheris.Setup(args, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
