"""What every click command shares: error mapping and common options."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from jobsmith.errors import JobsmithError

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(function: F) -> F:
    """Turn a JobsmithError into its message on stderr and its exit status."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except JobsmithError as error:
            click.echo(str(error), err=True)
            raise SystemExit(error.exit_code) from None

    return wrapper  # type: ignore[return-value]


spec_root_argument = click.argument(
    "spec_root", default="jobs", type=click.Path(file_okay=False, path_type=str)
)
