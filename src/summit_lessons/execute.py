"""``python -m summit_lessons.execute NOTEBOOK...``: kept so the documented command still works;
the code is :mod:`summit_lessons.publish.execute`."""
from .publish.execute import main

if __name__ == "__main__":
    raise SystemExit(main())
