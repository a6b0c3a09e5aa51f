"""The one way tooling imports a function's handler: the local stack's workers, the bench, the tests.

Standard library only, so the bench's cold-start child can use it before its timer starts without
charging anything to the handler. ``Handler`` names a module and a function as template.yaml does
(``app.lambda_handler``); the function's code folder and its layers go first on ``sys.path``, as
``/var/task`` and ``/opt/python`` do on Lambda.

- ``unique_name=None``: ``importlib.import_module``, what the Lambda runtime does; for a process
  that holds one function (a local stack worker, a bench child).
- ``unique_name="..."``: the module file under that name, for a process that holds many functions
  (every handler module is called ``app``); the code folder is on the path only while it imports.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

HandlerFunction = Callable[[Any, Any], Any]


def module_file(code_dir: str | Path, handler: str) -> Path:
    """The file of ``handler``'s module under ``code_dir``."""
    module = handler.rpartition(".")[0]
    return Path(code_dir) / (module.replace(".", "/") + ".py")


def load_module(
    code_dir: str | Path,
    handler: str = "app.lambda_handler",
    *,
    layer_dirs: Sequence[str | Path] = (),
    unique_name: str | None = None,
    fresh: bool = False,
) -> ModuleType:
    """Import the module ``handler`` names from ``code_dir`` (see the module docstring);
    ``fresh``: execute it again even if it is loaded (a test's new execution environment)."""
    code = str(code_dir)
    for folder in reversed([str(path) for path in layer_dirs]):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    if unique_name is None:
        sys.path.insert(0, code)
        return importlib.import_module(handler.rpartition(".")[0])
    if unique_name in sys.modules and not fresh:
        return sys.modules[unique_name]
    spec = importlib.util.spec_from_file_location(unique_name, module_file(code_dir, handler))
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {module_file(code_dir, handler)}")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, code)
    sys.modules[unique_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(unique_name, None)
        raise
    finally:
        sys.path.remove(code)
    return module


def load_handler(
    code_dir: str | Path,
    handler: str = "app.lambda_handler",
    *,
    layer_dirs: Sequence[str | Path] = (),
    unique_name: str | None = None,
) -> HandlerFunction:
    """The handler function itself."""
    module = load_module(code_dir, handler, layer_dirs=layer_dirs, unique_name=unique_name)
    function: HandlerFunction = getattr(module, handler.rpartition(".")[2])
    return function
