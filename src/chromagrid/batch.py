"""Batch reprocessing: many figures from one config, on Dask, with nothing lost.

A batch config (YAML or TOML) names its figures and how to decode them::

    inputs: [figures/*.png, extra/scan_0042.png]   # globs and/or explicit files
    output: [out/{stem}.nc, out/{stem}.tif]        # path templates, one file per template and figure
    defaults:                                      # any key of a single-figure config but input/output
      box: [80, 40, 620, 460]
      scale: {cmap: viridis, vmin: 0, vmax: 0.7}
    overrides:                                     # pattern -> keys merged over the defaults, in order
      "*_log.png": {scale: {norm: log, vmin: 0.1, vmax: 1000}}
      figures/fig07.png: {box: [70, 40, 610, 460]}
    manifest: out/atlas.manifest.json              # optional; default beside the outputs

The run has three steps:

1. :func:`plan_batch` expands the inputs, merges defaults and overrides into
   one :class:`~chromagrid.config.Config` per figure (each validated like a
   single config) and decides which figures are up to date: every output
   exists and records the same input SHA-256, resolved-config hash and
   chromagrid version as this run would.
2. :func:`execute` submits one Dask task per figure still to do
   (:func:`run_item`, which calls :func:`chromagrid.pipeline.run`) and
   gathers the results as they finish; a failing figure is recorded with
   its error and the batch goes on.
3. :func:`write_manifest` writes a JSON run manifest (outputs with their
   SHA-256, input SHA-256, config hash, version, checks); the CLI prints a
   summary table and exits non-zero when any figure failed.

Outputs are written atomically by the pipeline, so an interrupted batch leaves
only complete files; running it again does what is left.
"""

from __future__ import annotations

import contextlib
import copy
import fnmatch
import glob
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TextIO

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from chromagrid._version import __version__
from chromagrid.config import Config, as_list, format_validation_error, read_config_file, validate_config
from chromagrid.errors import ChromagridError, ConfigError
from chromagrid.io.image import file_sha256

#: Fields an output template may use.
TEMPLATE_FIELDS = ("stem", "name", "suffix", "parent", "index")

#: Item states in a plan and in the manifest.
TODO, UP_TO_DATE, INVALID = "to do", "up to date", "invalid"
DONE, SKIPPED, FAILED, NOT_RUN = "done", "skipped", "failed", "not run"


