"""`task-resolver batch`: resolve many references (input files or -, --scan DIR, --cache, --hub-list)
into JSON lines or CSV, in input order, on local processes or a Dask cluster (docs/batch.md)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from resolver.cli.common import add_rules_option

if TYPE_CHECKING:  # the batch modules are imported when the command runs, not at every CLI start
    from resolver.batch.output import Output, Progress, Summary
    from resolver.batch.requests import BatchInputError, Item, Request
    from resolver.batch.run import Backoff
    from resolver.batch.walk import ScanTree
    from resolver.batch.worker import Block, Outcome, Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="FILE",
        help='files of references, one a line (a path, a repo id, id@revision, or JSON {"ref", "revision", '
        '"subfolder", "task", "library"}); - reads stdin',
    )
    source = parser.add_argument_group("other sources")
    source.add_argument("--scan", action="append", default=[], metavar="DIR", help="every model folder under DIR")
    source.add_argument("--cache", action="store_true", help="every model snapshot in the HF cache, offline")
    source.add_argument("--hub-list", action="store_true", help="the Hub's model listing (filters below)")
    source.add_argument("--author", help="--hub-list: repos of this user or organisation")
    source.add_argument(
        "--library",
        help="--hub-list: repos of this library; otherwise the library of every reference, when you know it",
    )
    source.add_argument("--search", help="--hub-list: repos whose name contains this")
    source.add_argument("--limit", type=int, help="--hub-list: at most this many repos")
    out = parser.add_argument_group("output")
    out.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    out.add_argument(
        "--format",
        dest="output_format",  # not `format`: main() would print usage errors as JSON on stdout, the output stream
        choices=("json", "csv"),
        default="json",
        help="JSON lines (default) or CSV",
    )
    out.add_argument("--resume", action="store_true", help="skip references already answered in --output")
    out.add_argument(
        "--disagreements",
        metavar="FILE",
        help="write the repos whose Hub pipeline_tag / library_name differ from what the files say (JSON lines)",
    )
    out.add_argument("--no-trace", action="store_true", help="leave the trace out of each JSON line")
    out.add_argument("--quiet", action="store_true", help="no summary on stderr at the end")
    run = parser.add_argument_group("running")
    run.add_argument("--workers", type=int, metavar="N", help="worker processes (default: the CPU count)")
    run.add_argument("--chunksize", type=int, help=argparse.SUPPRESS)  # default: adaptive (resolver.batch.run)
    run.add_argument("--engine", choices=("local", "dask"), default="local", help="local processes, or Dask")
    run.add_argument("--scheduler", metavar="ADDRESS", help="--engine dask: the scheduler (default: a local cluster)")
    run.add_argument("--task", help="the task of every reference, when you know it")
    run.add_argument("--token", help="Hub token (default: $HF_TOKEN or the saved login)")
    run.add_argument("--cache-dir", help="HF hub cache folder (default: $HF_HUB_CACHE)")
    run.add_argument("--offline", action="store_true", default=None, help="never contact the Hub")
    run.add_argument("--timeout", type=float, help="seconds each Hub resolution may take, retries included")
    add_rules_option(parser)


def _usage(message: str, hint: str) -> BatchInputError:
    from resolver.batch.requests import BatchInputError

    return BatchInputError(message, hint=hint)


def check(args: argparse.Namespace) -> None:
    """Usage errors (exit 2) before anything runs."""
    if not (args.inputs or args.scan or args.cache or args.hub_list):
        raise _usage("nothing to resolve", "pass input files (or - for stdin), --scan DIR, --cache or --hub-list")
    if (args.author or args.search or args.limit is not None) and not args.hub_list:
        raise _usage("--author, --search and --limit filter --hub-list", "add --hub-list")
    if args.resume and (not args.output or args.output == "-"):
        raise _usage("--resume needs an output file", "add -o FILE: the run appends to it, skipping what it answers")
    if args.workers is not None and args.workers < 1:
        raise _usage(f"--workers {args.workers}: at least 1", "pass --workers 1 or more (default: the CPU count)")
    if args.limit is not None and args.limit < 1:
        raise _usage(f"--limit {args.limit}: at least 1", "pass a positive number")
    if args.scheduler and args.engine != "dask":
        raise _usage("--scheduler is for --engine dask", "add --engine dask")
    if args.hub_list and args.offline:
        raise _usage("--hub-list needs the Hub, and --offline forbids it", "drop --offline, or use --cache")
    if args.inputs.count("-") > 1:
        raise _usage("stdin (-) given twice", "pass - once")
    for folder in args.scan:
        if not os.path.isdir(os.path.expanduser(folder)):
            raise _usage(f"--scan: {folder} is not a folder", "pass the folder that holds the models")
    for name in args.inputs:
        if name != "-":
            try:
                open(name, encoding="utf-8").close()
            except OSError as exc:
                raise _usage(f"cannot read input file {name}: {exc.strerror or exc}", "check the path") from None


def _file_lines(name: str) -> Iterator[str]:
    if name == "-":
        yield from sys.stdin
        return
    with open(name, encoding="utf-8", errors="replace") as handle:
        yield from handle


def requests_of(
    args: argparse.Namespace, markers: Iterable[str], backoff: Backoff, *, walk_in_pool: bool = False
) -> Iterator[Item | ScanTree]:
    """Every request, source by source: the input files, then --scan, --cache, --hub-list (an input
    line that can only be a local path comes as its text: resolver.batch.requests.read_refs).
    `walk_in_pool`: each --scan tree comes as one ScanTree, walked by the Scheduler's workers (the
    same folders, in the same order), not folder by folder here."""
    from resolver.batch import sources
    from resolver.batch.requests import read_refs

    for name in args.inputs:
        yield from read_refs(_file_lines(name))
    for folder in args.scan:
        if walk_in_pool:
            yield sources.ScanTree(folder, markers)
        else:
            yield from sources.scan_folders(folder, markers)
    if args.cache:
        yield from sources.cache_snapshots(args.cache_dir)
    if args.hub_list:
        yield from sources.HubListing(
            author=args.author,
            library=args.library,
            search=args.search,
            limit=args.limit,
            token=args.token,
            cache_dir=args.cache_dir,
            backoff=backoff,
        )


def _total(args: argparse.Namespace) -> int | None:
    """How many requests there will be, when that is cheap to know (files only, or --hub-list --limit)."""
    if args.scan or args.cache or "-" in args.inputs:
        return None
    if args.hub_list and not args.inputs:
        return args.limit
    if args.hub_list:
        return None
    count = 0
    for name in args.inputs:
        count += sum(1 for line in _file_lines(name) if line.strip() and not line.lstrip().startswith("#"))
    return count


def run(args: argparse.Namespace) -> int:
    from resolver.batch.output import Output, Progress, Summary, answered
    from resolver.batch.run import Backoff, Scheduler
    from resolver.batch.worker import Settings

    check(args)
    settings = Settings(
        rule_paths=tuple(args.rules),
        task=args.task,
        library=None if args.hub_list else args.library,
        token=args.token,
        offline=args.offline,
        cache_dir=args.cache_dir,
        timeout=args.timeout,
        shape=args.output_format,
        trace=not args.no_trace,
        disagreements=bool(args.disagreements),
    )
    summary = Summary()
    backoff = Backoff()
    progress = Progress(sys.stderr, _total(args) if sys.stderr.isatty() else None)
    try:
        done = answered(args.output, args.output_format) if args.resume else None
        output = Output(args.output, args.output_format, append=bool(args.resume))
        report = Output(args.disagreements, "json", append=bool(args.resume)) if args.disagreements else None
    except OSError as exc:
        raise _usage(f"cannot write {exc.filename}: {exc.strerror or exc}", "pass a file path you can write") from None
    try:
        if args.engine == "dask":
            from resolver.dask import run_on_dask

            markers = _markers(settings)
            stream = run_on_dask(
                _plain_requests(_skipping(requests_of(args, markers, backoff), done, summary)),
                settings,
                scheduler=args.scheduler,
                workers=args.workers,
            )
            _drain(_as_blocks(stream), output, report, summary, progress)
        else:
            local = bool(args.inputs or args.scan or args.cache)
            with Scheduler(
                settings, workers=args.workers, chunksize=args.chunksize, backoff=backoff, local_pool=local
            ) as scheduler:
                markers = _markers(settings)
                # --resume skips what the output answers, folder by folder: then the tree is walked here
                walk_in_pool = not done
                requests = _skipping(requests_of(args, markers, backoff, walk_in_pool=walk_in_pool), done, summary)
                _drain(scheduler.run_blocks(requests), output, report, summary, progress, ready=scheduler.ready)
    finally:
        output.close()
        if report is not None:
            report.close()
    progress.update(summary.resolved + summary.failed, summary.failed, final=True)
    if not args.quiet:
        print(summary.render(), file=sys.stderr)
    return 0 if summary.failed == 0 else 1


def _markers(settings: Settings) -> frozenset[str]:
    from resolver.batch.sources import model_markers
    from resolver.batch.worker import resolver_for

    return model_markers(resolver_for(settings.rule_paths).rules.documents)


def _skipping(
    requests: Iterator[Item | ScanTree], done: dict[tuple[str, str], int] | None, summary: Summary
) -> Iterator[Item | ScanTree]:
    """--resume: leave out the requests the output file already answers (as many times as it does)."""
    from resolver.batch.requests import item_key
    from resolver.batch.walk import ScanTree

    if not done:
        yield from requests
        return
    for request in requests:
        if isinstance(request, ScanTree):  # not made with --resume (the parent walks the trees): kept whole
            yield request
            continue
        key = item_key(request)
        if done.get(key, 0) > 0:
            done[key] -= 1
            summary.skipped += 1
            continue
        yield request


def _plain_requests(items: Iterable[Item | ScanTree]) -> Iterator[Request]:
    """The Requests of the items (the Dask engine's: its client walks --scan trees folder by folder)."""
    from resolver.batch.requests import as_plain
    from resolver.batch.walk import ScanTree

    for item in items:
        if isinstance(item, ScanTree):
            raise TypeError("a ScanTree is walked by the local Scheduler only")
        yield as_plain(item)


def _as_blocks(stream: Iterable[tuple[Request, Outcome]]) -> Iterator[Block]:
    """(request, outcome) pairs (the Dask engine's) as Blocks of one line each."""
    from resolver.batch.worker import block_of

    for _request, outcome in stream:
        yield block_of([outcome])


def _drain(
    blocks: Iterable[Block],
    output: Output,
    report: Output | None,
    summary: Summary,
    progress: Progress,
    *,
    ready: Callable[[], bool] | None = None,
) -> None:
    """Write every Block as it comes (a pool chunk's lines arrive joined: one write, one merge of its
    counts, no per-line work here); blocks already waiting behind it go out in the same write."""
    done = 0
    for block in blocks:
        more = ready() if ready is not None else False
        output.write(block.text, more=more, lines=block.count)
        if report is not None and block.report:
            report.write(block.report, lines=block.report.count("\n"))
        summary.add_counts(block.counts)
        done += block.count
        progress.update(done, summary.failed)
