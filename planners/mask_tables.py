"""The static restrictions of `planners.value_masks` as padded tensors, and the write that applies them.

Built once per batch of canvases and moved to the logits' device once; `keep_only` runs every
denoising step.
"""

from __future__ import annotations

import torch


def keep_only(logits: torch.Tensor, rows: torch.Tensor, positions: torch.Tensor, ids: torch.Tensor,
               neg: torch.Tensor) -> None:
    """At each (rows[n], positions[n]) keep only the logits of ids[n] (N, K); the rest become -inf.

    One write of -inf per restricted position, and no (N, V) temporaries: this runs every step.
    """
    r, p = rows[:, None], positions[:, None]
    kept = logits[r, p, ids]  # (N, K)
    logits[rows, positions] = neg
    logits[r, p, ids] = kept


def restriction_tables(sparse: list, dense: list, rows: list[torch.Tensor], banned: list, choice_slots: list, tails: list,
            vocab_size: int) -> dict[str, torch.Tensor]:
    """The static restrictions as padded tensors (built once, moved to the logits' device once)."""
    t: dict[str, torch.Tensor] = {}
    k = max((len(ids) for _, _, ids in sparse), default=1)
    t["allow_rc"] = torch.tensor([[r, p] for r, p, _ in sparse], dtype=torch.long).view(-1, 2)
    # pad each allow list with its own first id: duplicates gather/scatter the same logit
    t["allow_ids"] = torch.tensor([ids + ids[:1] * (k - len(ids)) for _, _, ids in sparse], dtype=torch.long).view(-1, k)
    dense = sorted(dense, key=lambda entry: entry[2])  # positions sharing an allow row are contiguous
    t["dense_rc"] = torch.tensor([[r, p] for r, p, _ in dense], dtype=torch.long).view(-1, 2)
    t["dense_idx"] = torch.tensor([i for _, _, i in dense], dtype=torch.long)
    t["dense_block"] = ~torch.stack(rows) if rows else torch.zeros(0, vocab_size, dtype=torch.bool)  # (U, V)
    t["ban"] = torch.tensor(banned, dtype=torch.long).view(-1, 3)
    n = max((len(pos) for _, pos, _ in choice_slots), default=1)
    kv = max((len(vals) for _, _, vals in choice_slots), default=1)
    d = len(choice_slots)
    t["choice_row"] = torch.tensor([r for r, _, _ in choice_slots], dtype=torch.long)
    # (D, n) positions and which are real; (D, K, n) choice tokens (-1: none); (D, K) real choices
    t["choice_pos"] = torch.tensor([list(pos) + [0] * (n - len(pos)) for _, pos, _ in choice_slots],
                                   dtype=torch.long).view(d, n)
    t["choice_valid"] = torch.tensor([[True] * len(pos) + [False] * (n - len(pos)) for _, pos, _ in choice_slots],
                                     dtype=torch.bool).view(d, n)
    t["choice_vals"] = torch.tensor([[list(v) + [-1] * (n - len(v)) for v in vals] + [[-1] * n] * (kv - len(vals))
                                     for _, _, vals in choice_slots], dtype=torch.long).view(d, kv, n)
    t["choice_has"] = torch.tensor([[True] * len(vals) + [False] * (kv - len(vals)) for _, _, vals in choice_slots],
                                   dtype=torch.bool).view(d, kv)
    m = max((len(pos) for _, pos in tails), default=1)
    t["tail_row"] = torch.tensor([r for r, _ in tails], dtype=torch.long)
    t["tail_pos"] = torch.tensor([list(pos) + [0] * (m - len(pos)) for _, pos in tails], dtype=torch.long).view(-1, m)
    t["tail_valid"] = torch.tensor([[True] * len(pos) + [False] * (m - len(pos)) for _, pos in tails],
                                   dtype=torch.bool).view(-1, m)
    return t