# --------------------------------------------------------------------------- the batch config
class BatchConfig(BaseModel):
    """A batch config file, validated (paths still relative to its folder)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    inputs: Annotated[list[str], BeforeValidator(as_list)] = Field(
        min_length=1, description="globs and/or explicit image files"
    )
    output: Annotated[list[str], BeforeValidator(as_list)] = Field(
        min_length=1, description="output path templates: out/{stem}.nc"
    )
    defaults: dict[str, Any] = Field(default_factory=dict, description="single-figure config keys for every item")
    overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="pattern -> config keys merged over the defaults"
    )
    manifest: str | None = Field(None, description="path of the JSON run manifest")


def _unknown_keys(data: dict, model: type[BaseModel], where: str) -> list[str]:
    """Keys of ``data`` that ``model`` (recursively, through nested sections) does not know."""
    unknown = []
    for key, value in data.items():
        info = model.model_fields.get(key)
        if info is None:
            unknown.append(f"{where}.{key}")
        elif isinstance(value, dict) and isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            unknown.extend(_unknown_keys(value, info.annotation, f"{where}.{key}"))
    return unknown


def _check_partial(data: dict, where: str, source: str) -> None:
    """Defaults and overrides: known single-config keys only, and never input/output."""
    for key in ("input", "output"):
        if key in data:
            what = "the batch's `inputs` list" if key == "input" else "the batch's `output` template"
            raise ConfigError(f"{source}: {where}.{key}: not allowed here; set it with {what}")
    unknown = _unknown_keys(data, Config, where)
    if unknown:
        raise ConfigError(
            f"{source}: {', '.join(unknown)}: unknown key; check its spelling and section "
            "(see the config reference, docs/config.md)"
        )


def load_batch_config(path: str | os.PathLike) -> BatchConfig:
    """Read and validate a batch config's own structure (items are checked by :func:`plan_batch`).

    Raises
    ------
    ConfigError
        On a parse error, an unknown key, or a key that is not allowed in
        ``defaults`` / ``overrides``.
    """
    path = Path(path)
    try:
        batch = BatchConfig.model_validate(read_config_file(path))
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, str(path))) from None
    _check_partial(batch.defaults, "defaults", str(path))
    for pattern, keys in batch.overrides.items():
        _check_partial(keys, f"overrides[{pattern!r}]", str(path))
    for template in batch.output:
        _check_template(template, str(path))
    return batch


def _check_template(template: str, source: str) -> None:
    from chromagrid.export.grid import grid_format

    try:
        template.format(stem="s", name="s.png", suffix=".png", parent="p", index=0)
    except (KeyError, IndexError, ValueError) as e:
        raise ConfigError(
            f"{source}: output template {template!r}: cannot fill it ({e}); "
            f"use only the fields {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}"
        ) from None
    try:
        grid_format(template)
    except ConfigError as e:
        raise ConfigError(f"{source}: {e}") from None


def deep_merge(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` merged in: nested mappings merge, everything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _absolute(pattern: str, base: Path) -> str:
    p = Path(os.path.expanduser(pattern))
    return str(p if p.is_absolute() else base / p)


def expand_inputs(patterns: list[str], base: Path, source: str = "batch") -> list[Path]:
    """Image files named by globs and explicit paths (relative to ``base``), in order, without repeats.

    An explicit path that does not exist is kept (the plan lists it as invalid);
    a glob that matches nothing is an error.
    """
    seen: dict[Path, None] = {}
    for i, pattern in enumerate(patterns):
        full = _absolute(pattern, base)
        if glob.has_magic(full):
            matches = sorted(Path(m).resolve() for m in glob.glob(full, recursive=True) if Path(m).is_file())
            if not matches:
                raise ConfigError(
                    f"{source}: inputs[{i}] {pattern!r} matches no file (looked for {full}); "
                    "check the pattern and the folder"
                )
            seen.update(dict.fromkeys(matches))
        else:
            seen[Path(full).resolve()] = None
    return list(seen)


def override_matches(pattern: str, path: Path, base: Path) -> bool:
    """Whether an override pattern applies to an input file.

    A pattern without ``/`` matches the file name (``fig07.png``, ``*_log.png``);
    one with ``/`` is a path or glob relative to the batch config's folder.
    """
    if "/" not in pattern:
        return fnmatch.fnmatchcase(path.name, pattern)
    full = _absolute(pattern, base)
    if glob.has_magic(full):
        return path in {Path(m).resolve() for m in glob.glob(full, recursive=True)}
    return Path(full).resolve() == path


# --------------------------------------------------------------------------- the plan
@dataclass
class Item:
    """One figure of a batch.

    Attributes
    ----------
    index : int
        Position in the batch (0-based).
    input : Path
    outputs : list of Path
    config : Config or None
        The resolved, validated config; None when it is invalid.
    state : str
        ``to do``, ``up to date`` or ``invalid``.
    reason : str
        Why it is to do (``no output yet``, ``config changed``, ...) or why it is invalid.
    config_sha256, input_sha256 : str or None
    """

    index: int
    input: Path
    outputs: list[Path]
    config: Config | None
    state: str
    reason: str = ""
    config_sha256: str | None = None
    input_sha256: str | None = None


@dataclass
class Plan:
    """What a batch will do: its items and where the manifest goes."""

    source: Path
    items: list[Item]
    manifest: Path

    def count(self, state: str) -> int:
        """Number of items in ``state``."""
        return sum(item.state == state for item in self.items)

    @property
    def todo(self) -> list[Item]:
        """Items to run."""
        return [item for item in self.items if item.state == TODO]


def render_outputs(templates: list[str], path: Path, index: int, base: Path) -> list[Path]:
    """Fill the output templates for one input file; relative results resolve against ``base``."""
    fields = dict(stem=path.stem, name=path.name, suffix=path.suffix, parent=path.parent.name, index=index)
    return [Path(_absolute(t.format(**fields), base)).resolve() for t in templates]


def read_stamp(path: Path) -> dict:
    """The provenance attributes of an existing output (NetCDF global attributes or GeoTIFF tags)."""
    from chromagrid.export.grid import grid_format

    if grid_format(path) == "netcdf":
        import netCDF4

        with netCDF4.Dataset(path, "r") as ds:
            return {k: ds.getncattr(k) for k in ds.ncattrs()}
    import rasterio

    with rasterio.open(path) as ds:
        return dict(ds.tags())


def staleness(outputs: list[Path], input_sha256: str, config_sha256: str, version: str = __version__) -> str:
    """Why the outputs must be (re)made, or ``""`` when every one is up to date."""
    for path in outputs:
        if not path.exists():
            return f"no output {path.name} yet"
        try:
            stamp = read_stamp(path)
        except Exception as e:  # noqa: BLE001 - any unreadable file is simply redone
            return f"output {path.name} unreadable ({type(e).__name__})"
        if stamp.get("source_image_sha256") != input_sha256:
            return f"input changed since {path.name} was made"
        if stamp.get("chromagrid_config_sha256") != config_sha256:
            return f"config changed since {path.name} was made"
        if stamp.get("chromagrid_version") != version:
            return f"{path.name} made by chromagrid {stamp.get('chromagrid_version')}, this is {version}"
    return ""


def plan_batch(path: str | os.PathLike, force: bool = False) -> Plan:
    """Expand, resolve and validate every item of a batch config, and decide what is up to date.

    Parameters
    ----------
    path : path-like
        The batch config (YAML or TOML); relative paths in it resolve against its folder.
    force : bool
        Mark every valid item as to do, even when its outputs are up to date.

    Returns
    -------
    Plan

    Raises
    ------
    ConfigError
        When the batch config itself is wrong (unknown key, bad template, a
        glob or override pattern that matches nothing, two items writing the
        same output). A figure whose own resolved config is wrong does not stop
        the batch: it is an ``invalid`` item, reported as failed.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import yaml
    >>> folder = Path(tempfile.mkdtemp())
    >>> config = {
    ...     "inputs": [str(Path("examples/field.png").resolve()), str(Path("examples/log.png").resolve())],
    ...     "output": [str(folder / "{stem}.nc")],
    ...     "defaults": {"box": [80, 40, 620, 460], "scale": {"cmap": "viridis", "vmin": 0, "vmax": 0.7}},
    ...     "overrides": {"log.png": {"scale": {"cmap": "YlOrRd", "norm": "log", "vmin": 0.1, "vmax": 1000}}},
    ... }
    >>> _ = (folder / "atlas.yaml").write_text(yaml.safe_dump(config))
    >>> plan = plan_batch(folder / "atlas.yaml")
    >>> [(item.input.name, item.state, item.config.scale.cmap) for item in plan.items]
    [('field.png', 'to do', 'viridis'), ('log.png', 'to do', 'YlOrRd')]
    """
    from chromagrid.pipeline import config_sha256

    path = Path(path)
    source = str(path)
    batch = load_batch_config(path)
    base = path.parent.resolve()
    inputs = expand_inputs(batch.inputs, base, source)
    for pattern in batch.overrides:
        if not any(override_matches(pattern, p, base) for p in inputs):
            raise ConfigError(
                f"{source}: overrides[{pattern!r}] matches none of the {len(inputs)} inputs; "
                "a pattern without '/' matches file names, one with '/' paths relative to "
                f"{base}"
            )
    items: list[Item] = []
    writers: dict[Path, Path] = {}  # output -> the input that writes it
    for index, image in enumerate(inputs):
        outputs = render_outputs(batch.output, image, index, base)
        for out in outputs:
            if out in writers:
                raise ConfigError(
                    f"{source}: {writers[out].name} and {image.name} would both write {out}; "
                    "make the output template tell them apart (e.g. {parent}/{stem}.nc)"
                )
            writers[out] = image
        data = batch.defaults
        for pattern, keys in batch.overrides.items():
            if override_matches(pattern, image, base):
                data = deep_merge(data, keys)
        data = {**data, "input": str(image), "output": [str(p) for p in outputs]}
        item = Item(index=index, input=image, outputs=outputs, config=None, state=INVALID)
        items.append(item)
        if not image.is_file():
            item.reason = f"{image}: file not found; check the batch's inputs"
            continue
        try:
            item.config = validate_config(data, source=f"{image.name}")
        except ConfigError as e:
            item.reason = str(e)
            continue
        item.config_sha256 = config_sha256(item.config)
        item.state = TODO
        if force:
            item.reason = "forced (--force)"
        elif not all(p.exists() for p in outputs):
            item.reason = "no output yet" if not any(p.exists() for p in outputs) else "an output is missing"
        else:
            item.input_sha256 = file_sha256(image)
            item.reason = staleness(outputs, item.input_sha256, item.config_sha256)
            if not item.reason:
                item.state = UP_TO_DATE
    manifest = Path(_absolute(batch.manifest, base)) if batch.manifest else _default_manifest(path, writers)
    return Plan(source=path, items=items, manifest=manifest.resolve())


def _default_manifest(path: Path, outputs) -> Path:
    folders = [str(p.parent) for p in outputs] or [str(path.parent.resolve())]
    return Path(os.path.commonpath(folders)) / f"{path.stem}.manifest.json"


def _show(path: Path) -> str:
    """A path relative to the working folder when it is below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def format_plan(plan: Plan) -> str:
    """The plan as text: one line per item with its state, outputs and reason."""
    lines = [
        f"plan for {plan.source}: {len(plan.items)} figures: {plan.count(TODO)} to do, "
        f"{plan.count(UP_TO_DATE)} up to date, {plan.count(INVALID)} invalid",
        f"manifest: {_show(plan.manifest)}",
    ]
    for item in plan.items:
        outs = ", ".join(_show(p) for p in item.outputs)
        line = f"  {item.state:<10}  {_show(item.input)} -> {outs}"
        if item.state == TODO:
            line += f"  ({item.reason})"
        elif item.state == INVALID:
            line += "".join(f"\n              {part.strip()}" for part in item.reason.splitlines())
        lines.append(line)
    return "\n".join(lines)


