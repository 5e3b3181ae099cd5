"""The only code that talks to Azure: job lookup, child resolution, log listing, download and follow.

Nothing here is imported for ``--help`` or offline commands: ``custom.py`` imports these modules inside the command
functions, and the modules that need ``azure.ai.ml`` or ``azure.storage.blob`` import them inside functions too.
"""
