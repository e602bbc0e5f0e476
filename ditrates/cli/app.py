"""The typer application, its error handling, and the options shared by the commands.

Exit codes: 0 success; 2 bad input (one line on stderr: a bad number, a value outside its domain, a failed
condition of a theorem, an unknown name, an option given twice, an output path that cannot be written); 1 a
failed run (e.g. pdflatex reported an error, or a write that failed midway: standard output on a full disk). A
closed pipe (``ditrates list | head -1``) is not an error: the command stops silently.
"""

from __future__ import annotations

import errno
import functools
import inspect
import os
import sys
import typing
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ditrates import __version__, registry
from ditrates.defaults import doc
from ditrates.errors import DitratesError, MissingValue
from ditrates.symbols import PARAMS, param
from ditrates.xi import Reading

EPILOG = "Exit codes: 0 ok, 1 a failed run, 2 bad input (one line on stderr)."


def _base(cls: type, name: str) -> type:
    """A base class of ``cls`` by name: click's exception classes, whether typer vendors click or not."""
    return next(c for c in cls.__mro__ if c.__name__ == name)


ClickException = _base(typer.BadParameter, "ClickException")
UsageError = _base(typer.BadParameter, "UsageError")


def _fail(message: str, code: int = 2) -> None:
    sys.stderr.write(f"ditrates: error: {message}\n")
    sys.stderr.flush()
    sys.exit(code)


class _ClosedPipe(Exception):
    """The reader of stdout went away (``ditrates list | head -1``): not an error."""


def _repeated(cmd, args: Sequence[str]) -> str | None:
    """The first option of ``cmd`` that takes one value and is given twice in ``args`` (up to a subcommand)."""
    takes_one = {o: p for p in cmd.params if p.param_type_name == "option" and not p.multiple and not p.is_flag
                 for o in p.opts}
    seen: set = set()
    subcommands = getattr(cmd, "commands", {})
    for a in args:
        if a == "--" or a in subcommands:
            break
        p = takes_one.get(a.split("=", 1)[0])
        if p is not None and p.name in seen:
            return f"{max(p.opts, key=len)} is given twice: give it once"
        if p is not None:
            seen.add(p.name)
    return None


class Group(TyperGroup):
    """Runs click in non-standalone mode so that every error becomes one line on stderr; refuses an option
    given twice (click would keep the last silently)."""

    def resolve_command(self, ctx, args):
        name, cmd, rest = super().resolve_command(ctx, args)
        repeated = None if cmd is None else _repeated(cmd, rest)
        if repeated:
            raise DitratesError(repeated)
        return name, cmd, rest

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # raised past click, which would turn it into exit code 1
            raise _ClosedPipe() from None
        except EOFError as e:  # click would report "aborted" (exit 130), as for Ctrl-C at a prompt
            raise RuntimeError(f"unexpected end of a file ({e or 'EOFError'})") from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            rv = super().main(args=args, prog_name=prog_name or "ditrates", complete_var=complete_var,
                              standalone_mode=False, **extra)
            sys.stdout.flush()  # a full disk shows here, while the error can still be reported
        except UsageError as e:
            if type(e).__name__ == "NoArgsIsHelpError":  # a group alone: its help, exit 0
                typer.echo(e.ctx.get_help())
                sys.exit(0)
            hint = f" (see '{e.ctx.command_path} --help')" if e.ctx is not None else ""
            _fail(e.format_message().replace("\n", " ") + hint)
        except ClickException as e:
            _fail(e.format_message().replace("\n", " "))
        except MissingValue as e:
            _fail(f"{e}: give --{e.key}" if e.key else str(e))
        except DitratesError as e:
            _fail(str(e).replace("\n", " "), e.exit_code)
        except typer.Abort:
            _fail("aborted", 130)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except (BrokenPipeError, _ClosedPipe):
            _drop_stdout()  # nothing more can reach the closed pipe
            sys.exit(0)
        except OSError as e:  # writing to standard output failed midway (a full disk, an I/O error)
            if e.errno == errno.EPIPE:
                _drop_stdout()
                sys.exit(0)
            _drop_stdout()
            where = e.filename or "standard output"
            _fail(f"cannot write to {where}: {e.strerror or e} (the output is incomplete)", 1)
        except Exception as e:  # a bug: one line, not a traceback, and a distinct exit code
            _fail(f"internal error ({type(e).__name__}: {e}); please report it with the command that caused it", 70)
        sys.exit(rv if isinstance(rv, int) else 0)


