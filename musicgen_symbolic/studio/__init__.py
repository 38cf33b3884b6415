"""A local web studio: type a prompt, hear it, see it, change it, download it (``musicgen-symbolic serve``).

``create_app`` builds the FastAPI application (the JSON API under ``/api`` and the page at ``/``); ``serve`` runs it
with uvicorn on 127.0.0.1. FastAPI, uvicorn and friends are the ``studio`` extra: they are imported only here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .limits import Limits

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["Limits", "create_app", "serve"]


def create_app(*args: object, **kwargs: object) -> FastAPI:
    """See :func:`musicgen_symbolic.studio.app.create_app`."""
    from .app import create_app as create

    return create(*args, **kwargs)


def serve(*args: object, **kwargs: object) -> None:
    """See :func:`musicgen_symbolic.studio.server.serve`."""
    from .server import serve as run

    run(*args, **kwargs)
