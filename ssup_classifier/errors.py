"""Typed exceptions. The library raises these; only the CLI turns them into exit codes."""

from __future__ import annotations


class SSUPError(Exception):
    """Base class for every error this package raises on purpose."""


class InvalidInputError(SSUPError, ValueError):
    """The text (or a row of a file) cannot be classified as given."""


class DataError(SSUPError, ValueError):
    """A data file (labelled samples, descriptors, a batch input) is malformed."""


class ModelNotFoundError(SSUPError, FileNotFoundError):
    """No model directory or model file where one was expected."""


class ModelLoadError(SSUPError, RuntimeError):
    """A model file exists but cannot be used: corrupt, untrusted or from another version."""


class BackendUnavailableError(SSUPError, RuntimeError):
    """The text-processing backend a model needs is not installed here."""


class DocumentError(SSUPError, ValueError):
    """A document file (PDF, DOCX, ODT, text) cannot be read: the message names the file and the fix."""
