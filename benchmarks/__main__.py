"""Run the benchmarks and print one table of library-versus-baseline ratios.

Usage: ``python -m benchmarks [--repeats N] [--runs N] [--only SUBSTRING] [--json PATH]
[--postgres URL]``.
The exit code is 0 whether or not every case meets its target: the benchmarks report, they
do not gate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from contextlib import ExitStack
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from . import data_mapper, domain, fastapi_endpoint, persistence, relay, round_trips
from ._databases import DEFAULT_POSTGRES_URL, Postgres
from ._harness import (
    DEFAULT_PROCESS_RUNS,
    DEFAULT_REPEATS,
    MIN_REPEAT_SECONDS,
    measure_case,
    measure_process_cases,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._harness import Measurement

_HEADERS = ("case", "baseline µs", "library µs", "ratio", "target", "verdict")


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        msg = f"must be at least 1, got {number}"
        raise argparse.ArgumentTypeError(msg)
    return number


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=(
            "Time each library operation beside a raw baseline doing the same work, "
            "interleaved, and print library/baseline ratios."
        ),
    )
    parser.add_argument(
        "--repeats",
        type=_positive,
        default=DEFAULT_REPEATS,
        help=(
            "repeats per in-process case, each at least "
            f"{MIN_REPEAT_SECONDS * 1000:.0f} ms per side (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--runs",
        type=_positive,
        default=DEFAULT_PROCESS_RUNS,
        help="fresh interpreters per command in import-time cases (default: %(default)s)",
    )
    parser.add_argument(
        "--only",
        metavar="SUBSTRING",
        help="run only the cases whose name contains SUBSTRING (case-insensitive)",
    )
    parser.add_argument(
        "--json", metavar="PATH", type=Path, help="also write the results to PATH as JSON"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("BENCHMARKS_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help=(
            "the PostgreSQL server of the persistence cases, which run in a schema of their own "
            "dropped afterwards; skipped when unreachable "
            "(default: $BENCHMARKS_POSTGRES_URL or %(default)s)"
        ),
    )
    parser.add_argument(
        "--rabbitmq",
        metavar="URL",
        default=os.environ.get("BENCHMARKS_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
        help=(
            "the RabbitMQ broker of the relay case; skipped when unreachable "
            "(default: $BENCHMARKS_RABBITMQ_URL or %(default)s)"
        ),
    )
    return parser


def _cell(value: float) -> str:
    # Three decimals (nanoseconds) for in-process cases, whole microseconds for processes.
    return f"{value:,.3f}" if value < 1000 else f"{value:,.0f}"


def _table(measurements: Sequence[Measurement]) -> str:
    rows = [
        (
            m.name,
            _cell(m.baseline_us),
            _cell(m.library_us),
            f"{m.ratio:.2f}",
            "-" if m.target is None else f"<= {m.target:.2f}",
            m.verdict,
        )
        for m in measurements
    ]
    widths = [max(len(row[i]) for row in (_HEADERS, *rows)) for i in range(len(_HEADERS))]

    def line(cells: Sequence[str]) -> str:
        name, *numbers = cells
        return "  ".join(
            [name.ljust(widths[0]), *(c.rjust(w) for c, w in zip(numbers, widths[1:], strict=True))]
        )

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(_HEADERS), rule, *(line(row) for row in rows)])


def _summary(measurements: Sequence[Measurement]) -> str:
    targeted = [m for m in measurements if m.target is not None]
    within = sum(m.verdict == "PASS" for m in targeted)
    missed = ", ".join(m.name for m in targeted if m.verdict == "MISS")
    summary = f"{within} of {len(targeted)} within target"
    return f"{summary} (missed: {missed})" if missed else summary


def _write_json(
    path: Path,
    measurements: Sequence[Measurement],
    notes: Sequence[str],
    args: argparse.Namespace,
) -> None:
    document = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "pydantic": version("pydantic"),
        "pydantic_core": version("pydantic-core"),
        "sqlalchemy": version("sqlalchemy"),
        "repeats": args.repeats,
        "runs": args.runs,
        "results": [
            {
                "case": m.name,
                "baseline": m.baseline,
                "baseline_us": m.baseline_us,
                "library_us": m.library_us,
                "ratio": m.ratio,
                "target": m.target,
                "verdict": m.verdict,
            }
            for m in measurements
        ],
        "notes": list(notes),
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected cases, print the table and the summary, and return 0."""
    args = _parser().parse_args(argv)
    only = (args.only or "").casefold()

    def selected(name: str) -> bool:
        return only in name.casefold()

    with ExitStack() as stack:
        cases = [case for case in domain.cases() if selected(case.name)]
        prepared = persistence.cases(selected, stack, args.postgres)
        mapped = data_mapper.cases(selected, stack, args.postgres)
        trips = round_trips.cases(selected, stack, Postgres(args.postgres, stack))
        trips += relay.cases(selected, stack, Postgres(args.postgres, stack), args.rabbitmq)
        trips += fastapi_endpoint.cases(selected, stack)
        cases += prepared.cases + mapped.cases + trips
        notes = prepared.notes + mapped.notes
        process_cases = [case for case in domain.process_cases() if selected(case.name)]
        if not cases and not process_cases:
            if notes:
                print("\n".join(notes))
            else:
                print(f"no case matches {args.only!r}", file=sys.stderr)
            return 0
        measurements: list[Measurement] = []
        for case in cases:
            print(f"measuring {case.name} ...", file=sys.stderr, flush=True)
            measurements.append(measure_case(case, args.repeats))
    if process_cases:
        names = ", ".join(case.name for case in process_cases)
        print(f"measuring {names} ...", file=sys.stderr, flush=True)
        measurements.extend(measure_process_cases(process_cases, args.runs))
    print()
    print(_table(measurements))
    print()
    for m in measurements:
        print(f"  {m.name}: baseline = {m.baseline}")
    for note in notes:
        print(f"  {note}")
    print()
    print(_summary(measurements))
    if args.json is not None:
        _write_json(args.json, measurements, notes, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
