"""``lucien voice preview``: read the whole bot without Telegram.

lucien voice preview                      # list providers and messages
lucien voice preview menus                # every message of one provider (variant 0)
lucien voice preview menus vip            # every sample and every variant of one message
lucien voice preview menus vip --variant 2
lucien voice preview start greeting_line --role admin
lucien voice preview --all                # everything, every variant
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from lucien.voice.message import Alert, Message


def format_result(result: Any) -> str:
    """Text and buttons (label → callback data or URL) as plain lines."""
    if isinstance(result, Alert):
        kind = "alert (ventana)" if result.show_alert else "aviso breve"
        return f"[{kind}] {result.text}"
    if isinstance(result, Message):
        lines = [result.text]
        if result.keyboard is not None:
            lines.append("")
            for row in result.keyboard.inline_keyboard:
                cells = [
                    f"[{b.text}] → {b.callback_data if b.callback_data is not None else b.url}"
                    for b in row
                ]
                lines.append("  " + "   ".join(cells))
        return "\n".join(lines)
    if isinstance(result, list):
        if result and isinstance(result[0], tuple):
            return "\n".join(f"/{cmd} — {desc}" for cmd, desc in result)
        return "\n\n┄┄ siguiente mensaje ┄┄\n\n".join(format_result(r) for r in result)
    return str(result)


def _methods(provider: str | None, message: str | None) -> list[tuple[str, str]]:
    from lucien.voice.lint import provider_methods

    out = [(p, m) for p, m, _ in provider_methods()]
    if provider:
        out = [(p, m) for p, m in out if p == provider]
    if message:
        out = [(p, m) for p, m in out if m == message]
    return out


def preview(
    provider: str | None = None,
    message: str | None = None,
    *,
    variant: int | None = None,
    role: str | None = None,
    every_variant: bool = False,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    from lucien.voice import samples
    from lucien.voice.lint import render

    targets = _methods(provider, message)
    if not targets:
        print(f"No encuentro «{provider or ''} {message or ''}».", file=out)
        return 2
    for prov, meth in targets:
        for n, case in enumerate(samples.cases(prov, meth)):
            if role and "role" in case:
                case["role"] = role
            first, counts = render(prov, meth, case, variant if variant is not None else 0)
            total = max(counts.values(), default=1)
            if variant is not None:
                indices = [variant]
            else:
                indices = list(range(total)) if every_variant else [0]
            for index in indices:
                result = first if index == indices[0] else render(prov, meth, case, index)[0]
                shown = f"variante {index % total + 1}/{total}"
                print(f"── {prov}.{meth} · ejemplo {n + 1} · {shown} ──", file=out)
                print(format_result(result), file=out)
                print(file=out)
    return 0


def list_messages(out: TextIO | None = None) -> int:
    out = out or sys.stdout
    from lucien.voice import samples

    current = ""
    for prov, meth in _methods(None, None):
        if prov != current:
            print(f"\n{prov}", file=out)
            current = prov
        print(f"  {meth}  ({len(samples.cases(prov, meth))} ejemplos)", file=out)
    return 0


def preview_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lucien voice preview", description="Print any message with sample data."
    )
    parser.add_argument("provider", nargs="?", help="provider name, e.g. menus")
    parser.add_argument("message", nargs="?", help="method name, e.g. vip")
    parser.add_argument("--variant", type=int, help="render this variant (0-based)")
    parser.add_argument("--role", choices=("admin", "vip", "free"), help="override the role")
    parser.add_argument("--all", action="store_true", help="every provider, message, variant")
    args = parser.parse_args(argv)
    if args.all:
        return preview(
            args.provider, args.message, variant=args.variant, role=args.role, every_variant=True
        )
    if not args.provider:
        return list_messages()
    return preview(
        args.provider,
        args.message,
        variant=args.variant,
        role=args.role,
        every_variant=args.message is not None and args.variant is None,
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(preview_main())