def _drop_stdout() -> None:
    """Send what is left in stdout's buffer nowhere, so that the interpreter's exit does not fail on it again."""
    try:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    except OSError:
        pass


def complete_result(incomplete: str) -> list[str]:
    """Shell completion of a result name (``ditrates --install-completion``)."""
    return [n for n in registry.names() if n.startswith(incomplete)]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ditrates {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=Group,
    name="ditrates",
    help=("Statistical rates and efficiency criteria of latent Diffusion Transformers "
          "(Hu et al., NeurIPS 2024, arXiv 2407.01079).\n\nExample: ditrates bound --d0 16 --n 1e5"),
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Statistical rates and efficiency criteria of latent DiTs (arXiv 2407.01079)."""


def with_params(keys: Sequence[str]) -> Callable:
    """Add an option ``--KEY VALUE`` for each parameter key (help from :mod:`ditrates.symbols`), plus
    ``--set NAME=VALUE`` (repeatable) for any parameter; the command receives them as ``params`` (a dict
    of raw strings, parsed later by :func:`ditrates.defaults.resolve`)."""

    def helptext(k: str) -> str:
        p = PARAMS[k]
        return f"{p.meaning}; {p.domain_text()}. [default: {doc(k) or 'none, give it'}]"

    def decorate(fn: Callable) -> Callable:
        sig = inspect.signature(fn)
        hints = typing.get_type_hints(fn, include_extras=True)  # resolves string annotations
        own = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in sig.parameters.values()
               if p.name != "params"]
        extra = [
            inspect.Parameter(
                f"p_{k}", inspect.Parameter.KEYWORD_ONLY, default=None,
                annotation=Annotated[str | None, typer.Option(f"--{k}", help=helptext(k),
                                                              metavar="NUM", rich_help_panel="Parameters")])
            for k in keys
        ]
        extra.append(inspect.Parameter(
            "p_set", inspect.Parameter.KEYWORD_ONLY, default=None,
            annotation=Annotated[list[str] | None, typer.Option(
                "--set", help="Set any parameter or hidden constant: --set NAME=VALUE (repeatable), e.g. "
                "--set C_est=10. A parameter given twice is refused [default: none].", metavar="NAME=VALUE",
                rich_help_panel="Parameters")]))

        @functools.wraps(fn)
        def wrapper(**kwargs: Any):
            params = {k: kwargs.pop(f"p_{k}") for k in keys if kwargs.get(f"p_{k}") is not None}
            for k in keys:
                kwargs.pop(f"p_{k}", None)
            for item in kwargs.pop("p_set") or []:
                name, sep, value = item.partition("=")
                name = name.strip()
                if not sep or not name:
                    raise DitratesError(f"--set expects NAME=VALUE, got {item!r}")

                param(name)  # unknown names fail here, with a suggestion
                if name in params:
                    raise DitratesError(f"{name} is given twice ({params[name]} and --set {name}={value.strip()}): "
                                        "give it once")
                params[name] = value.strip()
            return fn(params=params, **kwargs)

        wrapper.__signature__ = sig.replace(parameters=own + extra)
        return wrapper

    return decorate


def output_mode(json_: bool, latex_: bool = False, csv_: bool = False, markdown: bool = False) -> str:
    """The output mode from the --json, --latex, --csv and --markdown flags (at most one)."""
    chosen = [m for m, on in (("json", json_), ("latex", latex_), ("csv", csv_), ("markdown", markdown)) if on]
    if len(chosen) > 1:
        raise DitratesError("choose one of " + " and ".join(f"--{m}" for m in chosen))
    return chosen[0] if chosen else "human"


JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout (with schema_version).")]
LatexOpt = Annotated[bool, typer.Option("--latex", help="A LaTeX table on stdout (for papers; booktabs, tabularx).")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="The main table as CSV on stdout.")]
MarkdownOpt = Annotated[bool, typer.Option("--markdown", help="Tables and text as Markdown on stdout (for docs).")]
ExplicitOpt = Annotated[bool, typer.Option(
    "--explicit", help="Multiply in the factors hidden by O~ that the proofs make explicit.")]
XiReadingOpt = Annotated[Reading, typer.Option(
    "--xi-reading", help="Which reading of xi (Def. 3.4): 'printed', Definition 3.4 as the paper states it, inside "
    "the ranges its derivation uses (App. F.2's step, Thm 3.1's construction delta <= 1/2); 'covering-line', a repair "
    "that is not in the paper (App. F.2's covering line with Thm 3.1's K). 'ditrates show xi' compares them.")]
OutsideRangeOpt = Annotated[bool, typer.Option(
    "--outside-range", help="Evaluate past a range that a step of the proof needs (App. F.2's inequality, Thm 3.1's "
    "construction range, Lemma F.7's hypotheses as printed) instead of failing the row; every such row is marked: "
    "the proof does not back its number.")]
PresetOpt = Annotated[list[str] | None, typer.Option(
    "--preset", help="A DiT size, e.g. DiT-XL/2 (sets d0, d, L, D; an option given too overrides it, with a "
    "warning, and the preset's other dimensions are kept where they still fit d0 = d L); see 'ditrates list "
    "--presets' [default: none].", metavar="NAME")]


def with_preset(params: dict, preset: Sequence[str] | str | None) -> registry.Applied:
    """The preset's values (if any) under the user's (:func:`ditrates.registry.apply_preset`), with one warning
    on stderr naming what the user's values override; a second ``--preset`` is refused."""
    names = [preset] if isinstance(preset, str) else list(preset or [])
    if len(names) > 1:
        raise DitratesError(f"--preset is given {len(names)} times ({', '.join(names)}): give one")
    applied = registry.apply_preset(params, names[0] if names else None)
    if applied.overrode:
        given = ", ".join(f"{k} = {params[k]}" for k in applied.overrode)
        sys.stderr.write(f"ditrates: warning: {given} overrides the preset {applied.name}"
                         + (f"; its {' and '.join(applied.dropped)} {'are' if len(applied.dropped) > 1 else 'is'} "
                            "not used (d0 = d L)" if applied.dropped else "") + "\n")
    return applied


def preset_note(applied: registry.Applied) -> str:
    """``Preset DiT-XL/2: d0 = 4096, d = 16, L = 256, D = 196608 (Peebles and Xie 2023)``, with what the user
    overrode ("" without a preset)."""
    if applied.name is None:
        return ""
    own = registry.preset(applied.name).values()
    shown = ", ".join(f"{k} = {v}" for k, v in own.items())
    changed = [f"{k} = {applied.values[k]} given" for k in applied.overrode]
    changed += [f"{k} not used" for k in applied.dropped]
    return f"Preset {applied.name}: {shown} (Peebles and Xie 2023)" + (f"; {', '.join(changed)}" if changed else "")


def preset_source(rows: list[list[str]], applied: registry.Applied) -> list[list[str]]:
    """Parameter rows (label, value, source, ...) with "given" replaced by the preset where it set the value."""
    if applied.name is None:
        return rows
    from_preset = {PARAMS[k].label for k in registry.preset(applied.name).values()
                   if k in applied.values and k not in applied.overrode and k not in applied.dropped}
    return [[r[0], r[1], f"preset {applied.name}" if r[0] in from_preset and r[2] == "given" else r[2], *r[3:]]
            for r in rows]


STAT_KEYS = registry.keys_of(registry.names("statistical"))
"""The parameters of the statistical rates, in the paper's order (the options of bound, solve, latex, plot)."""
