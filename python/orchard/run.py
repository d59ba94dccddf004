"""Logging from inside a script-mode training job.

    from orchard import run
    run.log_parameter("optimizer", "adam")
    run.log_metric("validation:loss", 0.31, step=3)

The job's stdout is its log; these functions print the lines Orchard reads as run
data (``#metric name=value step=n`` and ``#param name=value``), so the script runs
unchanged anywhere else. Orchard puts this package on ``PYTHONPATH`` for its jobs.
"""
import math
import re
import sys

_NAME = re.compile(r"^[A-Za-z0-9_.:/-]{1,128}$")


def _check(kind, name):
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{kind} names are 1-128 letters, digits and _ . : / - (got {name!r})")


def _write(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def log_metric(name, value, step=None):
    """Record a metric value; ``step`` (an epoch, a boosting round) makes it a series."""
    _check("Metric", name)
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"Metric {name!r} needs a finite number")
    if step is not None and (int(step) != step or step < 0):
        raise ValueError(f"Metric {name!r}: step is a non-negative integer")
    _write(f"#metric {name}={value!r}" + ("" if step is None else f" step={int(step)}"))


def log_parameter(name, value):
    """Record a parameter of the run (its last value wins)."""
    _check("Parameter", name)
    text = " ".join(str(value).splitlines())
    if len(text) > 1024:
        raise ValueError(f"Parameter {name!r} is longer than 1024 characters")
    _write(f"#param {name}={text}")


def log_parameters(params):
    """``log_parameter`` for each item of a mapping."""
    for name, value in params.items():
        log_parameter(name, value)
