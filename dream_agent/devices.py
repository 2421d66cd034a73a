"""Resolving user-given dtype and device names to torch objects, with clear errors."""

from __future__ import annotations

import torch

from constraints.errors import InputError

DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
}
DEVICE_KINDS = ("cpu", "cuda", "mps")


def resolve_dtype(dtype: str | torch.dtype) -> torch.dtype:
    """`"bfloat16"` -> torch.bfloat16; a torch dtype passes through if it is one of DTYPES."""
    if isinstance(dtype, torch.dtype) and dtype in DTYPES.values():
        return dtype
    if isinstance(dtype, str) and dtype in DTYPES:
        return DTYPES[dtype]
    raise InputError(f"dtype {dtype!r} is not supported; choose one of {', '.join(DTYPES)}")


def resolve_device(device: str | torch.device) -> torch.device:
    """Check that the device exists here: "cpu", "cuda", "cuda:N" or "mps".

    Raises:
        InputError: an unknown device name, or an accelerator this machine does not have.
    """
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise InputError(f"device {device!r} is not valid; use one of {', '.join(DEVICE_KINDS)} (or cuda:N)") from None
    if resolved.type not in DEVICE_KINDS:
        raise InputError(f"device {device!r} is not supported; use one of {', '.join(DEVICE_KINDS)}")
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise InputError(f"device {device!r} requested but CUDA is not available on this machine; use 'cpu'")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise InputError(
                f"device {device!r} requested but only {torch.cuda.device_count()} CUDA device(s) exist"
            )
    if resolved.type == "mps" and not (
        getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    ):
        raise InputError(f"device {device!r} requested but Apple MPS is not available on this machine; use 'cpu'")
    return resolved
