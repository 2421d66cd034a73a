"""Templates compiled to token canvases: fixed text as tokens, slots as masks, plus the slot map.

Template text syntax (`parse_template`)::

    Step 1: {action|pick,place,open} the {obj:3}, then {note:<=5}.

- ``{name:N}``: a slot of exactly N tokens.
- ``{name:<=N}``: a slot of at most N tokens; the unused tail holds the empty (pad) token.
- ``{name|a,b,c}``: a slot whose value is one of ``a``, ``b``, ``c`` (values are stripped; they
  may contain spaces but not ``, | { }``). ``{name:N|a,b}`` or ``{name:<=N|a,b}`` reserves N tokens.
- ``{name:N~REGEX}`` or ``{name:<=N~REGEX}``: a slot whose value fullmatches the regular
  expression REGEX (Python syntax, everything after the ``~``), e.g. ``{phone:<=9~[0-9]{3}-[0-9]{4}}``.
  Its braces nest (``{3}``, ``{2,4}``); an unbalanced brace is written ``\\{`` or inside ``[...]``.
  Enforced while denoising in any commit order (`planners.patterns`); the value is the slot's
  text exactly (only the folded space below is dropped). Backreferences and lookarounds are refused.
- ``{{`` and ``}}`` are literal braces. Names start with a letter or ``_``, then letters, digits, ``_``.

A single space right before a slot belongs to the slot's tokens (``" pick"`` rather than
``" "`` + ``"pick"``), which is how BPE tokenizers spell words; decoded values are stripped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from constraints.errors import InputError
from constraints.template import Slot, Template
from planners.patterns import TokenAutomaton, check_budget, normalize_pattern, token_automaton

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SIZE = re.compile(r"(<=)?\s*(\d{1,7})\Z")
# a slot longer than the longest context of a supported model (Dream: 131072 tokens) cannot be
# filled; refusing it here keeps a typo like {x:99999999999} from allocating a huge canvas
MAX_SLOT_SIZE = 131_072


@dataclass(frozen=True)
class Canvas:
    """A compiled template.

    Attributes:
        ids: the token ids, `mask_id` at every slot position.
        slots: slot name -> its token positions in `ids` (in order).
        template: the template compiled.
        choices: choice slot name -> the token sequence of each allowed value, padded with
            `pad_id` to the slot's size, in the order of `Slot.choices`.
        mask_id / pad_id: the tokenizer's mask and empty token ids.
        tokenizer: the tokenizer used (decodes slot values).
        patterns: pattern slot name -> its pattern lifted to the tokenizer (`planners.patterns`).
    """

    ids: tuple[int, ...]
    slots: dict[str, tuple[int, ...]]
    template: Template
    choices: dict[str, tuple[tuple[int, ...], ...]]
    mask_id: int
    pad_id: int | None
    tokenizer: Any = field(repr=False, compare=False)
    patterns: dict[str, TokenAutomaton] = field(default_factory=dict, repr=False, compare=False)
    _by_name: dict[str, Slot] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {s.name: s for s in self.template.slots})

    @property
    def open_positions(self) -> tuple[int, ...]:
        """Every slot position, ascending."""
        return tuple(sorted(p for positions in self.slots.values() for p in positions))

    def slot(self, name: str) -> Slot:
        """The template slot called `name`."""
        if name not in self._by_name:
            raise KeyError(f"no slot {name!r}; slots: {', '.join(self.slots)}")
        return self._by_name[name]


def _encode(tokenizer: Any, text: str) -> list[int]:
    return [int(t) for t in tokenizer.encode(text)] if text else []


def compile_template(
    template: Template | str,
    tokenizer: Any,
    *,
    prefix: str | Sequence[int] = "",
    shift: bool = False,
    patterns: Mapping[str, str] | None = None,
) -> Canvas:
    """Turn a template into a canvas of token ids with masks at the slots.

    Args:
        template: a Template, or text in the syntax of `parse_template`.
        patterns: slot name -> a regular expression its value must fullmatch (on top of
            patterns written in the template; see `with_patterns`).
        tokenizer: anything with `encode`, `decode`, `mask_id`, `pad_id` (and optionally `bos_id`).
        prefix: a prompt placed before the template, as text or token ids.
        shift: the model predicts each token from the one before it (Dream), so position 0
            must be fixed; the tokenizer's `bos_id` is put first when nothing else is.

    Returns:
        The Canvas.

    Raises:
        InputError: a slot needs the empty token but the tokenizer has none, a choice is
            longer than its slot, or `shift` needs a first token the tokenizer cannot give.

    >>> from dream_agent.vocab_tokenizer import VocabTokenizer
    >>> tok = VocabTokenizer(["go", "to", "a", "b"])
    >>> canvas = compile_template("go to {place|a,b} {x:<=2}", tok)
    >>> canvas.ids, canvas.slots
    ((0, 1, 4, 4, 4), {'place': (2,), 'x': (3, 4)})
    """
    if isinstance(template, str):
        template = parse_template(template)
    if not isinstance(template, Template):
        raise TypeError(f"template must be a Template or template text, got {type(template).__name__}")
    template = with_patterns(template, patterns)
    mask_id, pad_id = int(tokenizer.mask_id), tokenizer.pad_id
    pad_id = None if pad_id is None else int(pad_id)
    ids = _encode(tokenizer, prefix) if isinstance(prefix, str) else [int(t) for t in prefix]
    segments = list(template.segments)
    starts_open = not segments or isinstance(segments[0], Slot) or not _encode(tokenizer, _strip_space(segments, 0))
    if shift and not ids and starts_open:
        bos_id = getattr(tokenizer, "bos_id", None)
        if bos_id is None:
            raise InputError("this model cannot fill position 0 and the template starts with a slot; "
                             "give a prefix or start the template with fixed text")
        ids.append(int(bos_id))

    slots: dict[str, tuple[int, ...]] = {}
    choices: dict[str, tuple[tuple[int, ...], ...]] = {}
    automata: dict[str, TokenAutomaton] = {}
    for index, seg in enumerate(segments):
        if isinstance(seg, str):
            ids.extend(_encode(tokenizer, _strip_space(segments, index)))
            continue
        space = _folded_space(segments, index)
        size, values = _slot_size(seg, tokenizer, space, pad_id)
        if values is not None:
            choices[seg.name] = values
        if seg.pattern is not None:
            try:
                automata[seg.name] = token_automaton(tokenizer, seg.pattern, space,
                                                     seg.max_length is not None and pad_id is not None)
            except InputError as err:
                raise InputError(f"slot {seg.name!r}: {err}") from None
            check_budget(automata[seg.name], seg.name, size, exact=seg.max_length is None)
        slots[seg.name] = tuple(range(len(ids), len(ids) + size))
        ids.extend([mask_id] * size)
    return Canvas(tuple(ids), slots, template, choices, mask_id, pad_id, tokenizer, automata)


def with_patterns(template: Template, patterns: Mapping[str, str] | None) -> Template:
    """`template` with `patterns` (slot name -> regular expression) set on its slots.

    Raises:
        InputError: an unknown slot name, a choice slot, or a pattern that is not a supported
            regular expression.
    """
    if not patterns:
        return template
    names = {slot.name: slot for slot in template.slots}
    for name, pattern in patterns.items():
        if name not in names:
            raise InputError(f"patterns: no slot {name!r}; slots: {', '.join(names)}")
        if names[name].choices is not None:
            raise InputError(f"patterns: slot {name!r} has choices; give choices or a pattern, not both")
        normalize_pattern(pattern)
    segments = [replace(seg, pattern=patterns[seg.name]) if isinstance(seg, Slot) and seg.name in patterns else seg
                for seg in template.segments]
    return Template(tuple(segments))


def _folded_space(segments: Sequence[Any], index: int) -> str:
    """" " when the slot at `index` follows fixed text ending in a space (that space is the slot's), else ""."""
    return " " if index > 0 and isinstance(segments[index - 1], str) and segments[index - 1].endswith(" ") else ""


def _strip_space(segments: list, index: int) -> str:
    """Text of segment `index` without the one trailing space that the next slot absorbs."""
    text = segments[index]
    if text.endswith(" ") and index + 1 < len(segments) and isinstance(segments[index + 1], Slot):
        return text[:-1]
    return text


def _slot_size(
    slot: Slot, tokenizer: Any, space: str, pad_id: int | None
) -> tuple[int, tuple[tuple[int, ...], ...] | None]:
    """The slot's token count and, for a choice slot, each value's padded token sequence."""
    if slot.choices is None:
        if slot.max_length is not None and pad_id is None:
            raise InputError(f"slot {slot.name!r} has a max_length but the tokenizer has no empty (pad) token")
        return slot.length or slot.max_length, None
    encoded = [_encode(tokenizer, space + v) if v.strip() else [] for v in slot.choices]
    longest = max(len(e) for e in encoded)
    size = slot.length or slot.max_length or longest
    if longest > size:
        worst = slot.choices[max(range(len(encoded)), key=lambda i: len(encoded[i]))]
        raise InputError(f"slot {slot.name!r}: value {worst!r} takes {longest} tokens, the slot holds {size}")
    if pad_id is None and any(len(e) < size for e in encoded):
        raise InputError(f"slot {slot.name!r}: its values differ in token count and the tokenizer has no "
                         "empty (pad) token to fill the shorter ones")
    return size, tuple(tuple(e) + (pad_id,) * (size - len(e)) for e in encoded)


def _as_list(tokens: Any) -> list[int]:
    if hasattr(tokens, "tolist"):
        tokens = tokens.tolist()
    return [int(t) for t in tokens]


def decode_slots(canvas: Canvas, tokens: Any) -> dict[str, str]:
    """Slot name -> text filled in `tokens` (a canvas-length sequence or 1-D tensor).

    Empty (pad) tokens are dropped and values stripped (a pattern slot's value is its text less
    the space folded into the slot, so that it fullmatches as it was filled); a choice slot holding exactly one of
    its values' token sequences decodes to that value as written in the template.
    """
    tokens = _as_list(tokens)
    if len(tokens) != len(canvas.ids):
        raise ValueError(f"tokens have length {len(tokens)}, the canvas has {len(canvas.ids)}")
    return {name: decode_slot(canvas, name, tuple(tokens[p] for p in positions))
            for name, positions in canvas.slots.items()}


def decode_slot(canvas: Canvas, name: str, held: tuple[int, ...]) -> str:
    """The text of slot `name` holding the tokens `held` (one per position), as `decode_slots` reads it."""
    choices = canvas.choices.get(name)
    if choices is not None and held in choices:
        return canvas.slot(name).choices[choices.index(held)]
    kept = [t for t in held if t != canvas.pad_id]
    text = canvas.tokenizer.decode(kept) if kept else ""
    automaton = canvas.patterns.get(name)
    return automaton.value_of(text) if automaton is not None else text.strip()


def fill_tokens(canvas: Canvas, values: Mapping[str, str]) -> tuple[int, ...]:
    """The canvas's ids with every slot holding its value in `values`: a choice slot as its value was
    compiled, other text encoded (with the space folded into the slot) and padded with the empty token.

    Raises:
        ValueError: a slot is missing, or its value does not fit.

    >>> from dream_agent.vocab_tokenizer import VocabTokenizer
    >>> canvas = compile_template("go to {place|a,b} {x:<=2}", VocabTokenizer(["go", "to", "a", "b"]))
    >>> fill_tokens(canvas, {"place": "b", "x": "a"})
    (0, 1, 3, 2, 5)
    """
    ids = list(canvas.ids)
    segments = canvas.template.segments
    for index, seg in enumerate(segments):
        if isinstance(seg, str):
            continue
        positions, value = canvas.slots[seg.name], values[seg.name]
        if seg.name in canvas.choices and value in (seg.choices or ()):
            words = list(canvas.choices[seg.name][seg.choices.index(value)])
        else:
            space = _folded_space(segments, index)
            words = _encode(canvas.tokenizer, space + value) if value else []
            if len(words) < len(positions) and canvas.pad_id is None:
                raise ValueError(f"slot {seg.name!r} needs padding but the tokenizer has no empty token")
            words += [canvas.pad_id] * (len(positions) - len(words))
        if len(words) != len(positions):
            raise ValueError(f"slot {seg.name!r}: value {value!r} has {len(words)} tokens, room for {len(positions)}")
        for pos, word in zip(positions, words):
            ids[pos] = word
    return tuple(ids)


def parse_template(text: str) -> Template:
    """Parse the template text syntax described in this module's docstring.

    Raises:
        InputError: naming the column and the problem for malformed syntax.

    >>> t = parse_template("move {block|a,b} onto {{{dest:2}}}")
    >>> [s if isinstance(s, str) else s.name for s in t.segments]
    ['move ', 'block', ' onto {', 'dest', '}']
    """
    if not isinstance(text, str):
        raise InputError(f"a template text must be a string, got {type(text).__name__}")
    segments: list[str | Slot] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if text.startswith("{{", i) or text.startswith("}}", i):
            literal.append(ch)
            i += 2
        elif ch == "}":
            raise InputError(f"template column {i + 1}: '}}' without an opening '{{' (write '}}}}' for a brace)")
        elif ch == "{":
            end = _slot_end(text, i)
            if end < 0:
                raise InputError(f"template column {i + 1}: '{{' is not closed (write '{{{{' for a brace)")
            if literal:
                segments.append("".join(literal))
                literal = []
            segments.append(_parse_slot(text[i + 1:end], i + 1))
            i = end + 1
        else:
            literal.append(ch)
            i += 1
    if literal:
        segments.append("".join(literal))
    try:
        return Template(tuple(segments))
    except ValueError as err:
        raise InputError(f"template: {err}") from None


def _slot_end(text: str, start: int) -> int:
    """Index of the '}' closing the slot opened at `start`, or -1 (unclosed, or a '{' inside)."""
    j = start + 1
    while j < len(text) and text[j] not in "{}|~":
        j += 1
    if j < len(text) and text[j] == "~":
        return _pattern_end(text, j + 1)
    end, nested = text.find("}", j), text.find("{", j)
    return -1 if end < 0 or 0 <= nested < end else end


def _pattern_end(text: str, k: int) -> int:
    """Index of the '}' ending a pattern that starts at `k`: quantifier braces nest, while escaped
    characters and characters inside [...] are skipped."""
    depth, in_class = 0, False
    while k < len(text):
        ch = text[k]
        if ch == "\\":
            k += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class, k = True, k + 1
            k += text.startswith("^", k)
            k += text.startswith("]", k)  # a ']' right after '[' or '[^' is literal
            continue
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return k
            depth -= 1
        k += 1
    return -1


def _parse_slot(body: str, column: int) -> Slot:
    """One `{...}` body: `name`, then `:N` or `:<=N`, then `|v1,v2,...` or `~REGEX`."""
    shown = body if len(body) <= 60 else body[:57] + "..."  # an error line stays one readable line
    where = f"template column {column} ({{{shown}}})"
    cut = min((i for i in (body.find("|"), body.find("~")) if i >= 0), default=-1)
    if cut >= 0 and body[cut] == "~":
        slot = _parse_slot(body[:cut], column)
        if slot.choices is not None or (slot.length is None and slot.max_length is None):
            raise InputError(f"{where}: a pattern slot needs a size before '~' (:N or :<=N)")
        try:
            normalize_pattern(body[cut + 1:])
        except InputError as err:
            raise InputError(f"{where}: {err}") from None
        return replace(slot, pattern=body[cut + 1:])
    head, bar, choices_text = body.partition("|")
    name, colon, size_text = head.partition(":")
    name = name.strip()
    if not _NAME.match(name):
        raise InputError(f"{where}: slot name {name!r} must start with a letter or '_' "
                         "and hold only letters, digits, '_'")
    length = max_length = None
    if colon:
        size = _SIZE.match(size_text.strip())
        if not size or not 1 <= int(size.group(2)) <= MAX_SLOT_SIZE:
            raise InputError(f"{where}: size {size_text.strip()!r} must be N or <=N with N >= 1 (at most {MAX_SLOT_SIZE})")
        if size.group(1):
            max_length = int(size.group(2))
        else:
            length = int(size.group(2))
    choices = None
    if bar:
        choices = tuple(v.strip() for v in choices_text.split(","))
        if any(not v for v in choices):
            raise InputError(f"{where}: a choice is empty (values are separated by single commas)")
    if not colon and not bar:
        raise InputError(f"{where}: slot {name!r} needs a size (:N or :<=N) or choices (|a,b,c)")
    return Slot(name, length=length, max_length=max_length, choices=choices)
