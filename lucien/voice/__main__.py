"""``python -m lucien.voice lint|preview ...``"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args.pop(0) if args else ""
    if command == "lint":
        from lucien.voice.lint import lint_main

        return lint_main(args)
    if command == "preview":
        from lucien.voice.preview import preview_main

        return preview_main(args)
    print(
        "usage: python -m lucien.voice lint [--no-hostile] | preview [provider] [message] "
        "[--variant N] [--role R] [--all]"
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
