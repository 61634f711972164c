"""The measuring machinery: interleaved library-versus-baseline timing, reported as ratios.

Absolute times on a shared machine drift with whatever else runs on it; a ratio of two things
measured side by side, alternating, in the same process and the same minute, drifts far less.
Every case here therefore pairs a library callable with a raw baseline doing the same work and
reports ``library / baseline``.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

__all__ = [
    "Case",
    "Measurement",
    "ProcessCase",
    "calibrate",
    "measure_case",
    "measure_process_cases",
]

#: The shortest time one repeat of a callable may take; shorter repeats are dominated by
#: timer resolution and scheduling jitter.
MIN_REPEAT_SECONDS = 0.05
#: The number of repeats when the caller does not choose one.
DEFAULT_REPEATS = 7
#: The number of runs of each interpreter command when the caller does not choose one.
DEFAULT_PROCESS_RUNS = 15


@dataclass(frozen=True, slots=True, kw_only=True)
class Measurement:
    """The outcome of one case: median time per call of each side, and the target ratio.

    Attributes:
        name: The case's name, as printed.
        baseline_us: The baseline's median time per call, in microseconds.
        library_us: The library's median time per call, in microseconds.
        target: The highest acceptable ``library / baseline`` ratio, or ``None`` for a case
            reported for information only.
        baseline: What the baseline is, in a few words.
    """

    name: str
    baseline_us: float
    library_us: float
    target: float | None
    baseline: str

    @property
    def ratio(self) -> float:
        """``library / baseline``: below 1 the library is faster, above 1 slower."""
        return self.library_us / self.baseline_us

    @property
    def verdict(self) -> str:
        """``PASS`` within the target, ``MISS`` above it, ``info`` without a target."""
        if self.target is None:
            return "info"
        return "PASS" if self.ratio <= self.target else "MISS"


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """A library callable and the raw baseline callable that does the same work.

    Both take no arguments; build them with ``functools.partial`` or a shared closure so that
    the calling overhead is identical on both sides.

    Attributes:
        name: The case's name, as printed and matched by ``--only``.
        library: The callable that goes through the library.
        baseline: The callable that does the same work with the raw tools.
        target: The highest acceptable ``library / baseline`` ratio, or ``None``.
        baseline_label: What the baseline is, in a few words.
        prepare: Called, untimed, with the number of calls about to be timed, before every
            timed batch of either side: it builds the inputs those calls consume (fresh
            aggregates to insert, say), so that building them is timed on neither side.
        min_seconds: The shortest time one repeat of either side may take.
        collect_garbage: Time with the garbage collector on (``timeit`` turns it off), for
            cases whose allocations are part of what they cost: both sides pay for theirs.
    """

    name: str
    library: Callable[[], object]
    baseline: Callable[[], object]
    target: float | None
    baseline_label: str
    prepare: Callable[[int], object] | None = None
    min_seconds: float = MIN_REPEAT_SECONDS
    collect_garbage: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessCase:
    """Two snippets of Python, each timed as a fresh ``python -c`` interpreter.

    The median wall time of ``python -c pass`` is subtracted from both medians, so that the
    ratio compares the snippets' own work and not the interpreter's start-up.

    Attributes:
        name: The case's name, as printed and matched by ``--only``.
        library: The snippet that imports the library.
        baseline: The snippet that imports the raw tools.
        target: The highest acceptable ``library / baseline`` ratio, or ``None``.
        baseline_label: What the baseline is, in a few words.
    """

    name: str
    library: str
    baseline: str
    target: float | None
    baseline_label: str


def calibrate(
    function: Callable[[], object],
    min_seconds: float = MIN_REPEAT_SECONDS,
    prepare: Callable[[int], object] | None = None,
    setup: str = "pass",
) -> int:
    """Return how many calls of ``function`` take at least ``min_seconds``.

    The first calls also warm ``function`` up (lazily built schemas, caches, connection
    pools), so that no repeat measured afterwards pays for them. ``prepare``, when given, runs
    untimed before every batch with the batch's number of calls.
    """
    timer = timeit.Timer(function, setup)
    number = 1
    while True:
        elapsed = _time_batch(timer, number, prepare) * number
        if elapsed >= min_seconds:
            return number
        # Aim 20 % past the threshold, but grow at most tenfold on a single step so that a
        # timer glitch on a tiny count cannot make a repeat last far too long.
        estimate = math.ceil(number * min_seconds * 1.2 / max(elapsed, 1e-9))
        number = max(number + 1, min(estimate, number * 10))


def _time_batch(timer: timeit.Timer, number: int, prepare: Callable[[int], object] | None) -> float:
    """Return the time per call of one batch of ``number`` calls, prepared untimed first."""
    if prepare is not None:
        prepare(number)
    return timer.timeit(number) / number


def measure_case(case: Case, repeats: int = DEFAULT_REPEATS) -> Measurement:
    """Time ``case`` as baseline, library, baseline, library, ... for ``repeats`` rounds.

    Each side runs its own calibrated number of calls per repeat (at least
    ``case.min_seconds``); the result is each side's median time per call.
    """
    setup = "import gc; gc.enable()" if case.collect_garbage else "pass"
    baseline_number = calibrate(case.baseline, case.min_seconds, case.prepare, setup)
    library_number = calibrate(case.library, case.min_seconds, case.prepare, setup)
    baseline_timer = timeit.Timer(case.baseline, setup)
    library_timer = timeit.Timer(case.library, setup)
    baseline_times: list[float] = []
    library_times: list[float] = []
    for _ in range(repeats):
        baseline_times.append(_time_batch(baseline_timer, baseline_number, case.prepare))
        library_times.append(_time_batch(library_timer, library_number, case.prepare))
    return Measurement(
        name=case.name,
        baseline_us=statistics.median(baseline_times) * 1e6,
        library_us=statistics.median(library_times) * 1e6,
        target=case.target,
        baseline=case.baseline_label,
    )


def _run_interpreter(code: str, env: Mapping[str, str]) -> int:
    """Return the wall time, in nanoseconds, of one fresh interpreter running ``code``."""
    command = [sys.executable, "-c", code]
    start = time.perf_counter_ns()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)  # noqa: S603 (this interpreter, with a fixed snippet; no shell)
    return time.perf_counter_ns() - start


def _time_interpreters(commands: Sequence[str], runs: int) -> dict[str, list[int]]:
    """Run each command ``runs`` times in rotating order; return the wall times of each.

    Byte code is cached in a temporary directory (``PYTHONPYCACHEPREFIX``), written by one
    untimed run of each command: every timed run then loads compiled modules, as an installed
    package does, even where ``PYTHONDONTWRITEBYTECODE`` is set, and nothing is written into
    the source tree.
    """
    times: dict[str, list[int]] = {code: [] for code in commands}
    with tempfile.TemporaryDirectory(prefix="benchmarks-pycache-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        for code in commands:
            _run_interpreter(code, env)
        for round_number in range(runs):
            shift = round_number % len(commands)
            for code in [*commands[shift:], *commands[:shift]]:
                times[code].append(_run_interpreter(code, env))
    return times


def measure_process_cases(
    cases: Sequence[ProcessCase], runs: int = DEFAULT_PROCESS_RUNS
) -> list[Measurement]:
    """Time the cases' snippets in fresh interpreters, interleaved with ``python -c pass``.

    Every distinct snippet runs once per round, so cases that share a snippet share its runs
    and all of them are measured side by side. The rounds rotate the order of the commands, so
    that none of them always runs right after the same neighbour.
    """
    snippets = [code for case in cases for code in (case.baseline, case.library)]
    times = _time_interpreters(list(dict.fromkeys(["pass", *snippets])), runs)
    startup = statistics.median(times["pass"])
    return [
        Measurement(
            name=case.name,
            baseline_us=(statistics.median(times[case.baseline]) - startup) / 1e3,
            library_us=(statistics.median(times[case.library]) - startup) / 1e3,
            target=case.target,
            baseline=case.baseline_label,
        )
        for case in cases
    ]
