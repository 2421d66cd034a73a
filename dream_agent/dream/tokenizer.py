"""Dream's tokenizer from its files (vocab.json, merges.txt, tokenizer_config.json), no remote code.

Dream ships a copy of Qwen2's byte-level BPE tokenizer under the name `DreamTokenizer`; the
files are read by transformers' own Qwen2 tokenizer class, so nothing from the checkpoint runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from constraints.errors import InputError
from dream_agent.dream.config import read_json

TOKENIZER_FILES = ("vocab.json", "merges.txt", "tokenizer_config.json")
_SPECIAL_KEYS = ("bos_token", "eos_token", "pad_token", "unk_token", "mask_token")


def load_dream_tokenizer(path: str | Path) -> Any:
    """Build a transformers Qwen2 tokenizer from a Dream checkpoint's tokenizer files.

    The added tokens (`<|endoftext|>`, `<|im_start|>`, ..., `<|beginoftext|>`, `<|mask|>`) get
    exactly the ids written in `added_tokens_decoder`; the chat template is kept.

    Raises:
        InputError: a tokenizer file is missing or unreadable, or an added token's id does not
            follow the base vocabulary as written.
    """
    from tokenizers import AddedToken
    from transformers import Qwen2Tokenizer

    root = Path(path)
    for name in TOKENIZER_FILES:
        if not (root / name).is_file():
            raise InputError(f"{root / name}: file not found (a Dream checkpoint needs {', '.join(TOKENIZER_FILES)})")
    config = read_json(root / "tokenizer_config.json")
    vocab = read_json(root / "vocab.json")
    merges = _read_merges(root / "merges.txt")
    specials = {key: _content(config.get(key)) for key in _SPECIAL_KEYS}
    kwargs: dict[str, Any] = {key: value for key, value in specials.items() if value is not None}
    kwargs.setdefault("unk_token", None)
    template = config.get("chat_template")
    if template is None and (root / "chat_template.jinja").is_file():
        template = (root / "chat_template.jinja").read_text(encoding="utf-8")
    if isinstance(template, str):
        kwargs["chat_template"] = template
    extra = config.get("additional_special_tokens") or config.get("extra_special_tokens")
    added = _added_entries(config.get("added_tokens_decoder") or {}, root / "tokenizer_config.json")
    # The added tokens join the base vocabulary with their declared ids before the tokenizer
    # is built: the Qwen2 class registers its special tokens on construction, and a token
    # already in the vocabulary keeps its id instead of taking the next free one.
    vocab = dict(vocab)
    taken = {token_id: token for token, token_id in vocab.items()}
    for token_id, content, _ in added:
        if taken.get(token_id, content) != content or vocab.get(content, token_id) != token_id:
            raise InputError(
                f"{root / 'tokenizer_config.json'}: added token {content!r} with id {token_id} clashes "
                "with vocab.json"
            )
        vocab[content] = token_id
        taken[token_id] = content
    tokenizer = Qwen2Tokenizer(
        vocab=vocab,
        merges=merges,
        clean_up_tokenization_spaces=bool(config.get("clean_up_tokenization_spaces", False)),
        model_max_length=int(config.get("model_max_length", 131072)),
        **kwargs,
    )
    _add_tokens(tokenizer, added, root / "tokenizer_config.json", AddedToken)
    if isinstance(extra, list) and extra:
        names = [name for name in (_content(token) for token in extra) if name]
        tokenizer.add_special_tokens({"additional_special_tokens": names})
    return tokenizer


def _added_entries(decoder: Any, source: Path) -> list[tuple[int, str, dict[str, Any]]]:
    if not isinstance(decoder, dict):
        raise InputError(f"{source}: added_tokens_decoder must be an object of id -> token")
    entries = []
    for key, entry in decoder.items():
        try:
            token_id = int(key)
        except ValueError:
            raise InputError(f"{source}: added_tokens_decoder key {key!r} is not an integer id") from None
        content = _content(entry)
        if content is None:
            raise InputError(f"{source}: added token {token_id} has no 'content'")
        entries.append((token_id, content, entry if isinstance(entry, dict) else {}))
    return sorted(entries)


def _add_tokens(
    tokenizer: Any, added: list[tuple[int, str, dict[str, Any]]], source: Path, added_token: type
) -> None:
    for token_id, content, spec in added:
        tokenizer.add_tokens(
            [
                added_token(
                    content,
                    special=bool(spec.get("special", True)),
                    lstrip=bool(spec.get("lstrip", False)),
                    rstrip=bool(spec.get("rstrip", False)),
                    normalized=bool(spec.get("normalized", False)),
                    single_word=bool(spec.get("single_word", False)),
                )
            ]
        )
        actual = tokenizer.convert_tokens_to_ids(content)
        if actual != token_id:
            raise InputError(
                f"{source}: added token {content!r} is declared with id {token_id} but gets id {actual}"
            )


def _read_merges(file: Path) -> list[tuple[str, str]]:
    merges: list[tuple[str, str]] = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line or line.startswith("#version"):
            continue
        parts = line.split(" ")
        if len(parts) != 2:
            raise InputError(f"{file}: line {number} is not a merge of two symbols: {line!r}")
        merges.append((parts[0], parts[1]))
    return merges


def _content(token: Any) -> str | None:
    if isinstance(token, dict):
        token = token.get("content")
    return token if isinstance(token, str) else None
