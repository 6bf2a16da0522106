"""The ``ssup`` command line. Only this module turns exceptions into messages and exit codes."""

from __future__ import annotations

import argparse
import glob
import importlib
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .errors import BackendUnavailableError, DataError, InvalidInputError, ModelLoadError, ModelNotFoundError, SSUPError

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_MODEL = 0, 1, 2, 3


def _read_text_file(path: Path) -> str:
    from .documents import read_document

    if not logger.isEnabledFor(logging.INFO):  # no -v: pypdf's notes on broken files would only add noise
        logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    return read_document(path, other_as_text=True).text


def _bar(p: float, width: int = 30) -> str:
    n = round(p * width)
    return "█" * n + "·" * (width - n)


def _cmd_classify(args: argparse.Namespace) -> int:
    from .descriptors import load_descriptors
    from .model import SSUPClassifier

    if args.text is not None and args.file is not None:
        raise InvalidInputError("give the text or --file, not both")
    if args.file is not None:
        text = _read_text_file(Path(args.file))
    elif args.text is not None:
        text = args.text
    elif not sys.stdin.isatty():
        text = sys.stdin.read()
    else:
        raise InvalidInputError('no text given; use: ssup classify "tekst ogłoszenia", --file PATH, '
                                "or pipe text on stdin")
    model = SSUPClassifier.load(args.model)
    pred = model.predict(text, n_reasons=args.reasons)
    if args.json:
        print(json.dumps(pred.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    d = load_descriptors().level(pred.level)
    scope = "tak" if pred.in_scope else "NIE – tekst raczej nie dotyczy wsparcia sprzedaży"
    other = {"en": "wykryto angielski"}.get(pred.language, "wykryto inny język")
    lines = [f"Uwaga: tekst nie wygląda na polski ({other}); model uczono na polskich tekstach, "
             "więc wynik jest mniej pewny."] if pred.language != "pl" else []
    lines += [f"Poziom SSUP: {pred.level} – {d.name}   (pewność {pred.confidence:.0%})",
              f"Wsparcie sprzedaży: {scope} (p={pred.in_scope_probability:.2f})", ""]
    for k, p in pred.probabilities.items():
        mark = "◀" if k == pred.level else ""
        lines.append(f"  poziom {k} {_bar(p)} {p:5.1%} {mark}")
    lines += ["", f"Opis poziomu {pred.level} (SFIA): {d.description}", ""]
    if pred.reasons:
        lines.append("Frazy, które najmocniej wskazały ten poziom:")
        lines += [f"  • {r.phrase}" for r in pred.reasons]
    print("\n".join(lines))
    return EXIT_OK


def _cmd_train(args: argparse.Namespace) -> int:
    from .config import TrainConfig
    from .resources import default_model_dir
    from .training import model_card, train

    config = TrainConfig(backend=args.backend)
    t0 = time.perf_counter()
    result = train(config, data=args.data, descriptors=args.descriptors)
    out = Path(args.out) if args.out else default_model_dir()
    result.model.save(out, card=model_card(result))
    m = result.test_metrics
    print(f"trained on {result.n_samples} rows + {result.n_descriptors} descriptors in "
          f"{time.perf_counter() - t0:.1f}s; saved to {out}")
    if m:
        print(f"test split ({m['n']} rows): macro-F1 {m['macro_f1']:.3f}, accuracy {m['accuracy']:.3f}, "
              f"level exact {m.get('level_exact', float('nan')):.3f}, "
              f"within one {m.get('level_within_one', float('nan')):.3f}")
    return EXIT_OK


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .config import TrainConfig
    from .evaluation import MODEL, evaluate, report_markdown
    from .resources import shared_real_ads

    config = TrainConfig(backend=args.backend, cv_folds=args.folds, cv_repeats=args.repeats)
    real = Path(args.real_ads) if args.real_ads else shared_real_ads()
    report = evaluate(config, data=args.data, descriptors=args.descriptors, real_ads=real)
    for method, m in report.cv_summary().items():
        print(f"{method:34s} macro-F1 {m['macro_f1'][0]:.3f}  accuracy {m['accuracy'][0]:.3f}  "
              f"within-one {m['level_within_one'][0]:.3f}  MAE {m['level_mae'][0]:.3f}")
    for name, rows, macro_f1 in (("independent set", report.independent, True),
                                 ("harder independent set", report.hard, True),
                                 ("career-change CVs", report.career_changes, False),
                                 ("real ads", report.real_ads, False)):
        if rows:
            r = rows[MODEL]
            head = f"macro-F1 {r['macro_f1']:.3f}, " if macro_f1 else ""
            print(f"{name} ({r['n']}): {head}level exact {r['level_exact']:.3f}, within one "
                  f"{r['level_within_one']:.3f}, in-scope recall {r['in_scope_recall']:.3f}, "
                  f"out-of-scope recall {r['out_of_scope_recall']:.3f}")
    if args.output != "-":
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report_markdown(report), encoding="utf-8")
        print(f"written to {out}")
    return EXIT_OK


def _expand(patterns: Sequence[str]) -> list[Path]:
    out: list[Path] = []
    for p in patterns:
        hits = sorted(glob.glob(p)) if any(ch in p for ch in "*?[") and not Path(p).exists() else [p]
        if not hits:
            raise InvalidInputError(f"no file matches {p!r}")
        out += [Path(h) for h in hits]
    return out


class _ProgressBar:
    """rows, rows/s and ETA on one self-rewriting line of stderr."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.last = 0.0

    def __call__(self, rows: int, fraction: float) -> None:
        now = time.perf_counter()
        if now - self.last < 0.2:
            return
        self.last = now
        rate = rows / max(now - self.t0, 1e-9)
        eta = (now - self.t0) * (1 - fraction) / fraction if fraction > 0 else 0.0
        bar = "█" * int(fraction * 25) + "·" * (25 - int(fraction * 25))
        print(f"\r{bar} {fraction:4.0%}  {rows:,} rows  {rate:,.0f} rows/s  ETA {eta:,.0f}s ",
              end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        print("\r" + " " * 79 + "\r", end="", file=sys.stderr, flush=True)


def _cmd_batch(args: argparse.Namespace) -> int:
    from .batch import BatchOptions, run_batch
    from .model import SSUPClassifier

    delimiter = {"tab": "\t", "\\t": "\t"}.get(args.delimiter, args.delimiter) if args.delimiter else None
    opts = BatchOptions(text_columns=args.text_column or ["text"], id_column=args.id_column, encoding=args.encoding,
                        delimiter=delimiter, sheet=args.sheet, force=args.force, jobs=args.jobs,
                        chunksize=args.chunksize)
    sources = _expand(args.input)
    model = SSUPClassifier.load(args.model)
    bar = _ProgressBar() if sys.stderr.isatty() and not args.quiet else None
    try:
        if args.engine == "dask":
            from .dask_engine import run_dask

            s = run_dask(model, sources, args.output, opts, scheduler=args.scheduler, progress=bar)
        else:
            s = run_batch(model, sources, args.output, opts, progress=bar)
    finally:
        if bar:
            bar.close()
    levels = ", ".join(f"{k}: {v}" for k, v in s.per_level.items())
    print(f"{s.rows:,} rows in {s.seconds:.1f}s ({s.rows / max(s.seconds, 1e-9):,.0f} rows/s); levels {levels}; "
          f"out of scope {s.out_of_scope:,}; errors {s.errors:,}; written to {args.output}", file=sys.stderr)
    for e in s.first_errors:
        print(f"  error at {e}", file=sys.stderr)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ssup", description="Polish text -> SFIA Sales support (SSUP) level 1-6.")
    p.add_argument("--verbose", "-v", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("classify", help="classify one job ad, CV or note")
    c.add_argument("text", nargs="?", help="the text (or use --file, or stdin)")
    c.add_argument("--file", "-f", help="read the text from a file")
    c.add_argument("--json", action="store_true", help="print JSON for machines")
    c.add_argument("--model", "-m", help="model directory (default: the bundled model)")
    c.add_argument("--reasons", type=int, default=8, help="how many phrases to show (default 8)")
    c.set_defaults(func=_cmd_classify)

    for name, helptext, func in (("train", "train a model from labelled data", _cmd_train),
                                 ("evaluate", "cross-validate against baselines, write docs/evaluation.md",
                                  _cmd_evaluate)):
        t = sub.add_parser(name, help=helptext)
        t.add_argument("--data", help="labelled samples CSV (default: data/labeled_samples.csv)")
        t.add_argument("--descriptors", help="descriptors JSON (default: the bundled one)")
        t.add_argument("--backend", default="auto", choices=["auto", "morfeusz2", "pl_core_news_sm"])
        t.set_defaults(func=func)
        if name == "train":
            t.add_argument("--out", "-o", help="model directory to write (default: models/ssup-default)")
        else:
            t.add_argument("--folds", type=int, default=5)
            t.add_argument("--repeats", type=int, default=3)
            t.add_argument("--real-ads", help="CSV of real ads (id,text,level) to score too "
                                              "(default: ../shared/real_ads/labeled_dev.csv if present)")
            t.add_argument("--output", "-o", default="docs/evaluation.md", help="Markdown report, or - for none")

    b = sub.add_parser("batch", help="classify every row of CSV/XLSX files (streams; output .csv/.xlsx/.parquet)")
    b.add_argument("input", nargs="+", help="input .csv or .xlsx files (or a glob such as 'ads/*.csv')")
    b.add_argument("-o", "--output", required=True, help="output file: .csv, .xlsx or .parquet")
    b.add_argument("--text-column", action="append", help="column with the text (repeatable, joined; default: text)")
    b.add_argument("--id-column", help="column that names rows in error messages")
    b.add_argument("--encoding", help="input encoding (default: detected; utf-8, utf-8-sig or cp1250)")
    b.add_argument("--delimiter", help="input delimiter (default: detected among , ; tab |)")
    b.add_argument("--sheet", help="sheet of an .xlsx input (default: the first)")
    b.add_argument("--force", action="store_true", help="overwrite an existing output file")
    b.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (default 1)")
    b.add_argument("--chunksize", type=int, default=2000, help="rows per chunk (default 2000)")
    b.add_argument("--engine", choices=["local", "dask"], default="local")
    b.add_argument("--scheduler", help="Dask scheduler address (default: a local cluster of --jobs workers)")
    b.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    b.add_argument("--model", "-m", help="model directory (default: the bundled model)")
    b.set_defaults(func=_cmd_batch)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__package__}.{name}").register(sub)
    return p


# Sub-commands that live in modules of their own; each module has register(subparsers).
COMMAND_MODULES: tuple[str, ...] = ("cli_documents", "cli_web")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except (InvalidInputError, DataError) as e:
        print(f"ssup: error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except (ModelNotFoundError, ModelLoadError, BackendUnavailableError) as e:
        print(f"ssup: model error: {e}", file=sys.stderr)
        return EXIT_MODEL
    except SSUPError as e:
        print(f"ssup: error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("ssup: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # the last line of defence: a message, never a traceback
        logger.debug("internal error", exc_info=True)
        print(f"ssup: internal error: {type(e).__name__}: {e}. Run with -v for details and report it.",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())


def main_entry() -> None:
    """Console-script entry point."""
    raise SystemExit(main())
