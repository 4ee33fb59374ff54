"""`python main.py edit [PROJECT | --demo]`: open the desktop editor."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser(
        "edit", help="open the desktop editor (on a project, or the bundled demo)",
        description="Open the dubbing editor. With no project it opens empty "
                    "(File > Open the demo); `--demo` opens the bundled GRID clip. "
                    "Needs a display; headless, use `dub`.")
    p.add_argument("project", nargs="?", help="project JSON to open")
    p.add_argument("--demo", action="store_true", help="open the bundled demo project")
    p.set_defaults(func=run)


def run(args) -> int:
    from core.errors import UserError
    if args.project and args.demo:
        raise UserError("give a project or --demo, not both")
    from app.launch import launch   # Qt is imported only here
    return launch(["--demo"] if args.demo else ([args.project] if args.project else []))
