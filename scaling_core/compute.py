"""Counting parameters and FLOP of a decoder-only transformer, and turning FLOP into time and money.

References
----------
Kaplan et al. 2020 (arXiv:2001.08361), section 2.1 and Table 1: N ≈ 2·d_model·n_layer·(2·d_attn + d_ff),
forward FLOP per token ≈ 2N + 2·n_layer·n_ctx·d_attn.
Porian et al. 2024 (arXiv:2406.19146), section 3.1: counting the output head (vocab·d_model
parameters, 2·vocab·d_model forward FLOP per token) is the first of their corrections.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scaling_core.laws import FloatArray

SECONDS_PER_HOUR: float = 3600.0


@dataclass(frozen=True)
class TransformerShape:
    """Shape of a decoder-only transformer; d_ff defaults to 4·d_model and d_attn to d_model."""

    n_layer: int
    d_model: int
    vocab_size: int = 50_257
    n_ctx: int = 2048
    d_ff: int | None = None
    d_attn: int | None = None
    tied_embeddings: bool = False

    def __post_init__(self) -> None:
        for name in ("n_layer", "d_model", "vocab_size", "n_ctx"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")

    @property
    def ff_width(self) -> int:
        """Feed-forward width, 4·d_model unless given."""
        return self.d_ff if self.d_ff is not None else 4 * self.d_model

    @property
    def attn_width(self) -> int:
        """Attention width d_attn, d_model unless given."""
        return self.d_attn if self.d_attn is not None else self.d_model

    def non_embedding_params(self) -> float:
        """N = 2·d_model·n_layer·(2·d_attn + d_ff) (Kaplan et al. 2020, eq. 2.1 and Table 1).

        Equals 12·n_layer·d_model² when d_attn = d_model and d_ff = 4·d_model; biases and
        layer norms are neglected, as in the paper.
        """
        return 2.0 * self.d_model * self.n_layer * (2.0 * self.attn_width + self.ff_width)

    def embedding_params(self) -> float:
        """Token and learned position embeddings: (vocab + n_ctx)·d_model (Kaplan et al. 2020, Table 1)."""
        return float((self.vocab_size + self.n_ctx) * self.d_model)

    def head_params(self) -> float:
        """Output head (unembedding) matrix: vocab·d_model."""
        return float(self.vocab_size * self.d_model)

    def params(self, *, embeddings: bool = False, head: bool = False) -> float:
        """Parameter count with or without the embeddings and the output head.

        ``head=True, embeddings=False`` is Porian et al. 2024's count
        (12·width²·depth + vocab·width, section 3.1).
        """
        total = self.non_embedding_params()
        if embeddings:
            total += self.embedding_params()
        if head and not (embeddings and self.tied_embeddings):
            total += self.head_params()
        return total

    def forward_flops_per_token(self, *, attention: bool = True, head: bool = False) -> float:
        """Forward FLOP per token: 2N + 2·n_layer·n_ctx·d_attn (Kaplan et al. 2020, eq. 2.2).

        ``head=True`` adds the output head's 2·vocab·d_model (Porian et al. 2024, section 3.1).
        """
        flops = 2.0 * self.non_embedding_params()
        if attention:
            flops += 2.0 * self.n_layer * self.n_ctx * self.attn_width
        if head:
            flops += 2.0 * self.vocab_size * self.d_model
        return flops

    def training_flops_per_token(self, *, attention: bool = True, head: bool = False) -> float:
        """Three times the forward FLOP (backward ≈ 2× forward; Kaplan et al. 2020, section 2.1)."""
        return 3.0 * self.forward_flops_per_token(attention=attention, head=head)


@dataclass(frozen=True)
class Accelerator:
    """An accelerator's dense BF16 peak throughput (no sparsity) in FLOP/s, from its vendor's datasheet."""

    name: str
    peak_flops: float
    memory_gb: float
    source: str


#: Dense BF16 (FP16 for V100) tensor peaks, without structured sparsity, from vendor datasheets.
ACCELERATORS: dict[str, Accelerator] = {
    acc.name: acc
    for acc in (
        Accelerator("NVIDIA V100 SXM", 125e12, 32, "NVIDIA V100 datasheet (FP16 tensor)"),
        Accelerator("NVIDIA A100 SXM", 312e12, 80, "NVIDIA A100 datasheet"),
        Accelerator("NVIDIA A10G", 70e12, 24, "NVIDIA A10G / AWS G5 (dense BF16 ≈ 70 TFLOP/s)"),
        Accelerator("NVIDIA L4", 121e12, 24, "NVIDIA L4 datasheet (242 with sparsity)"),
        Accelerator("NVIDIA H100 PCIe", 756e12, 80, "NVIDIA H100 datasheet (1,513 with sparsity)"),
        Accelerator("NVIDIA H100 SXM", 989e12, 80, "NVIDIA H100 datasheet (1,979 with sparsity)"),
        Accelerator("NVIDIA H200 SXM", 989e12, 141, "NVIDIA H200 datasheet"),
        Accelerator("NVIDIA B200", 2250e12, 180, "NVIDIA DGX B200 datasheet (per GPU, dense)"),
        Accelerator("AMD MI300X", 1307e12, 192, "AMD Instinct MI300X datasheet"),
        Accelerator("Google TPU v4", 275e12, 32, "Google Cloud TPU v4 documentation"),
        Accelerator("Google TPU v5e", 197e12, 16, "Google Cloud TPU v5e documentation"),
        Accelerator("Google TPU v5p", 459e12, 95, "Google Cloud TPU v5p documentation"),
    )
}


def effective_throughput(peak_flops: float, mfu: float, n_devices: float = 1.0) -> float:
    """Sustained FLOP/s of ``n_devices`` at model-FLOP utilisation ``mfu`` (0 < mfu ≤ 1)."""
    if not 0 < mfu <= 1:
        raise ValueError(f"MFU must be in (0, 1], got {mfu!r}")
    if peak_flops <= 0 or n_devices <= 0:
        raise ValueError("peak throughput and device count must be positive")
    return peak_flops * mfu * n_devices


def training_seconds(
    compute_flops: ArrayLike, peak_flops: float, mfu: float, n_devices: float = 1.0
) -> FloatArray:
    """Wall-clock seconds to spend ``compute_flops``: C / (devices · peak · MFU)."""
    return np.asarray(compute_flops, dtype=float) / effective_throughput(peak_flops, mfu, n_devices)


def device_hours(compute_flops: ArrayLike, peak_flops: float, mfu: float) -> FloatArray:
    """Accelerator-hours to spend ``compute_flops`` at the given peak and MFU."""
    return training_seconds(compute_flops, peak_flops, mfu) / SECONDS_PER_HOUR


def training_cost(
    compute_flops: ArrayLike, peak_flops: float, mfu: float, price_per_device_hour: float
) -> FloatArray:
    """Cost of ``compute_flops``: device-hours × price per device-hour (currency of the price)."""
    if price_per_device_hour < 0:
        raise ValueError("price per device-hour must be non-negative")
    return device_hours(compute_flops, peak_flops, mfu) * price_per_device_hour


def compute_from_budget(peak_flops: float, mfu: float, n_devices: float, days: float) -> float:
    """Training FLOP that ``n_devices`` deliver in ``days`` at the given MFU: devices·peak·MFU·seconds."""
    if days <= 0:
        raise ValueError("days must be positive")
    return effective_throughput(peak_flops, mfu, n_devices) * days * 86_400.0
