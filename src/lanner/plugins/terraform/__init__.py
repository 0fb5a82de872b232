"""Terraform / OpenTofu plugin: TerraformCLI (Kestra's ``io.kestra.plugin.terraform.cli.TerraformCLI``).

Terraform runs as a local process of the worker: ``terraform`` (or ``tofu``) on the worker's
PATH, or the program named by the task's ``terraformPath``.
"""

from lanner.plugins.terraform import cli

__all__ = ["cli"]
