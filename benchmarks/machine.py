"""One line describing the machine a benchmark ran on, for the numbers quoted in the README."""

from __future__ import annotations

import os
import platform

import numpy as np


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo (Linux), else the platform's processor string."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_machine() -> str:
    """E.g. 'AMD EPYC (x86_64), 2 CPUs, Linux, Python 3.11.7, numpy 2.4.6'."""
    return (
        f"{cpu_model()} ({platform.machine()}), {os.cpu_count()} CPUs, {platform.system()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )
