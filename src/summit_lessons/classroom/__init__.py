"""What serves a class: ``start`` (one JupyterLab on this computer, :mod:`.lab`) and the JupyterHub
classroom (spawn hook, sign-in, accounts, the students' environment and a client for tests).
"""
