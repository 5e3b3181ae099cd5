"""A small table of common Azure VM sizes used for batch clusters: vCPUs, GPUs and memory (GiB).

Only what the concurrency check needs.  Sizes not listed here are simply not checked.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VmSize:
    name: str
    vcpus: int
    gpus: int
    memory_gib: float


_SIZES: tuple[tuple[str, int, int, float], ...] = (
    # general purpose
    ("Standard_DS1_v2", 1, 0, 3.5),
    ("Standard_DS2_v2", 2, 0, 7),
    ("Standard_DS3_v2", 4, 0, 14),
    ("Standard_DS4_v2", 8, 0, 28),
    ("Standard_DS5_v2", 16, 0, 56),
    ("Standard_D1_v2", 1, 0, 3.5),
    ("Standard_D2_v2", 2, 0, 7),
    ("Standard_D3_v2", 4, 0, 14),
    ("Standard_D4_v2", 8, 0, 28),
    ("Standard_D5_v2", 16, 0, 56),
    ("Standard_D11_v2", 2, 0, 14),
    ("Standard_D12_v2", 4, 0, 28),
    ("Standard_D13_v2", 8, 0, 56),
    ("Standard_D14_v2", 16, 0, 112),
    ("Standard_DS11_v2", 2, 0, 14),
    ("Standard_DS12_v2", 4, 0, 28),
    ("Standard_DS13_v2", 8, 0, 56),
    ("Standard_DS14_v2", 16, 0, 112),
    ("Standard_D2_v3", 2, 0, 8),
    ("Standard_D4_v3", 4, 0, 16),
    ("Standard_D8_v3", 8, 0, 32),
    ("Standard_D16_v3", 16, 0, 64),
    ("Standard_D32_v3", 32, 0, 128),
    ("Standard_D2s_v3", 2, 0, 8),
    ("Standard_D4s_v3", 4, 0, 16),
    ("Standard_D8s_v3", 8, 0, 32),
    ("Standard_D16s_v3", 16, 0, 64),
    ("Standard_D32s_v3", 32, 0, 128),
    ("Standard_D2s_v5", 2, 0, 8),
    ("Standard_D4s_v5", 4, 0, 16),
    ("Standard_D8s_v5", 8, 0, 32),
    ("Standard_D16s_v5", 16, 0, 64),
    ("Standard_D2ds_v4", 2, 0, 8),
    ("Standard_D4ds_v4", 4, 0, 16),
    ("Standard_D8ds_v4", 8, 0, 32),
    # memory optimised
    ("Standard_E4s_v3", 4, 0, 32),
    ("Standard_E8s_v3", 8, 0, 64),
    ("Standard_E16s_v3", 16, 0, 128),
    ("Standard_E32s_v3", 32, 0, 256),
    # compute optimised
    ("Standard_F2s_v2", 2, 0, 4),
    ("Standard_F4s_v2", 4, 0, 8),
    ("Standard_F8s_v2", 8, 0, 16),
    ("Standard_F16s_v2", 16, 0, 32),
    # GPU
    ("Standard_NC6", 6, 1, 56),
    ("Standard_NC12", 12, 2, 112),
    ("Standard_NC24", 24, 4, 224),
    ("Standard_NC6s_v2", 6, 1, 112),
    ("Standard_NC12s_v2", 12, 2, 224),
    ("Standard_NC24s_v2", 24, 4, 448),
    ("Standard_NC6s_v3", 6, 1, 112),
    ("Standard_NC12s_v3", 12, 2, 224),
    ("Standard_NC24s_v3", 24, 4, 448),
    ("Standard_NC4as_T4_v3", 4, 1, 28),
    ("Standard_NC8as_T4_v3", 8, 1, 56),
    ("Standard_NC16as_T4_v3", 16, 1, 110),
    ("Standard_NC64as_T4_v3", 64, 4, 440),
    ("Standard_NC24ads_A100_v4", 24, 1, 220),
    ("Standard_NC48ads_A100_v4", 48, 2, 440),
    ("Standard_NC96ads_A100_v4", 96, 4, 880),
    ("Standard_ND40rs_v2", 40, 8, 672),
    ("Standard_ND96asr_v4", 96, 8, 900),
    ("Standard_NV6", 6, 1, 56),
    ("Standard_NV12s_v3", 12, 1, 112),
)

SIZES: dict[str, VmSize] = {name.lower(): VmSize(name, cpus, gpus, mem) for name, cpus, gpus, mem in _SIZES}


def lookup(name: str | None) -> VmSize | None:
    if not name:
        return None
    key = name.strip().lower()
    if not key.startswith("standard_"):
        key = "standard_" + key
    return SIZES.get(key)