def plan_json(plan: Plan) -> dict:
    """The plan as JSON-able data, with each item's full resolved config."""
    return {
        "batch": str(plan.source),
        "manifest": str(plan.manifest),
        "items": [
            {
                "input": str(i.input),
                "outputs": [str(p) for p in i.outputs],
                "state": i.state,
                "reason": i.reason,
                "config_sha256": i.config_sha256,
                "config": i.config.resolved() if i.config else None,
            }
            for i in plan.items
        ],
    }


# --------------------------------------------------------------------------- the task
#: A temporary ``.NAME.*.part`` file beside an output, untouched for this long, was left by a killed run.
STALE_PART_SECONDS = 3600


def _remove_stale_parts(outputs: list[Path]) -> None:
    """Delete temporary files a killed run left beside these outputs (``.NAME.*.part``, over an hour old).

    Younger ones may belong to a write still going on (an interrupted batch's
    task finishing on its worker) and are left alone.
    """
    now = time.time()
    for out in outputs:
        for part in Path(out).parent.glob(f".{glob.escape(Path(out).name)}.*.part"):
            with contextlib.suppress(OSError):
                if now - part.stat().st_mtime > STALE_PART_SECONDS:
                    part.unlink()


def run_item(config: Config) -> dict:
    """Decode one figure (the Dask task): never raises for a bad figure, returns a record.

    Parameters
    ----------
    config : Config
        The item's resolved config.

    Figures with more pixels than :data:`chromagrid.tiles.TILED_ABOVE_PIXELS`
    are decoded in tiles (:func:`chromagrid.tiles.run_tiled`: the same values
    with bounded memory) unless they ask for ``reduce``.

    Returns
    -------
    dict
        ``status`` (``done`` or ``failed``), ``error``, ``outputs`` (path and
        SHA-256), ``input_sha256``, ``config_sha256``, ``chromagrid_version``,
        ``checks`` (the run summary's numbers), ``tiled`` and ``elapsed_s``.
    """
    import dask

    from chromagrid import tiles
    from chromagrid.io.image import image_size
    from chromagrid.pipeline import config_sha256, run

    start = time.perf_counter()
    record: dict[str, Any] = {
        "input": str(config.input),
        "status": FAILED,
        "error": None,
        "outputs": [],
        "input_sha256": None,
        "config_sha256": config_sha256(config),
        "chromagrid_version": __version__,
        "checks": None,
        "tiled": False,
        "worker_pid": os.getpid(),
    }
    try:
        _remove_stale_parts(config.output)
        width, height = image_size(config.input, config.image.max_pixels)
        # dask work inside the task stays in this process: without this, xarray's NetCDF writer
        # would take a cluster-wide lock through a client of its own made on the worker
        with dask.config.set(scheduler="synchronous"):
            if width * height > tiles.TILED_ABOVE_PIXELS and getattr(config, "reduce_settings", None) is None:
                record["tiled"] = True
                result = tiles.run_tiled(config)
            else:
                result = run(config)
        summary = result.summary()
        record.update(
            status=DONE,
            input_sha256=result.grid.attrs.get("source_image_sha256"),
            outputs=[{"path": str(p), "sha256": file_sha256(p)} for p in result.outputs],
            checks={k: v for k, v in summary.items() if k not in ("input", "outputs")},
        )
    except ChromagridError as e:
        record["error"] = str(e)
    except Exception as e:  # noqa: BLE001 - a bug or a resource problem in one figure must not stop the batch
        record["error"] = f"unexpected {type(e).__name__}: {e}"
    if record["input_sha256"] is None:
        with contextlib.suppress(OSError):
            record["input_sha256"] = file_sha256(config.input)
    record["elapsed_s"] = round(time.perf_counter() - start, 4)
    return record


