"""Example Lanner plugin. The entry point names this package: every task class of the modules
it imports is registered (here, ``WordCount``)."""

from lanner_example_plugin.word_count import WordCount

__all__ = ["WordCount"]
