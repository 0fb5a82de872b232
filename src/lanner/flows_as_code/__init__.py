"""Flows as code: a folder of flows kept in Git, planned and applied to a server, and tested.

- ``folder``: what a folder holds (flows, ``_namespace.yml`` modules, ``_files/`` namespace
  files, ``*.test.yml`` flow tests), read and validated with every error located;
- ``modules``: namespace-wide ``pluginDefaults`` merged into each flow;
- ``plan`` / ``triggers``: what applying the folder would change on a server;
- ``flow_tests`` / ``junit``: flow test files and their JUnit XML report.

Talking to a server and running tests are the CLI's part (``lanner.cli``); this package only
reads files and compares sources. See docs/flows-as-code.md.
"""