# --------------------------------------------------------------------------- execution
@dataclass
class BatchReport:
    """What a batch run did: one record per item, in the plan's order."""

    plan: Plan
    records: list[dict]
    started: str
    elapsed_s: float
    scheduler: str | None = None
    interrupted: bool = False
    manifest: Path | None = None

    def count(self, status: str) -> int:
        """Number of items with ``status`` (done, skipped, failed, not run)."""
        return sum(r["status"] == status for r in self.records)

    @property
    def failed(self) -> list[dict]:
        """Records of the items that failed."""
        return [r for r in self.records if r["status"] == FAILED]

    @property
    def ok(self) -> bool:
        """True when nothing failed and nothing was left undone."""
        return not self.failed and not self.count(NOT_RUN)


def _base_record(item: Item, status: str, error: str | None = None) -> dict:
    return {
        "input": str(item.input),
        "status": status,
        "error": error,
        "outputs": [{"path": str(p), "sha256": None} for p in item.outputs],
        "input_sha256": item.input_sha256,
        "config_sha256": item.config_sha256,
        "chromagrid_version": __version__,
        "checks": None,
        "elapsed_s": 0.0,
    }


def _skipped_record(item: Item) -> dict:
    record = _base_record(item, SKIPPED)
    record["outputs"] = [{"path": str(p), "sha256": file_sha256(p)} for p in item.outputs]
    return record


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator:
    """A ``distributed.Client``: connected to ``scheduler``, or on a new local cluster of processes.

    Parameters
    ----------
    workers : int, optional
        Worker processes of the local cluster (one thread each); default: one per core.
    scheduler : str, optional
        Address of a running Dask scheduler, e.g. ``tcp://host:8786``.
    """
    from distributed import Client, LocalCluster

    if workers is not None and scheduler is not None:
        raise ConfigError("give either --workers (a local cluster) or --scheduler (a running one), not both")
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="15s")
        except (OSError, TimeoutError, ValueError) as e:
            raise ChromagridError(
                f"cannot connect to the Dask scheduler at {scheduler} ({e}); check the "
                "address, or start one with `dask scheduler`"
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n < 1:
        raise ConfigError(f"--workers must be at least 1 (got {n})")
    with (
        LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


class _Progress:
    """A rich progress bar on a terminal, plain log lines otherwise."""

    def __init__(self, total: int, stream: TextIO):
        from rich.console import Console

        self.total, self.n, self.stream = total, 0, stream
        self.console = Console(file=stream)
        self.bar = None
        if self.console.is_terminal and total:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("decoding"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed"),
                TimeRemainingColumn(),
                console=self.console,
                transient=False,
            )
            self.task = self.bar.add_task("batch", total=total, failed=0)

    def __enter__(self):
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def update(self, record: dict) -> None:
        self.n += 1
        name = Path(record["input"]).name
        if self.bar is not None:
            failed = self.bar.tasks[0].fields["failed"] + (record["status"] == FAILED)
            self.bar.update(self.task, advance=1, failed=failed)
            if record["status"] == FAILED:
                self.bar.console.print(f"[red]failed[/red] {name}: {record['error']}", markup=True, highlight=False)
            return
        width = len(str(self.total))
        line = f"chromagrid batch: [{self.n:>{width}}/{self.total}] {record['status']} {name}"
        if record["status"] == FAILED:
            line += f": {record['error']}"
        else:
            line += f" ({record['elapsed_s']:.2f} s)"
        print(line, file=self.stream, flush=True)


def execute(
    plan: Plan,
    client,
    task: Callable[[Config], dict] = run_item,
    progress: TextIO | None = None,
    records: dict[int, dict] | None = None,
) -> list[dict]:
    """Run the plan's to-do items on a Dask client, one task per figure.

    Results are gathered as they finish (``distributed.as_completed``); an item
    whose task raises or whose worker dies (``KilledWorker`` once the scheduler
    has given up retrying) is recorded as failed. On Ctrl-C the items not yet
    finished are recorded as ``not run`` and :class:`KeyboardInterrupt` is re-raised
    after the records are complete.

    Parameters
    ----------
    records : dict, optional
        Filled with ``item index -> record`` as items finish (so a caller
        still has them after an interrupt).

    Returns
    -------
    list of dict
        One record per item of the plan, in the plan's order.
    """
    from distributed import as_completed

    records = {} if records is None else records
    for item in plan.items:
        if item.state == UP_TO_DATE:
            records[item.index] = _skipped_record(item)
        elif item.state == INVALID:
            records[item.index] = _base_record(item, FAILED, item.reason)
    todo = plan.todo
    if todo:
        futures = {client.submit(task, item.config, pure=False, retries=0): item for item in todo}
        try:
            with _Progress(len(todo), progress or sys.stderr) as bar:
                for future in as_completed(futures):
                    item = futures[future]
                    try:
                        record = future.result()
                    except Exception as e:  # noqa: BLE001 - KilledWorker, a task that raised, ...
                        reason = str(e) or type(e).__name__
                        if type(e).__name__ == "KilledWorker":
                            reason = (
                                "its worker process died while decoding it, on every retry (out of memory, or killed)"
                            )
                        record = _base_record(item, FAILED, f"{type(e).__name__}: {reason}")
                    records[item.index] = record
                    bar.update(record)
        except KeyboardInterrupt:
            for future, item in futures.items():
                if item.index not in records:
                    future.cancel()
                    records[item.index] = _base_record(item, NOT_RUN, "interrupted before it finished")
            raise
        finally:
            for item in todo:
                records.setdefault(item.index, _base_record(item, NOT_RUN, "interrupted before it finished"))
    return [records[item.index] for item in plan.items]


def write_manifest(report: BatchReport, path: Path | None = None) -> Path:
    """Write the JSON run manifest (atomically) and return its path."""
    from chromagrid.io.files import atomic_output

    path = Path(path or report.plan.manifest)
    data = {
        "chromagrid_version": __version__,
        "batch_config": str(report.plan.source.resolve()),
        "batch_config_sha256": file_sha256(report.plan.source),
        "started": report.started,
        "elapsed_s": round(report.elapsed_s, 3),
        "scheduler": report.scheduler,
        "interrupted": report.interrupted,
        "counts": {s: report.count(s) for s in (DONE, SKIPPED, FAILED, NOT_RUN)},
        "items": report.records,
    }
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def run_batch(
    path: str | os.PathLike,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    task: Callable[[Config], dict] = run_item,
    progress: TextIO | None = None,
) -> BatchReport:
    """Plan and run a batch config; write its manifest.

    Parameters
    ----------
    path : path-like
        Batch config, YAML or TOML.
    workers : int, optional
        Start a local cluster with this many worker processes (default: one per core).
    scheduler : str, optional
        Use a running Dask scheduler at this address instead.
    force : bool
        Redo items whose outputs are up to date.
    task : callable
        The per-figure task (default :func:`run_item`).
    progress : file, optional
        Where the progress bar or log lines go (default: stderr).

    Returns
    -------
    BatchReport
        With ``manifest`` set to the manifest's path. Check ``report.ok``.

    Raises
    ------
    ConfigError
        When the batch config itself is wrong (nothing is run).

    Examples
    --------
    Two figures on a local Dask cluster of one worker; a second run finds both up to date:

    >>> import io, tempfile
    >>> from pathlib import Path
    >>> import yaml
    >>> folder = Path(tempfile.mkdtemp())
    >>> config = {
    ...     "inputs": [str(Path("examples/field.png").resolve()), str(Path("examples/log.png").resolve())],
    ...     "output": [str(folder / "{stem}.nc")],
    ...     "defaults": {"box": [80, 40, 620, 460], "scale": {"cmap": "viridis", "vmin": 0, "vmax": 0.7}},
    ...     "overrides": {"log.png": {"scale": {"cmap": "YlOrRd", "norm": "log", "vmin": 0.1, "vmax": 1000}}},
    ... }
    >>> _ = (folder / "atlas.yaml").write_text(yaml.safe_dump(config))
    >>> report = run_batch(folder / "atlas.yaml", workers=1, progress=io.StringIO())
    >>> report.ok, sorted(p.name for p in folder.glob("*.nc"))
    (True, ['field.nc', 'log.nc'])
    >>> [item.state for item in plan_batch(folder / "atlas.yaml").items]
    ['up to date', 'up to date']
    """
    plan = plan_batch(path, force=force)
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    t0 = time.perf_counter()
    report = BatchReport(plan=plan, records=[], started=started, elapsed_s=0.0)
    records: dict[int, dict] = {}
    try:
        if plan.todo:
            with dask_client(workers, scheduler) as client:
                report.scheduler = client.scheduler.address
                execute(plan, client, task, progress, records)
        else:
            execute(plan, None, task, progress, records)
    except KeyboardInterrupt:
        report.interrupted = True
        raise
    finally:
        if records:
            report.records = [
                records[i.index] if i.index in records else _base_record(i, NOT_RUN, "interrupted before it started")
                for i in plan.items
            ]
            report.elapsed_s = time.perf_counter() - t0
            report.manifest = write_manifest(report)
    return report


def format_summary(report: BatchReport, stream: TextIO | None = None) -> None:
    """Print the summary table (counts, then every failure with its reason).

    A rich table on a terminal; plain aligned text otherwise (logs, pipes).
    """
    from rich.console import Console
    from rich.table import Table

    stream = stream or sys.stdout
    meaning = {
        DONE: "decoded, outputs written",
        SKIPPED: "up to date, left as they were",
        FAILED: "not decoded (reasons below)",
        NOT_RUN: "interrupted before they finished",
    }
    rows = [
        (status, report.count(status), meaning[status])
        for status in (DONE, SKIPPED, FAILED, NOT_RUN)
        if report.count(status) or status != NOT_RUN
    ]
    title = f"chromagrid batch {report.plan.source.name}: {len(report.records)} figures in {report.elapsed_s:.1f} s"
    failed = [(_show(Path(r["input"])), r["error"] or "") for r in report.failed]
    console = Console(file=stream, highlight=False)
    if console.is_terminal:
        table = Table(title=title, title_justify="left")
        for name in ("status", "figures", "what it means"):
            table.add_column(name, justify="right" if name == "figures" else "left")
        for status, n, what in rows:
            table.add_row(status, str(n), what)
        console.print(table)
        if failed:
            reasons = Table(title="failed", title_justify="left")
            reasons.add_column("figure", no_wrap=True)
            reasons.add_column("reason")
            for row in failed:
                reasons.add_row(*row)
            console.print(reasons)
    else:
        lines = [title, f"  {'status':<8} {'figures':>7}  what it means"]
        lines += [f"  {status:<8} {n:>7}  {what}" for status, n, what in rows]
        if failed:
            lines.append("failed:")
            lines += [f"  {name}: {reason}" for name, reason in failed]
        print("\n".join(lines), file=stream)
    if report.manifest is not None:
        print(f"manifest: {_show(report.manifest)}", file=stream)
