"""Where a local model runs: the --device names, checked without torch, and what torch makes of them.

auto: CUDA where torch sees a GPU, else Apple's MPS where available, else the CPU; or one of them by
name ("cuda:N" picks the N-th GPU). A name outside these is an error before anything is imported; a
device torch cannot use here is an error before any model is loaded.
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import TYPE_CHECKING

from adaptcost.errors import AdaptcostError
from adaptcost.suggest import did_you_mean

if TYPE_CHECKING:
    import torch

__all__ = ["DEVICES", "check_device_name", "describe_device", "resolve_device"]

DEVICES = ("auto", "cpu", "cuda", "mps")


def check_device_name(name: str) -> str:
    """`name` when it is a device --device takes (auto, cpu, cuda, cuda:N, mps), else one clear error."""
    kind, sep, index = str(name).partition(":")
    if kind in DEVICES and (not sep or (kind == "cuda" and index.isdigit())):
        return str(name)
    raise AdaptcostError(f"device must be one of {', '.join(DEVICES)} (or cuda:N), got {name!r}"
                         f"{did_you_mean(str(name), DEVICES)}", field="device")


def _mps_available() -> bool:
    import torch

    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(name: str = "auto") -> "torch.device":
    """The torch device that ``name`` (auto, cpu, cuda, cuda:N, mps) means here, or one clear error
    when torch cannot use it. auto: CUDA where torch sees a GPU, else MPS where available, else the CPU."""
    name = check_device_name(name)
    try:
        import torch
    except ImportError:
        raise AdaptcostError(f"device {name!r}: choosing a device needs torch: pip install 'adaptcost[eval]'",
                             field="device") from None

    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if _mps_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            why = "was built without CUDA" if torch.version.cuda is None else "sees no CUDA GPU"
            raise AdaptcostError(f"device {name!r}: torch {torch.__version__} {why} on this machine (use cpu or auto)", field="device")
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise AdaptcostError(f"device {name!r}: torch sees {count} CUDA GPU{'s' if count != 1 else ''} "
                                 f"(cuda:0{f' to cuda:{count - 1}' if count > 1 else ''})", field="device")
    if device.type == "mps" and not _mps_available():
        raise AdaptcostError(f"device {name!r}: torch {torch.__version__} has no MPS (Apple GPU) on this machine (use cpu or auto)",
                             field="device")
    return device


def _cpu_name() -> str:
    """The processor's model name (Linux: /proc/cpuinfo), else what the platform says."""
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.lower().startswith("model name") and ":" in line:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def describe_device(device: "torch.device") -> dict:
    """What a curves file records about where it was measured: the device, its model, torch's version
    (plain str and int: torch's version is a str subclass that a YAML file cannot hold)."""
    import torch

    info = {"type": str(device.type), "torch": str(torch.__version__)}
    if device.type == "cuda":
        info["name"] = str(torch.cuda.get_device_name(device))
    elif device.type == "cpu":
        info["name"] = _cpu_name()
        info["threads"] = int(torch.get_num_threads())
    else:
        info["name"] = device.type
    return info
