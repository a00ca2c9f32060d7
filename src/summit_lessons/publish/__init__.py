"""What turns the lessons into outputs: execute, editions, the printed page, handouts, the
teacher's key, worksheets, PDFs, slides, the JupyterLite site, the wheel and the offline bundle.

Nothing here is imported by a lesson; the command line (:mod:`summit_lessons.cli`) starts each build.
"""
