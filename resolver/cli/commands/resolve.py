"""`task-resolver resolve REF` and `task-resolver explain REF`."""

from __future__ import annotations

import sys

from resolver.cli.common import add_hub_options, add_rules_option, dump_json

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the CLI imports no typing
if TYPE_CHECKING:
    import argparse

    from resolver.engine.resolution import Resolution


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "ref", metavar="REF", help="a local model folder, a cached snapshot, or a Hub repo id (org/name)"
    )
    parser.add_argument("--task", help="the task, when you know it (a name or synonym: causal-lm, ner, ...)")
    parser.add_argument("--library", help="the library, when you know it (transformers, diffusers, ...)")
    parser.add_argument("--subfolder", help="resolve this subfolder of the model (e.g. unet, or an onnx/ export)")
    add_hub_options(parser)
    parser.add_argument("--verbose", action="store_true", help="show the Hub client's retries and back-offs on stderr")
    parser.add_argument("--json", action="store_true", help="machine-readable output (includes the trace)")
    parser.add_argument(
        "--vocab",
        metavar="NAME",
        help="spell the task as this vocabulary does: hub (default), optimum (its exporters' --task), "
        "pipeline (transformers.pipeline())",
    )
    parser.add_argument(
        "--field",
        metavar="NAME",
        help="print only this field of the resolution (task, library, loader, ...), for shell use",
    )
    parser.add_argument("--explain", action="store_true", help="show every rule consulted, with its file:line")
    parser.add_argument(
        "--load", action="store_true", help="also load the model (needs the `load` extra) and print its class and size"
    )
    parser.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="with --load: allow running the model repo's own Python code (only for repos you trust)",
    )
    add_rules_option(parser)


def render(resolution: Resolution) -> str:
    """The human-readable summary."""
    hub_task = getattr(resolution, "hub_task", None)
    task = resolution.task
    if hub_task and getattr(resolution, "vocabulary", None):
        hub = f"; the Hub's name: {hub_task}" if hub_task != task else ""
        task = f"{task} ({resolution.vocabulary} vocabulary{hub})"  # type: ignore[attr-defined]
    rows = [
        ("task", task),
        ("library", resolution.library or "unknown"),
        ("framework", _frameworks(resolution)),
        ("loader", resolution.loader or "-"),
    ]
    if resolution.model_type:
        rows.append(("model type", resolution.model_type))
    if resolution.architecture:
        rows.append(("architecture", resolution.architecture))
    if resolution.component:
        rows.append(("component", f"yes: {resolution.subfolder or 'this folder'} is one part of a larger model"))
    if resolution.base_model:
        rows.append(("base model", resolution.base_model))
    where = f" ({resolution.where})" if resolution.where else ""
    rows.append(("decided by", f"{resolution.strategy}{where}"))
    serving = resolution.serving
    serving_where = f" ({serving.where})" if serving.runner and serving.where else ""
    rows.append(("serving", serving.describe() + serving_where))
    # the library's default task is the answer of last resort: not worth listing as a rival
    others = sorted(
        {c.task for c in resolution.candidates if c.task != resolution.task and c.strategy != "library_default"}
    )
    if others:
        rows.append(("other answers", ", ".join(others)))
    return "\n".join(f"{label + ':':<15}{value}" for label, value in rows)


def print_field(resolution: Resolution, name: str) -> int:
    """`--field NAME`: the field alone on stdout (JSON for lists and mappings); 1 when it is empty."""
    import json

    from resolver.errors import TaskResolverError

    data = resolution.to_dict()
    key = name.strip().replace("-", "_")
    if key not in data:
        raise TaskResolverError(f"no field {name!r} in a resolution", hint=f"fields: {', '.join(sorted(data))}")
    value = data[key]
    if value is None or value == "" or value == [] or value == {}:
        print(f"{key}: none for {resolution.ref or 'this model'}", file=sys.stderr)
        return 1
    print(value if isinstance(value, str) else json.dumps(value, default=str))
    return 0


def _frameworks(resolution: Resolution) -> str:
    if not resolution.frameworks or resolution.framework is None:
        return "unknown (no weight files)"
    extra = resolution.frameworks[1:]
    return resolution.framework + (f" (also: {', '.join(extra)})" if extra else "")


def run(args: argparse.Namespace) -> int:
    from resolver.api import Resolver

    resolver = Resolver(args.rules)
    resolution = resolver.resolve(
        args.ref,
        task=args.task,
        library=args.library,
        subfolder=args.subfolder,
        revision=args.revision,
        token=args.token,
        offline=args.offline,
        cache_dir=args.cache_dir,
        timeout=args.timeout,
        verbose=args.verbose,
        vocab=args.vocab,
    )
    if args.field:
        return print_field(resolution, args.field)
    loaded = None
    if args.trust_remote_code and not args.load:
        print(
            "note: --trust-remote-code has no effect without --load (resolving never runs a repo's code)",
            file=sys.stderr,
        )
    if args.load:
        from resolver.loading.calls import describe_loaded
        from resolver.loading.errors import RemoteCodeError

        try:
            loaded = describe_loaded(resolution, **({"trust_remote_code": True} if args.trust_remote_code else {}))
        except RemoteCodeError as error:
            error.hint = "read the repository's .py files first; if you trust them, run again with --trust-remote-code"
            raise
    if args.json:
        data = resolution.to_dict()
        if loaded is not None:
            data["loaded"] = loaded
        dump_json(data)
        return 0
    print(render(resolution))
    if loaded is not None:
        print(f"{'loaded:':<15}{loaded['class']} ({loaded['parameters']:,} parameters)")
    if args.explain or args.command == "explain":
        print("trace:")
        print(resolution.explain())
    return 0
