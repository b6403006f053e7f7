"""Time the adversarial input shapes at two sizes: doubling each must about double its time.

    python benchmarks/growth.py [--size 120000] [--repeat 5]

The unit tests count the calls each shape takes (exact and steady); this times
them, regex engine included, which a count of calls cannot see into. Each
figure is the best of --repeat runs in this process; a shared machine's noise
is why this is a command, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import digestparse
from tests.adversarial import ADVERSARIAL, normal_digest


def seconds(text: str, repeat: int) -> float:
    """The best time of `repeat` parses of `text`."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        digestparse.parse(text)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Print, for each shape, the growth for twice the input and the time against a normal digest's."""
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--size", type=int, default=120_000)
    options.add_argument("--repeat", type=int, default=5)
    args = options.parse_args()
    normal = seconds(normal_digest(2 * args.size), args.repeat)
    print(f"| shape | {args.size // 1000} KB | {2 * args.size // 1000} KB | growth | against a normal digest |")
    print("|---|---|---|---|---|")
    for family, make in ADVERSARIAL.items():
        small, large = seconds(make(args.size), args.repeat), seconds(make(2 * args.size), args.repeat)
        print(f"| {family} | {small * 1000:.1f} ms | {large * 1000:.1f} ms | {large / small:.2f}x | "
              f"{large / normal:.2f}x |")  # fmt: skip
    print(f"\nA normal digest of {2 * args.size // 1000} KB: {normal * 1000:.1f} ms. Linear: growth near 2x.")


if __name__ == "__main__":
    main()
