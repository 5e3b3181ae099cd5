"""``az ml batch-troubleshoot``: the loader.  Everything else is imported lazily so that ``az`` starts fast."""

from __future__ import annotations

from typing import Any

from azure.cli.core import AzCommandsLoader

from azext_batchtroubleshoot._help import helps  # noqa: F401 - importing registers the help texts


class BatchTroubleshootCommandsLoader(AzCommandsLoader):
    def __init__(self, cli_ctx: Any = None) -> None:
        from azure.cli.core.commands import CliCommandType

        custom = CliCommandType(operations_tmpl="azext_batchtroubleshoot.custom#{}")
        super().__init__(cli_ctx=cli_ctx, custom_command_type=custom)

    def load_command_table(self, args: Any) -> Any:
        from azext_batchtroubleshoot.commands import load_command_table

        load_command_table(self, args)
        return self.command_table

    def load_arguments(self, command: str) -> None:
        from azext_batchtroubleshoot._params import load_arguments

        load_arguments(self, command)


COMMAND_LOADER_CLS = BatchTroubleshootCommandsLoader
