"""A variant's parameters from the instructor's secret (never from the repository).

``values(chapter, secret, seed)`` draws every parameter of ``parameters.toml`` with
HMAC-SHA256 keyed by the secret, so that neither the public repository nor the student
notebook (which shows the values, not the secret or the seed) can regenerate another
student's variant or the hidden tests' cases. With no secret, the build is the book's
(its parameters, case seed 0): for self-study, not for grading a course.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import pathlib
import tomllib

SOURCES = pathlib.Path(__file__).resolve().parents[2] / "chapters" / "coursework"


def load(sources: pathlib.Path = SOURCES) -> dict[str, dict]:
    """``parameters.toml``: chapter -> {answers, allowed, parameters}."""
    with open(sources / "parameters.toml", "rb") as fh:
        return tomllib.load(fh)


def _draw(secret: str, *parts) -> int:
    msg = "/".join(str(p) for p in parts).encode()
    return int.from_bytes(hmac.new(secret.encode(), msg, hashlib.sha256).digest()[:8])


def secret_id(secret: str | None) -> str:
    """A short public name of a secret (its folder name), from which it cannot be
    recovered."""
    if not secret:
        return "book"
    return hashlib.sha256(b"rivervalley-secret:" + secret.encode()).hexdigest()[:8]


def build_id(secret: str | None, seed: int) -> str:
    """The build's folder name: ``book``, or the secret's id and the seed."""
    if not secret:
        if seed != 0:
            raise ValueError(
                "seed: a variant (SEED != 0) needs SECRET=...; without a secret only "
                "the book's parameters (SEED=0) are built"
            )
        return "book"
    return f"{secret_id(secret)}-seed{seed}"


def values(chapter: str, spec: dict, secret: str | None, seed: int) -> dict:
    """The parameters of one chapter's build."""
    params = spec["parameters"]
    if not secret:
        return {name: p["book"] for name, p in params.items()}
    return {
        name: p["variants"][_draw(secret, chapter, seed, name) % len(p["variants"])]
        for name, p in params.items()
    }


def written_values(chapter: str, spec: dict, secret: str | None, seed: int) -> dict:
    """The numbers the written questions quote (``[<chapter>.written]``), drawn like
    :func:`values`, each with its own HMAC message."""
    params = spec.get("written", {})
    if not secret:
        return {name: p["book"] for name, p in params.items()}
    return {
        name: p["variants"][
            _draw(secret, chapter, seed, "written", name) % len(p["variants"])
        ]
        for name, p in params.items()
    }


def case_seed(chapter: str, secret: str | None, seed: int) -> int:
    """The seed of the hidden tests' unseen cases (0 for the book's build)."""
    return _draw(secret, chapter, seed, "cases") if secret else 0


def count(spec: dict) -> int:
    """How many different variants a chapter has."""
    return math.prod(len(p["variants"]) for p in spec["parameters"].values())
